"""audit events append-only in the database

Revision ID: 3c9e5b7a2d41
Revises: d29d5f59b603
Create Date: 2026-12-06 07:00:00.000000

Triggers refuse UPDATE and DELETE of audit events (and TRUNCATE on PostgreSQL) unless the
transaction holds a row in audit_purge_permit, which only the purge function writes.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3c9e5b7a2d41'
down_revision = 'd29d5f59b603'
branch_labels = None
depends_on = None

PG_FUNCTION = """
CREATE FUNCTION audit_event_append_only() RETURNS trigger AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM audit_purge_permit) THEN
        RAISE EXCEPTION 'audit events are append-only' USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    ELSIF TG_OP = 'UPDATE' THEN
        RETURN NEW;
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql
"""


def upgrade():
    op.create_table(
        'audit_purge_permit',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_purge_permit')),
    )
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(PG_FUNCTION)
        op.execute(
            "CREATE TRIGGER audit_event_no_change BEFORE UPDATE OR DELETE ON audit_event "
            "FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()"
        )
        op.execute(
            "CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event "
            "FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only()"
        )
    else:
        for when in ('UPDATE', 'DELETE'):
            op.execute(
                f"CREATE TRIGGER audit_event_no_{when.lower()} BEFORE {when} ON audit_event "
                "WHEN NOT EXISTS (SELECT 1 FROM audit_purge_permit) "
                "BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END"
            )


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("DROP TRIGGER audit_event_no_truncate ON audit_event")
        op.execute("DROP TRIGGER audit_event_no_change ON audit_event")
        op.execute("DROP FUNCTION audit_event_append_only()")
    else:
        op.execute("DROP TRIGGER audit_event_no_update")
        op.execute("DROP TRIGGER audit_event_no_delete")
    op.drop_table('audit_purge_permit')
