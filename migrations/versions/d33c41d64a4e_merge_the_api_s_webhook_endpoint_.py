"""merge the API's webhook-endpoint foreign key into the privacy head

Revision ID: d33c41d64a4e
Revises: 3878ecc1c2ac, 9c4e2a7d5b18
Create Date: 2026-12-06 10:44:28.969855

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd33c41d64a4e'
down_revision = ('3878ecc1c2ac', '9c4e2a7d5b18')
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
