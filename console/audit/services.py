"""Record and verify audit events.

Each event carries an HMAC over its own fields and the previous event's value, so a row that is
changed, inserted or deleted in the database breaks the chain at that point. The key is derived
from AUDIT_KEY (or SECRET_KEY) and never stored in the database.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy import inspect

from console.audit import personal
from console.audit.models import AuditEvent, AuditLegacyHash, AuditPurgePermit
from console.db import db, utcnow
from console.redaction import redact_values

log = logging.getLogger(__name__)

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
    if event.personal_id is not None:  # the values stay outside: the chain seals their digest
        fields["personal"] = {"id": event.personal_id, "digest": event.personal_digest}
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


@dataclass(frozen=True)
class Entry:
    """One event of `record_many`: what changed, on which object."""

    object_type: str | None
    object_id: Any
    changes: dict[str, Any] | None = None


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
    (event,) = record_many(actor, action, [Entry(object_type, object_id, changes)], purpose=purpose, now=now)
    return event


def record_many(
    actor: Any, action: str, entries: list[Entry], *, purpose: str | None = None, now: datetime | None = None
) -> list[AuditEvent]:
    """Append one event per entry, chained in order, in the current transaction: the same
    statements for one entry or a thousand (a lock, a read of the head, batched inserts)."""
    if not entries:
        return []
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.select(sa.func.pg_advisory_xact_lock(_CHAIN_LOCK_ID)))
    last = db.session.execute(
        sa.select(AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1)
    ).first()
    seq, prev_hash = (last.seq, last.hash) if last else (0, GENESIS)
    actor_id, label = actor_label(actor)
    # The one choke point of the trail: nothing reaches an event (chain or personal values) unredacted.
    label, purpose = redact_values(label), redact_values(purpose)
    occurred_at, key = now or utcnow(), _key()
    events = []
    for entry in entries:
        object_type = redact_values(entry.object_type)
        object_id = None if entry.object_id is None else redact_values(str(entry.object_id))
        changes, values = personal.split(redact_values(_jsonable(entry.changes)))
        personal_id, personal_digest = (
            personal.store(values, object_type=object_type, object_id=object_id) if values else (None, None)
        )
        seq += 1
        event = AuditEvent(
            seq=seq,
            occurred_at=occurred_at,
            actor_id=actor_id,
            actor=label,
            action=action,
            object_type=object_type,
            object_id=object_id,
            changes=changes,
            purpose=purpose,
            ip=request_ip.get(),
            personal_id=personal_id,
            personal_digest=personal_digest,
            prev_hash=prev_hash,
        )
        event.hash = prev_hash = _seal(event, key)
        events.append(event)
    db.session().info[LAST_ACTOR] = actor  # side effects of this change are attributed to the same actor
    db.session.add_all(events)
    db.session.flush()
    return events


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


@dataclass(frozen=True)
class Head:
    """The last link of the chain at a moment, kept outside the database to detect a cut tail."""

    seq: int
    hash: str

    def __str__(self) -> str:
        return f"seq={self.seq} hash={self.hash}"

    @classmethod
    def parse(cls, text: str) -> Head:
        """`seq=123 hash=ab12…` (a line of the head file, time first) or `123:ab12…`."""
        fields = dict(part.split("=", 1) for part in text.split() if "=" in part)
        if not fields and ":" in text:
            fields = dict(zip(("seq", "hash"), text.strip().split(":", 1), strict=True))
        try:
            head = cls(int(fields["seq"]), fields["hash"].strip().lower())
        except (KeyError, ValueError) as exc:
            raise ValueError(f"not a chain head: {text.strip()[:80]!r}") from exc
        if len(head.hash) != 64 or head.seq < 0:
            raise ValueError(f"not a chain head: {text.strip()[:80]!r}")
        return head


def current_head() -> Head:
    """The chain's last event now (seq 0 and the genesis value while it is empty)."""
    last = db.session.execute(
        sa.select(AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1)
    )
    row = last.one_or_none()
    return Head(row.seq, row.hash) if row else Head(0, GENESIS)


def verify(batch_size: int = 5000, *, head: Head | None = None) -> ChainReport:
    """Walk the whole chain in order; report the first changed, inserted or missing link, and, given
    a `head` recorded earlier, a chain that no longer reaches it (its last events deleted)."""
    key = _key()
    start = _purge_marker()
    query = sa.select(AuditEvent).where(AuditEvent.seq > start.seq).order_by(AuditEvent.seq)
    events = db.session.scalars(query.execution_options(yield_per=batch_size))
    try:
        report = _walk(events, key, start=start, head=head)
    finally:
        events.close()  # a server-side cursor on PostgreSQL: close it even when we stop early
    return _check_personal_values(report, batch_size) if report.ok else report


