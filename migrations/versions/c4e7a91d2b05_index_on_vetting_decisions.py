"""index on vetting cases' decision time (the home page's weekly decisions)

Revision ID: c4e7a91d2b05
Revises: 2e412bb8657f
Create Date: 2026-12-06 16:00:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'c4e7a91d2b05'
down_revision = '2e412bb8657f'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('vetting_case', schema=None) as batch_op:
        batch_op.create_index('ix_vetting_case_decided_at', ['decided_at'], unique=False)


def downgrade():
    with op.batch_alter_table('vetting_case', schema=None) as batch_op:
        batch_op.drop_index('ix_vetting_case_decided_at')
