"""merge the submission-token index into the integration API heads

Revision ID: 828170ebca3b
Revises: 5b2c9d0e4f81, 67fd0c63f4f5
Create Date: 2026-12-06 10:08:35.449282

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '828170ebca3b'
down_revision = ('5b2c9d0e4f81', '67fd0c63f4f5')
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
