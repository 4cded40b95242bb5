"""merge the integration API core and its outbound side

Revision ID: 67fd0c63f4f5
Revises: 7b2d9e4f1a63, a7c3e1f5b902
Create Date: 2026-12-06 10:05:32.624777

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '67fd0c63f4f5'
down_revision = ('7b2d9e4f1a63', 'a7c3e1f5b902')
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
