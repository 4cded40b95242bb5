"""audit: personal values apart from the hash chain

Revision ID: c8e2f4a6b3d1
Revises: b4d1e7c9a215
Create Date: 2026-12-06 10:10:00.000000

The personal values of audit events (names, e-mails, typed text) move to `audit_personal`; each
event keeps a marker per value, the row's id and a salted digest, and its HMAC covers those. The
existing chain is verified first (the migration stops on a broken chain), then its events are
converted and re-sealed in order; the HMAC each event had before is kept in `audit_legacy_hash`,
so heads written to the head file before the migration still match.
"""
import secrets
from types import SimpleNamespace

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c8e2f4a6b3d1'
down_revision = 'b4d1e7c9a215'
branch_labels = None
depends_on = None

EVENT_FIELDS = (
    'seq', 'occurred_at', 'actor', 'actor_id', 'action', 'object_type', 'object_id', 'changes',
    'purpose', 'ip', 'prev_hash', 'hash',
)


def upgrade():
    op.create_table(
        'audit_personal',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('salt', sa.String(length=32), nullable=False),
        sa.Column('value', sa.JSON(), nullable=False),
        sa.Column('object_type', sa.String(length=60), nullable=True),
        sa.Column('object_id', sa.String(length=60), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_personal')),
        sqlite_autoincrement=True,
    )
    op.create_index('ix_audit_personal_object', 'audit_personal', ['object_type', 'object_id'])
    op.create_table(
        'audit_legacy_hash',
        sa.Column('seq', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('hash', sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint('seq', name=op.f('pk_audit_legacy_hash')),
    )
    # Plain ADD COLUMN (no table copy on SQLite, which would drop the append-only triggers).
    op.add_column('audit_event', sa.Column('personal_id', sa.Integer(), nullable=True))
    op.add_column('audit_event', sa.Column('personal_digest', sa.String(length=64), nullable=True))
    op.create_index('ix_audit_event_personal_id', 'audit_event', ['personal_id'])
    _move_personal_values_out(op.get_bind())


def _move_personal_values_out(bind) -> None:
    from console.audit import personal
    from console.audit import services as audit
    from console.db import UTCDateTime

    events = sa.table(
        'audit_event',
        *(sa.column(name) for name in EVENT_FIELDS if name not in ('changes', 'occurred_at')),
        sa.column('occurred_at', UTCDateTime()),
        sa.column('changes', sa.JSON()),
        sa.column('personal_id'),
        sa.column('personal_digest'),
    )
    if bind.execute(sa.select(sa.func.count()).select_from(events)).scalar() == 0:
        return
    key = audit._key()  # needs the app (flask db upgrade): the chain's key is in its configuration
    marker = bind.execute(
        sa.select(events.c.changes).where(events.c.action == audit.PURGE_ACTION).order_by(events.c.seq.desc())
    ).first()
    start_seq, prev_old = (int(marker[0]['through_seq']), marker[0]['through_hash']) if marker else (0, audit.GENESIS)
    rows = bind.execute(sa.select(events).where(events.c.seq > start_seq).order_by(events.c.seq)).all()
    prev_new = prev_old
    personal_table = sa.table(
        'audit_personal', sa.column('id'), sa.column('salt'), sa.column('value', sa.JSON()),
        sa.column('object_type'), sa.column('object_id'),
    )
    bind.execute(sa.text("INSERT INTO audit_purge_permit (id) VALUES (1)"))  # lets the triggers allow it
    for row in rows:
        event = SimpleNamespace(**{name: getattr(row, name) for name in EVENT_FIELDS}, personal_id=None, personal_digest=None)
        if event.prev_hash != prev_old or audit._seal(event, key) != event.hash:
            raise RuntimeError(
                f"audit event #{event.seq} does not verify: run `flask audit verify` and resolve it first"
            )
        prev_old, old_hash = event.hash, event.hash
        changes, values = personal.split(event.changes)
        if values:
            salt = secrets.token_hex(16)
            personal_id = bind.execute(
                sa.insert(personal_table).values(
                    salt=salt, value=values, object_type=event.object_type, object_id=event.object_id
                ).returning(personal_table.c.id)
            ).scalar_one()
            event.changes, event.personal_id = changes, personal_id
            event.personal_digest = personal.digest(salt, values)
        event.prev_hash = prev_new
        event.hash = audit._seal(event, key)
        prev_new = event.hash
        if event.hash != old_hash:
            bind.execute(sa.text("INSERT INTO audit_legacy_hash (seq, hash) VALUES (:seq, :hash)"),
                         {"seq": event.seq, "hash": old_hash})
            bind.execute(
                sa.update(events).where(events.c.seq == event.seq).values(
                    changes=event.changes, personal_id=event.personal_id,
                    personal_digest=event.personal_digest, prev_hash=event.prev_hash, hash=event.hash,
                )
            )
    bind.execute(sa.text("DELETE FROM audit_purge_permit"))


def downgrade():
    with op.batch_alter_table('audit_event') as batch:
        batch.drop_index('ix_audit_event_personal_id')
        batch.drop_column('personal_digest')
        batch.drop_column('personal_id')
    op.drop_table('audit_legacy_hash')
    op.drop_index('ix_audit_personal_object', table_name='audit_personal')
    op.drop_table('audit_personal')
