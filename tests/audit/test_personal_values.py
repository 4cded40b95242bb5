"""Personal values of audit events live outside the hash chain (DESIGN §7)."""

from __future__ import annotations

import importlib.util

import sqlalchemy as sa

from console.audit import personal
from console.audit import services as audit
from console.audit.models import AuditEvent, AuditLegacyHash, AuditPersonal
from console.config import PROJECT_ROOT
from console.db import db, utcnow

MIGRATION = PROJECT_ROOT / "migrations" / "versions" / "c8e2f4a6b3d1_audit_personal_values_apart.py"


def test_names_e_mails_and_typed_text_are_kept_apart():
    changes, values = personal.split(
        {
            "full_name": {"before": "Ana Lima", "after": "Ana Lima-Costa"},
            "email": "ana@example.fr",
            "status": {"before": "open", "after": "closed"},
            "count": 3,
            "note": "Rappeler demain",
            "scheduled_start": "2026-10-20 08:00:00+00:00",
            "reason_code": "low_rating",
        }
    )
    assert values == ["Ana Lima", "Ana Lima-Costa", "ana@example.fr", "Rappeler demain"]
    assert changes["full_name"] == {"before": {"$personal": 0}, "after": {"$personal": 1}}
    assert changes["status"] == {"before": "open", "after": "closed"} and changes["count"] == 3
    assert (
        changes["scheduled_start"] == "2026-10-20 08:00:00+00:00" and changes["reason_code"] == "low_rating"
    )
    assert personal.resolve(changes, values)["note"] == "Rappeler demain"
    assert personal.resolve(changes, None)["email"] == "[erased]"


def test_the_chain_holds_a_reference_and_a_digest_and_survives_erasure(app):
    now = utcnow()
    event = audit.record("system:tests", "client.create", object_type="Client", object_id=41,
                         changes={"full_name": "Brigitte Unique", "city": "Lyon"}, now=now)  # fmt: skip
    stored = db.session.get(AuditPersonal, event.personal_id)
    assert "Brigitte" not in str(event.changes) and stored.value == ["Brigitte Unique"]
    assert personal.intact(stored, event.personal_digest)
    assert event.shown_changes == {"full_name": "Brigitte Unique", "city": "Lyon"}
    assert personal.erase(objects=[("Client", "41")]) == 1
    db.session.expire_all()
    assert event.shown_changes == {"full_name": "[erased]", "city": "Lyon"}
    assert audit.verify().ok


def test_a_purge_removes_the_personal_values_of_the_purged_events():
    now = utcnow()
    first = audit.record("system:tests", "client.create", changes={"email": "x@example.fr"}, now=now)
    audit.record("system:tests", "client.update", changes={"city": "Lyon"}, now=now)
    audit.purge_through(first.seq, actor="system:tests", now=now, reason="retention")
    kept = db.session.scalars(sa.select(AuditPersonal.id).where(AuditPersonal.id == first.personal_id)).all()
    assert kept == []  # (the marker's own reason is a new row, never given the purged row's id)
    assert audit.verify().ok


def _legacy_event(seq: int, prev: str, changes: dict, key: bytes) -> AuditEvent:
    """An event as recorded before this change: values in `changes`, sealed with them."""
    event = AuditEvent(
        seq=seq, occurred_at=utcnow(), actor_id=None, actor="system:tests", action="client.create",
        object_type="Client", object_id=str(seq), changes=changes, purpose=None, ip=None, prev_hash=prev,
    )  # fmt: skip
    event.hash = audit._seal(event, key)
    db.session.add(event)
    db.session.flush()
    return event


def test_the_migration_moves_existing_values_out_and_re_seals_the_chain(app):
    key = audit._key()
    first = _legacy_event(1, audit.GENESIS, {"full_name": "Old Name", "city": "Paris"}, key)
    second = _legacy_event(2, first.hash, {"status": {"before": "a", "after": "b"}}, key)
    old_head = audit.Head(second.seq, second.hash)
    spec = importlib.util.spec_from_file_location("personal_migration", MIGRATION)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)

    migration._move_personal_values_out(db.session.connection())

    db.session.expire_all()
    moved = db.session.get(AuditEvent, first.id)
    assert "Old Name" not in str(moved.changes) and moved.shown_changes["full_name"] == "Old Name"
    assert audit.verify().ok
    assert audit.verify(head=old_head).ok  # a head written to the file before the migration
    legacy = db.session.scalars(sa.select(AuditLegacyHash.seq).order_by(AuditLegacyHash.seq)).all()
    assert legacy == [1, 2]


def test_verify_finds_altered_personal_values():
    event = audit.record("system:tests", "client.create", changes={"email": "vrai@example.fr"}, now=utcnow())
    db.session.execute(
        sa.update(AuditPersonal)
        .where(AuditPersonal.id == event.personal_id)
        .values(value=["faux@example.fr"])
    )
    report = audit.verify()
    assert not report.ok and report.problem == f"the personal values of event #{event.seq} were altered"
