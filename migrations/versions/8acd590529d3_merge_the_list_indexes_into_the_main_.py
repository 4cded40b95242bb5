"""merge the list indexes into the main head

Revision ID: 8acd590529d3
Revises: 5a711545c41f, 9cab2ec232b3
Create Date: 2026-12-06 13:08:00.462363

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '8acd590529d3'
down_revision = ('5a711545c41f', '9cab2ec232b3')
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
