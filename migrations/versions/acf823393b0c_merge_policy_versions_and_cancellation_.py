"""merge policy versions and cancellation terms into the privacy and API heads

Revision ID: acf823393b0c
Revises: c61b068b4a7f, d33c41d64a4e
Create Date: 2026-12-06 11:01:19.742005

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'acf823393b0c'
down_revision = ('c61b068b4a7f', 'd33c41d64a4e')
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