def _check_personal_values(report: ChainReport, batch_size: int) -> ChainReport:
    """The personal values kept apart still match the digest their event sealed (erased ones are
    simply gone: their digest has nothing left to match)."""
    rows = db.session.execute(
        sa.select(AuditEvent.seq, AuditEvent.personal_digest, personal.AuditPersonal)
        .join(personal.AuditPersonal, personal.AuditPersonal.id == AuditEvent.personal_id)
        .order_by(AuditEvent.seq)
        .execution_options(yield_per=batch_size)
    )
    try:
        for seq, digest, kept in rows:
            if not personal.intact(kept, digest):
                return ChainReport(
                    False, report.checked, f"the personal values of event #{seq} were altered", seq
                )
    finally:
        rows.close()
    return report


def _purge_marker() -> Head:
    """Where the chain starts: after the events a purge removed (its marker names the last one)."""
    marker = db.session.scalar(
        sa.select(AuditEvent.changes).where(AuditEvent.action == PURGE_ACTION).order_by(AuditEvent.seq.desc())
    )
    if not marker:
        return Head(0, GENESIS)
    return Head(int(marker["through_seq"]), str(marker["through_hash"]))


def _walk(events, key: bytes, *, start: Head, head: Head | None) -> ChainReport:
    expected_prev, expected_seq, checked = start.hash, start.seq + 1, 0
    for event in events:
        if event.seq != expected_seq:
            return ChainReport(False, checked, f"missing event(s) before #{event.seq}", expected_seq)
        if event.prev_hash != expected_prev:
            return ChainReport(
                False, checked, f"event #{event.seq} does not follow the one before", event.seq
            )
        if not hmac.compare_digest(event.hash, _seal(event, key)):
            return ChainReport(False, checked, f"event #{event.seq} was altered", event.seq)
        if head is not None and event.seq == head.seq and not _is_head(event, head):
            return ChainReport(False, checked, f"event #{event.seq} is not the recorded head", event.seq)
        expected_prev, expected_seq, checked = event.hash, expected_seq + 1, checked + 1
    last = expected_seq - 1
    if head is not None and last < head.seq:
        problem = f"the chain ends at #{last} but reached #{head.seq}: its last events were deleted"
        return ChainReport(False, checked, problem, last + 1)
    return ChainReport(True, checked)


def _is_head(event: AuditEvent, head: Head) -> bool:
    """The recorded head is this event: its HMAC now, or the one it had before the chain was
    re-sealed when personal values moved out of it (a head written before the migration)."""
    if hmac.compare_digest(event.hash, head.hash):
        return True
    legacy = db.session.get(AuditLegacyHash, event.seq)
    return legacy is not None and hmac.compare_digest(legacy.hash, head.hash)


# --- the head outside the database -------------------------------------------------------------


def anchor_head(path: str, *, now: datetime) -> Head:
    """Append the chain's head to the head file (open for appending only) and to the log."""
    head = current_head()
    line = f"{now.isoformat(timespec='seconds')} {head}\n"
    with open(path, "a", encoding="ascii") as anchors:
        anchors.write(line)
    log.info("audit chain head %s", head)
    return head


def last_anchor(path: str) -> Head | None:
    """The last head written to the head file, or None when there is none yet."""
    try:
        with open(path, encoding="ascii") as anchors:
            lines = [line for line in anchors if line.strip()]
    except FileNotFoundError:
        return None
    return Head.parse(lines[-1]) if lines else None


# --- purging ---------------------------------------------------------------------------------


PURGE_ACTION = "audit.purge"


def purge_through(seq: int, *, actor: Any, now: datetime, reason: str) -> int:
    """Delete the events up to `seq` (retention), the one way the database allows, and leave a
    marker event naming the last one deleted, from which `verify` starts the chain again."""
    through = db.session.scalar(sa.select(AuditEvent.hash).where(AuditEvent.seq == seq))
    if through is None:
        raise ValueError(f"there is no audit event #{seq}")
    if seq >= current_head().seq:
        raise ValueError("the last event is kept: the marker must follow it")
    permit = AuditPurgePermit()
    db.session.add(permit)
    db.session.flush()
    held = sa.select(AuditEvent.personal_id).where(AuditEvent.seq <= seq, AuditEvent.personal_id.is_not(None))
    db.session.execute(sa.delete(personal.AuditPersonal).where(personal.AuditPersonal.id.in_(held)))
    deleted = db.session.execute(sa.delete(AuditEvent).where(AuditEvent.seq <= seq)).rowcount
    db.session.delete(permit)
    db.session.flush()
    changes = {"through_seq": seq, "through_hash": through, "deleted": deleted, "reason": reason}
    record(actor, PURGE_ACTION, None, changes=changes, now=now)
    return deleted
