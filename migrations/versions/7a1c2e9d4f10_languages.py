"""languages: staff, providers, clients (their e-mails), report runs (their PDF)

Revision ID: 7a1c2e9d4f10
Revises: 3c9e5b7a2d41
Create Date: 2026-12-06 06:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7a1c2e9d4f10'
down_revision = '3c9e5b7a2d41'
branch_labels = None
depends_on = None


TABLES = ('staff_user', 'provider', 'client', 'report_run')


def upgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('language', sa.String(length=2), server_default='fr', nullable=False))


def downgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('language')
