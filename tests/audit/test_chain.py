from __future__ import annotations

import pytest
import sqlalchemy as sa

from console.audit import services as audit
from console.audit.models import AuditEvent, AuditIsAppendOnly
from console.db import db
from tests.factories import make_staff


def _three_events(now):
    staff = make_staff("admin")
    audit.record(staff, "test.one", staff, changes={"x": {"before": 1, "after": 2}}, now=now)
    audit.record("system:tests", "test.two", object_type="Thing", object_id=7, now=now)
    db.session.flush()
    return staff


def test_chain_links_each_event_to_the_previous(now):
    _three_events(now)
    events = list(db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.seq)))
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    assert events[0].prev_hash == audit.GENESIS
    for before, after in zip(events, events[1:], strict=False):
        assert after.prev_hash == before.hash
    assert audit.verify().ok


def test_verify_finds_a_tampered_row(now):
    _three_events(now)
    target = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "test.one")).one()
    db.session.execute(
        sa.text("UPDATE audit_event SET actor = 'someone-else' WHERE id = :id"), {"id": target.id}
    )
    db.session.expire_all()
    report = audit.verify()
    assert not report.ok and report.seq == target.seq and "altered" in report.problem


def test_verify_finds_a_deleted_row(now):
    _three_events(now)
    target = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "test.one")).one()
    target_id, target_seq = target.id, target.seq
    db.session.execute(sa.text("DELETE FROM audit_event WHERE id = :id"), {"id": target_id})
    db.session.expire_all()
    report = audit.verify()
    assert not report.ok and report.seq == target_seq and "missing" in report.problem


def test_verify_finds_a_forged_row_with_recomputed_links(now):
    _three_events(now)
    last = db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.seq.desc())).first()
    # Without the key, a forger cannot produce a valid HMAC even when copying the link.
    db.session.execute(
        sa.text(
            "INSERT INTO audit_event (seq, occurred_at, actor, action, prev_hash, hash) "
            "VALUES (:seq, :at, 'forger', 'test.forged', :prev, :hash)"
        ),
        {"seq": last.seq + 1, "at": last.occurred_at, "prev": last.hash, "hash": "f" * 64},
    )
    report = audit.verify()
    assert not report.ok and "altered" in report.problem


def test_the_app_cannot_edit_or_delete_events(now):
    _three_events(now)
    db.session.commit()
    event = db.session.scalars(sa.select(AuditEvent)).first()
    event.action = "rewritten"
    with pytest.raises(AuditIsAppendOnly):
        db.session.flush()
    db.session.rollback()
    event = db.session.scalars(sa.select(AuditEvent)).first()
    db.session.delete(event)
    with pytest.raises(AuditIsAppendOnly):
        db.session.flush()


def test_non_staff_actor_must_be_a_named_system_job(now):
    with pytest.raises(ValueError, match="system:"):
        audit.record("somebody", "test.bad", now=now)


def test_verify_command_reports_ok_then_the_broken_link(app, now):
    _three_events(now)
    db.session.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0 and "OK" in result.output
    db.session.execute(sa.text("UPDATE audit_event SET action = 'x' WHERE seq = 2"))
    db.session.commit()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1 and "event #2 was altered" in result.output


def test_audit_viewer_filters_for_managers(client_as, now):
    manager = client_as("manager")
    page = manager.get("/audit/?search=auth.login")
    assert page.status_code == 200 and "auth.login" in page.get_data(as_text=True)
    assert manager.get("/audit/edit/?id=1").status_code == 403
    assert client_as("support_agent").get("/audit/").status_code == 403
