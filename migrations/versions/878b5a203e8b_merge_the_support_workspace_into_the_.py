"""merge the support workspace into the main head

Revision ID: 878b5a203e8b
Revises: 6cb5518f1b2d, 79b01a3df83d
Create Date: 2026-12-06 13:42:27.683445

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '878b5a203e8b'
down_revision = ('6cb5518f1b2d', '79b01a3df83d')
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
