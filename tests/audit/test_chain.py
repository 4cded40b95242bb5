from __future__ import annotations

import pytest
import sqlalchemy as sa

from console.audit import services as audit
from console.audit.models import AuditEvent, AuditIsAppendOnly, AuditPurgePermit
from console.db import db
from tests.factories import make_staff


def _bypass_the_guard() -> None:
    """What someone holding the database itself could do: write a purge permit, then tamper."""
    db.session.execute(sa.text("INSERT INTO audit_purge_permit (id) VALUES (99)"))


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
    _bypass_the_guard()
    target = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "test.one")).one()
    db.session.execute(
        sa.text("UPDATE audit_event SET actor = 'someone-else' WHERE id = :id"), {"id": target.id}
    )
    db.session.expire_all()
    report = audit.verify()
    assert not report.ok and report.seq == target.seq and "altered" in report.problem


def test_verify_finds_a_deleted_row(now):
    _three_events(now)
    _bypass_the_guard()
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
    _bypass_the_guard()
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


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_event SET action = 'rewritten'",
        "DELETE FROM audit_event",
        "DELETE FROM audit_event WHERE seq > 1",
    ],
)
def test_the_database_refuses_to_change_or_delete_events(now, statement):
    _three_events(now)
    with pytest.raises(sa.exc.DBAPIError, match="append-only"), db.session.begin_nested():
        db.session.execute(sa.text(statement))
    assert audit.verify().ok


def test_a_deleted_tail_is_found_against_the_recorded_head(now):
    """Deleting the last events leaves a chain that verifies on its own; the recorded head does not."""
    _three_events(now)
    audit.record("system:tests", "test.three", now=now)
    head = audit.current_head()
    _bypass_the_guard()
    db.session.execute(sa.text("DELETE FROM audit_event WHERE seq >= :seq"), {"seq": head.seq - 1})
    db.session.execute(sa.text("DELETE FROM audit_purge_permit"))
    db.session.expire_all()
    assert audit.verify().ok  # alone, the shortened chain still links up
    report = audit.verify(head=head)
    assert not report.ok and "last events were deleted" in report.problem


def test_a_rewritten_head_is_found(now):
    _three_events(now)
    head = audit.current_head()
    assert audit.verify(head=head).ok
    forged = audit.Head(head.seq, "0" * 64)
    report = audit.verify(head=forged)
    assert not report.ok and "not the recorded head" in report.problem


def test_the_head_file_is_appended_to_and_read_back(tmp_path, now):
    path = str(tmp_path / "audit-head.log")
    assert audit.last_anchor(path) is None
    _three_events(now)
    first = audit.anchor_head(path, now=now)
    audit.record("system:tests", "test.more", now=now)
    second = audit.anchor_head(path, now=now)
    assert second.seq == first.seq + 1
    assert audit.last_anchor(path) == second
    assert len((tmp_path / "audit-head.log").read_text().splitlines()) == 2


@pytest.mark.parametrize("text", ["", "seq=x hash=y", "12:abc", "seq=-1 hash=" + "a" * 64])
def test_a_malformed_head_is_refused(text):
    with pytest.raises(ValueError, match="not a chain head"):
        audit.Head.parse(text)


def test_a_purge_leaves_a_marker_and_the_chain_still_verifies(now):
    _three_events(now)
    for n in range(4):
        audit.record("system:tests", f"test.n{n}", now=now)
    head = audit.current_head()
    deleted = audit.purge_through(head.seq - 2, actor="system:tests", now=now, reason="retention")
    db.session.expire_all()
    assert deleted == head.seq - 2
    assert audit.verify().ok and audit.verify(head=audit.current_head()).ok
    (marker,) = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == audit.PURGE_ACTION))
    assert marker.changes["through_seq"] == head.seq - 2 and marker.changes["deleted"] == deleted
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditPurgePermit)) == 0
    with pytest.raises(ValueError, match="last event is kept"):
        audit.purge_through(audit.current_head().seq, actor="system:tests", now=now, reason="retention")


def test_verify_command_reads_the_head_file_and_finds_a_cut_tail(app, now, tmp_path):
    path = tmp_path / "audit-head.log"
    app.config["AUDIT_HEAD_FILE"] = str(path)
    try:
        _three_events(now)
        audit.record("system:tests", "test.three", now=now)
        db.session.commit()
        runner = app.test_cli_runner()
        assert runner.invoke(args=["audit", "anchor"]).exit_code == 0
        result = runner.invoke(args=["audit", "verify"])
        assert result.exit_code == 0 and "recorded head" in result.output
        _bypass_the_guard()
        db.session.execute(sa.text("DELETE FROM audit_event WHERE seq = (SELECT max(seq) FROM audit_event)"))
        db.session.execute(sa.text("DELETE FROM audit_purge_permit"))
        db.session.commit()
        result = runner.invoke(args=["audit", "verify"])
        assert result.exit_code == 1 and "last events were deleted" in result.output
        explicit = runner.invoke(args=["audit", "verify", "--head", "1:" + "a" * 64])
        assert explicit.exit_code == 1 and "not the recorded head" in explicit.output
    finally:
        app.config.pop("AUDIT_HEAD_FILE")
