"""Record and verify audit events.

Each event carries an HMAC over its own fields and the previous event's value, so a row that is
changed, inserted or deleted in the database breaks the chain at that point. The key is derived
from AUDIT_KEY (or SECRET_KEY) and never stored in the database.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy import inspect

from console.audit.models import AuditEvent
from console.db import db, utcnow

GENESIS = "0" * 64
SECRET_FIELDS = frozenset({"password_hash", "token_hash"})
LAST_ACTOR = "audit_last_actor"
_CHAIN_LOCK_ID = 7_415_290_001  # PostgreSQL advisory lock serialising chain appends

request_ip: ContextVar[str | None] = ContextVar("request_ip", default=None)


def _key() -> bytes:
    secret = current_app.config.get("AUDIT_KEY") or current_app.config["SECRET_KEY"]
    return hmac.new(secret.encode(), b"ekoklean-audit-chain", hashlib.sha256).digest()


def _canonical(event: AuditEvent) -> bytes:
    fields = {
        "seq": event.seq,
        "occurred_at": event.occurred_at.isoformat(timespec="microseconds"),
        "actor": event.actor,
        "actor_id": event.actor_id,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "changes": event.changes,
        "purpose": event.purpose,
        "ip": event.ip,
        "prev_hash": event.prev_hash,
    }
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), default=str).encode()


def _seal(event: AuditEvent, key: bytes) -> str:
    return hmac.new(key, _canonical(event), hashlib.sha256).hexdigest()


def actor_label(actor: Any) -> tuple[int | None, str]:
    """A staff member gives (id, e-mail); a string such as 'system:insurance.sweep' stays as is."""
    if isinstance(actor, str):
        if not actor.startswith("system:"):
            raise ValueError("a non-staff actor must be named 'system:<job>'")
        return None, actor
    return actor.id, actor.audit_label


def record(
    actor: Any,
    action: str,
    obj: Any = None,
    *,
    changes: dict[str, Any] | None = None,
    purpose: str | None = None,
    object_type: str | None = None,
    object_id: Any = None,
    now: datetime | None = None,
) -> AuditEvent:
    """Append one event to the chain in the current transaction."""
    if obj is not None:
        object_type = object_type or type(obj).__name__
        if object_id is None:
            state = inspect(obj)
            if state.identity is None:
                db.session.flush()
            object_id = "/".join(str(part) for part in state.identity)
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.select(sa.func.pg_advisory_xact_lock(_CHAIN_LOCK_ID)))
    last = db.session.execute(
        sa.select(AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1)
    ).first()
    actor_id, label = actor_label(actor)
    event = AuditEvent(
        seq=(last.seq + 1) if last else 1,
        occurred_at=now or utcnow(),
        actor_id=actor_id,
        actor=label,
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        changes=_jsonable(changes),
        purpose=purpose,
        ip=request_ip.get(),
        prev_hash=last.hash if last else GENESIS,
    )
    event.hash = _seal(event, _key())
    db.session().info[LAST_ACTOR] = actor  # side effects of this change are attributed to the same actor
    db.session.add(event)
    db.session.flush()
    return event


def _jsonable(changes: dict[str, Any] | None) -> dict[str, Any] | None:
    if changes is None:
        return None
    return json.loads(json.dumps(changes, default=str))


def diff(obj: Any) -> dict[str, dict[str, Any]]:
    """Before/after of the changed column attributes of a loaded object, secrets masked."""
    changes: dict[str, dict[str, Any]] = {}
    state = inspect(obj)
    for attr in state.mapper.column_attrs:
        history = state.attrs[attr.key].history
        if not history.has_changes():
            continue
        before = history.deleted[0] if history.deleted else None
        after = history.added[0] if history.added else None
        if attr.key in SECRET_FIELDS:
            changes[attr.key] = {"before": "•••" if before else None, "after": "•••"}
        elif before != after:
            changes[attr.key] = {"before": before, "after": after}
    return changes


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    checked: int
    problem: str | None = None
    seq: int | None = None


def verify(batch_size: int = 5000) -> ChainReport:
    """Walk the whole chain in order; report the first changed, inserted or missing link."""
    key = _key()
    query = sa.select(AuditEvent).order_by(AuditEvent.seq).execution_options(yield_per=batch_size)
    events = db.session.scalars(query)
    try:
        return _walk(events, key)
    finally:
        events.close()  # a server-side cursor on PostgreSQL: close it even when we stop early


def _walk(events, key: bytes) -> ChainReport:
    expected_prev, expected_seq, checked = GENESIS, 1, 0
    for event in events:
        if event.seq != expected_seq:
            return ChainReport(False, checked, f"missing event(s) before #{event.seq}", expected_seq)
        if event.prev_hash != expected_prev:
            return ChainReport(
                False, checked, f"event #{event.seq} does not follow the one before", event.seq
            )
        if not hmac.compare_digest(event.hash, _seal(event, key)):
            return ChainReport(False, checked, f"event #{event.seq} was altered", event.seq)
        expected_prev, expected_seq, checked = event.hash, expected_seq + 1, checked + 1
    return ChainReport(True, checked)
