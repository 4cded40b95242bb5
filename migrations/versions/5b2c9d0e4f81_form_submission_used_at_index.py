"""form submissions: index on used_at for the daily purge

Revision ID: 5b2c9d0e4f81
Revises: 4e8a1f3c7b20
Create Date: 2026-12-06 09:15:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '5b2c9d0e4f81'
down_revision = '4e8a1f3c7b20'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(op.f('ix_form_submission_used_at'), 'form_submission', ['used_at'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_form_submission_used_at'), table_name='form_submission')
