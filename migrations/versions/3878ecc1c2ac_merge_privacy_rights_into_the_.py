"""merge privacy rights into the integration and resilience heads

Revision ID: 3878ecc1c2ac
Revises: 828170ebca3b, d3f7a9c1e5b8
Create Date: 2026-12-06 10:40:26.515039

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3878ecc1c2ac'
down_revision = ('828170ebca3b', 'd3f7a9c1e5b8')
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
