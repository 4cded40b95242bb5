"""notification retry window: delivery is retried until retry_until, then shown to managers

Revision ID: 9d4e2f7a1b63
Revises: 7a1c2e9d4f10
Create Date: 2026-12-06 08:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '9d4e2f7a1b63'
down_revision = '7a1c2e9d4f10'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.add_column(sa.Column('retry_until', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_column('retry_until')
