"""access log: who opened which person's data, when and why

Revision ID: b4d1e7c9a215
Revises: a7c3e1f5b902
Create Date: 2026-12-06 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b4d1e7c9a215'
down_revision = 'a7c3e1f5b902'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'access_entry',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('staff_id', sa.Integer(), nullable=True),
        sa.Column('staff', sa.String(length=254), nullable=False),
        sa.Column('subject_type', sa.String(length=10), nullable=False),
        sa.Column('subject_id', sa.Integer(), nullable=False),
        sa.Column('record_type', sa.String(length=40), nullable=False),
        sa.Column('record_id', sa.String(length=40), nullable=False),
        sa.Column('purpose', sa.String(length=40), nullable=False),
        sa.Column('page', sa.String(length=80), nullable=False),
        sa.CheckConstraint(
            "subject_type IN ('provider', 'client')", name=op.f('ck_access_entry_subject_type')
        ),
        sa.ForeignKeyConstraint(
            ['staff_id'], ['staff_user.id'], name=op.f('fk_access_entry_staff_id_staff_user'), ondelete='SET NULL'
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_access_entry')),
    )
    op.create_index('ix_access_entry_occurred_at', 'access_entry', ['occurred_at'])
    op.create_index('ix_access_entry_subject', 'access_entry', ['subject_type', 'subject_id', 'occurred_at'])


def downgrade():
    op.drop_index('ix_access_entry_subject', table_name='access_entry')
    op.drop_index('ix_access_entry_occurred_at', table_name='access_entry')
    op.drop_table('access_entry')
