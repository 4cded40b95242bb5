"""merge report runs and complaints

Revision ID: d29d5f59b603
Revises: 0b1a0a538d33, c50fb8bf25e2
Create Date: 2026-12-01 13:43:32.594427

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd29d5f59b603'
down_revision = ('0b1a0a538d33', 'c50fb8bf25e2')
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
