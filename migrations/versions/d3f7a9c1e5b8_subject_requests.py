"""subject requests (access, erasure) and the subject access report

Revision ID: d3f7a9c1e5b8
Revises: c8e2f4a6b3d1
Create Date: 2026-12-06 10:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd3f7a9c1e5b8'
down_revision = 'c8e2f4a6b3d1'
branch_labels = None
depends_on = None

OLD_KINDS = ('policy_compliance', 'provider_register', 'insurance_expiry', 'complaints', 'provider_dossier')
NEW_KINDS = OLD_KINDS + ('subject_access',)


def _kinds(kinds):
    return "kind IN (" + ", ".join(f"'{k}'" for k in kinds) + ")"


def upgrade():
    op.create_table(
        'subject_request',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.Enum('access', 'erasure', name='subject_request_kind', native_enum=False, create_constraint=True), nullable=False),
        sa.Column('subject_type', sa.String(length=10), nullable=False),
        sa.Column('subject_id', sa.Integer(), nullable=False),
        sa.Column('requested_by', sa.String(length=200), nullable=False),
        sa.Column('identity_check', sa.String(length=500), nullable=False),
        sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('due_on', sa.Date(), nullable=False),
        sa.Column('status', sa.Enum('received', 'awaiting_confirmation', 'done', 'refused', name='subject_request_status', native_enum=False, create_constraint=True), nullable=False),
        sa.Column('recorded_by_id', sa.Integer(), nullable=False),
        sa.Column('erasure_requested_by_id', sa.Integer(), nullable=True),
        sa.Column('closed_by_id', sa.Integer(), nullable=True),
        sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('outcome', sa.String(length=2000), nullable=True),
        sa.CheckConstraint("subject_type IN ('provider', 'client')", name=op.f('ck_subject_request_subject_type')),
        sa.CheckConstraint("(status IN ('done', 'refused')) = (closed_at IS NOT NULL)", name=op.f('ck_subject_request_closed_has_time')),
        sa.ForeignKeyConstraint(['recorded_by_id'], ['staff_user.id'], name=op.f('fk_subject_request_recorded_by_id_staff_user')),
        sa.ForeignKeyConstraint(['erasure_requested_by_id'], ['staff_user.id'], name=op.f('fk_subject_request_erasure_requested_by_id_staff_user')),
        sa.ForeignKeyConstraint(['closed_by_id'], ['staff_user.id'], name=op.f('fk_subject_request_closed_by_id_staff_user')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_subject_request')),
    )
    op.create_index('ix_subject_request_subject_id', 'subject_request', ['subject_id'])
    _report_kinds(NEW_KINDS)


def _report_kinds(kinds):
    """The report kinds the CHECK allows (SQLite changes a constraint by copying the table)."""
    if op.get_bind().dialect.name == 'postgresql':
        op.drop_constraint(op.f('ck_report_run_report_kind'), 'report_run', type_='check')
        op.create_check_constraint(op.f('ck_report_run_report_kind'), 'report_run', _kinds(kinds))
        return
    with op.batch_alter_table('report_run', recreate='always') as batch:
        batch.drop_constraint(op.f('ck_report_run_report_kind'), type_='check')
        batch.create_check_constraint(op.f('ck_report_run_report_kind'), _kinds(kinds))


def downgrade():
    op.execute("DELETE FROM report_run WHERE kind = 'subject_access'")
    _report_kinds(OLD_KINDS)
    op.drop_index('ix_subject_request_subject_id', table_name='subject_request')
    op.drop_table('subject_request')
