"""merge the portal and the privacy heads

Revision ID: 5a711545c41f
Revises: c24eaffef3f4, c948df2a2eaa
Create Date: 2026-12-06 13:05:58.778006

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5a711545c41f'
down_revision = ('c24eaffef3f4', 'c948df2a2eaa')
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
