"""merge the sort indexes of the growing tables into the main head

Revision ID: 79b01a3df83d
Revises: 4131520b17d9, 8acd590529d3
Create Date: 2026-12-06 13:28:45.111933

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '79b01a3df83d'
down_revision = ('4131520b17d9', '8acd590529d3')
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
