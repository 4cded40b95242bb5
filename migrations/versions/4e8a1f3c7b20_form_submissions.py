"""form submissions: one-time tokens of the create forms

Revision ID: 4e8a1f3c7b20
Revises: 9d4e2f7a1b63
Create Date: 2026-12-06 08:00:00.000000

"""
from alembic import op
import sqlalchemy as sa



# revision identifiers, used by Alembic.
revision = '4e8a1f3c7b20'
down_revision = '9d4e2f7a1b63'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'form_submission',
        sa.Column('token', sa.String(length=64), nullable=False),
        sa.Column('used_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('object_type', sa.String(length=60), nullable=True),
        sa.Column('object_id', sa.String(length=60), nullable=True),
        sa.PrimaryKeyConstraint('token', name=op.f('pk_form_submission')),
    )


def downgrade():
    op.drop_table('form_submission')
