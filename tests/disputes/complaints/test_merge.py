"""Merging duplicate complaints: the rules, the service against the real database, the page."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

import pytest
import sqlalchemy as sa

from console import events
from console.audit.models import AuditEvent
from console.auth.models import StaffUser
from console.db import db, is_write_conflict
from console.domain import DomainError, StaleRecord
from console.events import IntegrationEvent
from console.notifications.models import Notification
from disputes.complaints import conversation, intake, reporting, services
from disputes.complaints import workflow as complaint_wf
from disputes.complaints.merging import services as merge
from disputes.complaints.merging import workflow as wf
from disputes.complaints.merging.workflow import MergeSide, NotMergeable
from disputes.complaints.models import Complaint, ComplaintEntry, ComplaintStatusChange, EntryKind
from disputes.complaints.workflow import Severity, Status
from portal import inbound
from portal.models import InboundEmail, PortalAttachment, PortalLink
from tests.conftest import count_queries, csrf_token
from tests.factories import make_booking, make_client, make_complaint, make_dispute, make_staff
from tests.portal.helpers import PDF

T0 = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)  # a Monday


def _side(id, *, client=1, booking=None, subject="Vase cassé", status=Status.NEW, at=T0, merged_into=None):
    return MergeSide(id, f"CMP-{id:07d}", client, booking, subject, status, at, merged_into)


# --- the rules ----------------------------------------------------------------------------------


def test_the_same_clients_complaint_within_seven_days_is_suggested_with_its_reasons():
    this = _side(1, booking=7)
    assert wf.duplicate_reasons(this, _side(2, at=T0 + timedelta(days=7))) == [
        "same subject",
        "received within 7 days",
    ]
    assert wf.duplicate_reasons(this, _side(3, subject="Retard", at=T0 - timedelta(days=2))) == [
        "received within 7 days"
    ]
    assert wf.duplicate_reasons(this, _side(4, booking=7, subject="Autre", at=T0 + timedelta(days=40))) == [
        "same booking"
    ]


@pytest.mark.parametrize(
    "other",
    [
        _side(1),  # itself
        _side(2, client=2),  # another client
        _side(3, at=T0 + timedelta(days=7, seconds=1)),  # too far apart, another booking
        _side(4, status=Status.CLOSED),  # closed (merged ones are closed)
    ],
)
def test_no_suggestion_for_itself_another_client_a_distant_or_a_closed_complaint(other):
    assert wf.duplicate_reasons(_side(1, booking=7), other) == []


def test_suggestions_put_the_same_booking_first_then_the_same_subject_then_the_nearest_and_are_capped():
    this = _side(1, booking=7)
    others = [
        _side(2, subject="Autre", at=T0 + timedelta(hours=1)),
        _side(3, at=T0 + timedelta(days=3)),
        _side(4, booking=7, subject="Autre", at=T0 + timedelta(days=30)),
        *(_side(10 + n, subject="Autre", at=T0 + timedelta(days=2, hours=n)) for n in range(6)),
    ]
    ranked = [side.id for side, _reasons in wf.rank_duplicates(this, others)]
    assert ranked == [4, 3, 2, 10, 11] and len(ranked) == wf.SUGGESTIONS_MAX


def test_the_complaint_received_first_and_still_worked_on_is_the_suggested_survivor():
    early, late = _side(5, at=T0), _side(2, at=T0 + timedelta(hours=3))
    assert wf.suggested_survivor(early, late) is early and wf.suggested_survivor(late, early) is early
    assert wf.suggested_survivor(_side(2), _side(5)).id == 2  # same instant: the older reference
    resolved = _side(1, status=Status.RESOLVED, at=T0 - timedelta(days=1))
    assert wf.suggested_survivor(resolved, late) is late  # not folded into a complaint about to close


@pytest.mark.parametrize(
    ("merged", "survivor", "message"),
    [
        (_side(1), _side(1), "into itself"),
        (_side(1), _side(2, client=2), "different clients"),
        (_side(1, status=Status.CLOSED), _side(2), "is closed"),
        (_side(1), _side(2, status=Status.CLOSED), "is closed"),
        (
            _side(1, status=Status.CLOSED, merged_into="CMP-0000002"),
            _side(2),
            "already merged into CMP-0000002",
        ),
    ],
)
def test_merges_the_rules_refuse(merged, survivor, message):
    with pytest.raises(NotMergeable, match=message):
        wf.ensure_mergeable(merged, survivor)


def test_a_resolved_complaint_may_still_be_merged():
    wf.ensure_mergeable(_side(1, status=Status.RESOLVED), _side(2, status=Status.IN_PROGRESS))


def test_the_survivor_takes_the_earliest_received_time_and_first_response_and_the_worse_severity():
    later = T0 + timedelta(days=1)
    assert wf.merged_clock((later, None), (T0, None)) == (T0, None)
    assert wf.merged_clock((T0, later + timedelta(hours=2)), (later, later)) == (T0, later)
    assert wf.merged_clock((later, None), (T0, later)) == (T0, later)
    assert wf.merged_severity(Severity.LOW, Severity.HIGH) == Severity.HIGH
    assert wf.merged_severity(Severity.CRITICAL, Severity.MEDIUM) == Severity.CRITICAL


# --- the service --------------------------------------------------------------------------------


@pytest.fixture
def agent():
    return make_staff("support_agent")


def _pair(agent, *, hours_apart=26, **kwargs):
    """Two complaints of one client: `early` received first (a Monday), `late` a day later."""
    client = make_client()
    early = make_complaint(client=client, category="quality", actor=agent, now=T0, **kwargs)
    late = make_complaint(
        client=client,
        category="quality",
        subject="Toujours le vase",
        actor=agent,
        now=T0 + timedelta(hours=hours_apart),
    )
    return early, late


def _count(model, *where) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def test_merging_moves_the_conversation_closes_with_a_link_and_keeps_the_earliest_sla(agent):
    early, late = _pair(agent)
    other_agent = make_staff("support_agent", name="Bruno Roy")
    note = services.add_note(early, body="Appelée le lundi.", actor=other_agent, now=T0 + timedelta(hours=1))
    sent = services.send_message(
        early, to="to_client", body="Nous regardons.", actor=other_agent, now=T0 + timedelta(hours=2)
    )
    services.add_note(late, body="Nouvelle note.", actor=agent, now=T0 + timedelta(hours=27))
    notifications = _count(Notification)
    now = T0 + timedelta(hours=30)

    merge.merge_complaints(early, late, actor=agent, now=now, merged_version=early.version,
                           survivor_version=late.version)  # fmt: skip
    db.session.expire_all()

    early, late = db.session.get(Complaint, early.id), db.session.get(Complaint, late.id)
    assert early.status == Status.CLOSED and early.merged_into_id == late.id and early.closed_at == now
    assert early.next_breach_at is None and early.resolution_met is None  # no SLA of its own any more
    moved = {e.id: e for e in services.conversation(late.id)}
    assert services.conversation(early.id) == []
    assert (
        moved[note.id].created_at == T0 + timedelta(hours=1)
        and moved[note.id].author == other_agent.audit_label
    )
    assert moved[sent.id].kind == EntryKind.TO_CLIENT and moved[sent.id].author_id == other_agent.id
    assert len(moved) == 3
    # The survivor's clock runs from the first time the client told us; the first answer counts.
    assert late.created_at == T0 and late.first_response_at == T0 + timedelta(hours=2)
    expected = complaint_wf.sla(
        Severity.MEDIUM, [(T0, Status.NEW)], first_response_at=T0 + timedelta(hours=2), now=now
    )
    assert late.resolution_due_at == expected.resolution.due_at and late.first_response_met is True
    assert late.next_breach_at == expected.next_breach_at
    assert _count(Notification) == notifications  # nobody is e-mailed by a merge
    audits = {
        e.action: e
        for e in db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action.like("complaint.merge%")))
    }
    assert audits["complaint.merge"].object_id == str(late.id)
    assert audits["complaint.merge"].changes["merged_from"] == early.reference
    assert audits["complaint.merged_into"].object_id == str(early.id)
    assert audits["complaint.merged_into"].changes["merged_into"] == late.reference
    published = db.session.scalars(
        sa.select(IntegrationEvent).where(IntegrationEvent.type == events.COMPLAINT_STATUS_CHANGED)
    ).all()
    told = [e.payload for e in published if e.payload["complaint"] == early.reference]
    assert [(p["status"], p["previous_status"], p["merged_into"]) for p in told] == [
        ("closed", "new", late.reference)
    ]  # the marketplace hears the duplicate closed, and where it went


def test_the_merged_complaint_refuses_replies_and_both_conversations_say_what_happened(agent):
    early, late = _pair(agent)
    merge.merge_complaints(late, early, actor=agent, now=T0 + timedelta(hours=30))
    with pytest.raises(Exception, match="closed"):
        services.send_message(
            late, to="to_client", body="Encore ?", actor=agent, now=T0 + timedelta(hours=31)
        )
    assert complaint_wf.allowed_events(late.status) == []  # nothing reopens it
    merged_page = conversation.timeline(late)
    assert [(i.testid, i.link_id) for i in merged_page if i.kind == "merge"] == [
        ("entry-merged-into", early.id)
    ]
    survivor_page = conversation.timeline(early)
    lines = [(i.testid, i.link_id, i.body, i.who) for i in survivor_page if i.link_id]
    assert lines == [
        ("entry-merged-report", late.id, late.description, early.client.full_name),
        ("entry-merged-from", late.id, "", agent.audit_label),
    ]


def test_the_survivor_keeps_its_own_later_clock_start_when_it_was_received_first(agent):
    early, late = _pair(agent)
    before = early.resolution_due_at
    merge.merge_complaints(late, early, actor=agent, now=T0 + timedelta(hours=30))
    assert early.created_at == T0 and early.resolution_due_at == before
    firsts = db.session.scalars(
        sa.select(ComplaintStatusChange.at).where(ComplaintStatusChange.complaint_id == early.id)
    ).all()
    assert min(firsts) == T0


def test_the_status_history_of_a_later_survivor_starts_at_the_earliest_report(agent):
    early, late = _pair(agent)
    merge.merge_complaints(early, late, actor=agent, now=T0 + timedelta(hours=30))
    history = services.status_history(late.id)
    assert history[0] == (T0, Status.NEW)


def test_the_survivor_takes_the_more_urgent_severity_the_booking_and_the_assignee(agent):
    client = make_client()
    booking = make_booking(client=client)
    early = make_complaint(client=client, booking=booking, category="damage", actor=agent, now=T0)
    services.assign(early, agent, actor=agent, now=T0)
    late = make_complaint(client=client, category="question", actor=agent, now=T0 + timedelta(hours=2))
    merge.merge_complaints(early, late, actor=agent, now=T0 + timedelta(hours=3))
    assert late.severity == Severity.HIGH and late.booking_id == booking.id
    assert late.provider_id == booking.provider_id and late.assignee_id == agent.id


def test_files_links_and_e_mails_of_the_merged_complaint_follow_it(app, agent):
    early, late = _pair(agent)
    services.send_message(early, to="to_client", body="Une photo ?", actor=agent, now=T0 + timedelta(hours=1))
    message = EmailMessage()
    message["From"], message["To"] = early.client.email, inbound.reply_address_for(early.reference)
    message["Subject"], message["Message-ID"] = "Re: vase", f"<{time.time_ns()}@mail.example.fr>"
    message.set_content("Voici la photo du vase.")
    message.add_attachment(PDF, maintype="application", subtype="pdf", filename="photo.pdf")
    row = inbound.receive(message.as_bytes(), now=T0 + timedelta(hours=2))
    assert row.complaint_id == early.id
    merge.merge_complaints(early, late, actor=agent, now=T0 + timedelta(hours=30))
    db.session.expire_all()
    attachment = db.session.scalar(sa.select(PortalAttachment))
    assert (attachment.record_type, attachment.record_id) == ("Complaint", late.id)
    assert db.session.get(ComplaintEntry, attachment.entry_id).complaint_id == late.id
    assert db.session.get(InboundEmail, row.id).complaint_id == late.id
    assert set(
        db.session.scalars(sa.select(PortalLink.record_id).where(PortalLink.record_type == "Complaint"))
    ) == {late.id}
    # A later answer to the old address reaches the open complaint.
    again = EmailMessage()
    again["From"], again["To"] = early.client.email, inbound.reply_address_for(early.reference)
    again["Subject"], again["Message-ID"] = "Re: vase", f"<{time.time_ns()}@mail.example.fr>"
    again.set_content("Et encore une chose.")
    assert inbound.receive(again.as_bytes(), now=T0 + timedelta(hours=31)).complaint_id == late.id


def test_a_message_from_the_apps_about_a_merged_complaint_reaches_the_survivor_even_after_two_merges(agent):
    early, late = _pair(agent)
    third = make_complaint(client=early.client, actor=agent, now=T0 + timedelta(hours=40))
    merge.merge_complaints(early, late, actor=agent, now=T0 + timedelta(hours=41))
    merge.merge_complaints(late, third, actor=agent, now=T0 + timedelta(hours=42))
    entry = intake.receive_message(
        early, sender="client", body="Et le vase ?", actor="system:tests", now=T0 + timedelta(hours=43)
    )
    assert entry.complaint_id == third.id and merge.survivor_of(early) is third


def _snapshot(*complaints):
    db.session.expire_all()
    rows = [db.session.get(Complaint, c.id) for c in complaints]
    return (
        [(c.status, c.merged_into_id, c.version, c.created_at) for c in rows],
        _count(ComplaintEntry),
        _count(AuditEvent, AuditEvent.action.like("complaint.merge%")),
    )


def test_merging_into_a_complaint_of_another_client_is_refused_and_nothing_changes(agent):
    early = make_complaint(actor=agent, now=T0)
    other = make_complaint(actor=agent, now=T0)
    services.add_note(early, body="Note.", actor=agent, now=T0)
    before = _snapshot(early, other)
    with pytest.raises(NotMergeable, match="different clients"):
        merge.merge_complaints(early, other, actor=agent, now=T0 + timedelta(hours=1))
    assert _snapshot(early, other) == before


def test_a_second_merge_is_refused_with_a_clear_message_and_nothing_changes(agent):
    early, late = _pair(agent)
    merge.merge_complaints(early, late, actor=agent, now=T0 + timedelta(hours=30))
    before = _snapshot(early, late)
    with pytest.raises(NotMergeable, match=f"already merged into {late.reference}; nothing was changed"):
        merge.merge_complaints(early, late, actor=agent, now=T0 + timedelta(hours=31))
    with pytest.raises(NotMergeable, match="already merged"):
        merge.merge_complaints(late, early, actor=agent, now=T0 + timedelta(hours=31))
    assert _snapshot(early, late) == before


def test_self_merge_closed_complaints_and_stale_pages_are_refused(agent):
    early, late = _pair(agent)
    with pytest.raises(NotMergeable, match="into itself"):
        merge.merge_complaints(early, early, actor=agent, now=T0)
    with pytest.raises(StaleRecord, match="changed by someone else"):
        merge.merge_complaints(early, late, actor=agent, now=T0, survivor_version=late.version - 1)
    services.transition(late, "triage", actor=agent, now=T0 + timedelta(hours=27))
    services.transition(late, "start", actor=agent, now=T0 + timedelta(hours=27))
    services.transition(
        late, "resolve", actor=agent, now=T0 + timedelta(hours=28), reason="Réglé par téléphone."
    )
    services.transition(late, "close", actor=agent, now=T0 + timedelta(hours=29))
    with pytest.raises(NotMergeable, match="is closed"):
        merge.merge_complaints(early, late, actor=agent, now=T0 + timedelta(hours=30))


def test_only_support_agents_and_managers_merge(agent):
    early, late = _pair(agent)
    for actor in (make_staff("vetting_officer"), make_staff("admin"), "system:job"):
        with pytest.raises(Exception, match="support agent or manager"):
            merge.merge_complaints(early, late, actor=actor, now=T0 + timedelta(hours=30))
    merge.merge_complaints(early, late, actor=make_staff("manager"), now=T0 + timedelta(hours=30))


def test_a_complaint_with_a_dispute_waiting_for_a_decision_is_not_merged_away(agent):
    client = make_client()
    booking = make_booking(client=client)
    disputed = make_complaint(booking=booking, actor=agent, now=T0)
    dispute = make_dispute(disputed, actor=agent, now=T0 + timedelta(hours=1))
    other = make_complaint(client=client, actor=agent, now=T0 + timedelta(hours=2))
    before = _snapshot(disputed, other)
    with pytest.raises(NotMergeable, match=f"dispute waiting for a decision \\({dispute.reference}\\)"):
        merge.merge_complaints(disputed, other, actor=agent, now=T0 + timedelta(hours=3))
    assert _snapshot(disputed, other) == before
    # The other way round is fine: the disputed complaint stays open and keeps its dispute.
    merge.merge_complaints(other, disputed, actor=agent, now=T0 + timedelta(hours=3))
    assert dispute.complaint_id == disputed.id and disputed.is_open


def test_the_suggestions_are_the_clients_open_complaints_near_in_time_or_on_the_same_booking(agent):
    client = make_client()
    booking = make_booking(client=client)
    this = make_complaint(client=client, booking=booking, actor=agent, now=T0)
    near = make_complaint(client=client, subject="Autre chose", actor=agent, now=T0 + timedelta(days=6))
    same_booking = make_complaint(client=client, booking=booking, actor=agent, now=T0 + timedelta(days=60))
    make_complaint(client=client, actor=agent, now=T0 + timedelta(days=9))  # too late, another booking
    make_complaint(actor=agent, now=T0 + timedelta(hours=1))  # another client
    merged = make_complaint(client=client, actor=agent, now=T0 + timedelta(hours=1))
    merge.merge_complaints(merged, near, actor=agent, now=T0 + timedelta(days=6, hours=1))
    found = merge.suggestions(this)
    assert [(s.side.id, s.reasons) for s in found] == [
        (same_booking.id, ["same booking", "same subject"]),
        (near.id, ["received within 7 days"]),
    ]
    assert all(s.keep_this for s in found)  # this one was received first
    assert merge.suggestions(merged) == []  # a merged complaint suggests nothing


def test_the_suggestions_take_one_bounded_query_whatever_the_number_of_complaints(agent):
    client = make_client()
    this = make_complaint(client=client, actor=agent, now=T0)
    make_complaint(client=client, actor=agent, now=T0 + timedelta(hours=1))
    db.session.expire_all()
    this = db.session.get(Complaint, this.id)
    with count_queries() as few:
        merge.suggestions(this)
    for n in range(15):
        make_complaint(client=client, actor=agent, now=T0 + timedelta(hours=2 + n))
    db.session.expire_all()
    this = db.session.get(Complaint, this.id)
    with count_queries() as many:
        found = merge.suggestions(this)
    assert len(few) == len(many) == 1 and "LIMIT" in many[0].upper()
    assert len(found) == wf.SUGGESTIONS_MAX


@pytest.mark.committed
def test_two_agents_merging_the_same_pair_crosswise_at_once_merge_it_once(app):
    with app.app_context():
        first, second = make_staff("support_agent"), make_staff("support_agent")
        early, late = _pair(first)
        services.add_note(late, body="Note de Bruno.", actor=second, now=T0 + timedelta(hours=27))
        db.session.commit()
        ids = early.id, late.id
        agents = first.id, second.id
    barrier, outcomes = threading.Barrier(2), []

    def merge_as(staff_id: int, merged_id: int, survivor_id: int) -> None:
        with app.app_context():
            merged, survivor = db.session.get(Complaint, merged_id), db.session.get(Complaint, survivor_id)
            staff = db.session.get(StaffUser, staff_id)
            versions = {"merged_version": merged.version, "survivor_version": survivor.version}
            barrier.wait()
            try:
                merge.merge_complaints(
                    merged, survivor, actor=staff, now=T0 + timedelta(hours=30), **versions
                )
                db.session.commit()
                outcomes.append("won")
            except Exception as exc:  # noqa: BLE001 - classified below
                db.session.rollback()
                conflict = isinstance(exc, DomainError) or is_write_conflict(exc)
                outcomes.append("conflict" if conflict else repr(exc))
            finally:
                db.session.remove()

    threads = [
        threading.Thread(target=merge_as, args=(agents[0], ids[0], ids[1])),
        threading.Thread(target=merge_as, args=(agents[1], ids[1], ids[0])),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["conflict", "won"]
    with app.app_context():
        merged = db.session.scalars(sa.select(Complaint).where(Complaint.merged_into_id.is_not(None))).all()
        assert len(merged) == 1 and merged[0].status == Status.CLOSED
        assert _count(AuditEvent, AuditEvent.action == "complaint.merge") == 1
        survivor = merged[0].merged_into_id
        assert _count(ComplaintEntry, ComplaintEntry.complaint_id == survivor) == 1


def test_the_figures_count_a_merged_pair_once(agent):
    client = make_client()
    booking = make_booking(client=client)
    early = make_complaint(client=client, booking=booking, actor=agent, now=T0)
    late = make_complaint(client=client, booking=booking, actor=agent, now=T0 + timedelta(hours=2))
    since, until = T0 - timedelta(days=1), T0 + timedelta(days=10)
    assert reporting.complaint_volumes(since, until) == [("damage", 2)]
    merge.merge_complaints(late, early, actor=agent, now=T0 + timedelta(hours=3))
    assert reporting.complaint_volumes(since, until) == [("damage", 1)]
    assert reporting.provider_complaints(booking.provider_id) == [("damage", 1)]
    assert [row[2] for row in reporting.most_complained_about(since, until)] == [1]
    assert [row[1] for row in reporting.sla_by_severity(since, until)] == [1]
    assert reporting.resolution_hours(since, until) == (None, None)  # the merged one was not "resolved"


# --- the page -----------------------------------------------------------------------------------


def _page(client, complaint_id):
    return client.get(f"/complaints/details/?id={complaint_id}")


def _merge(client, complaint, other, *, keep="this", token=True, **overrides):
    page = f"/complaints/details/?id={complaint.id}"
    data = {
        "other_id": other.id,
        "expected_version": complaint.version,
        "other_version": other.version,
        "keep": keep,
    } | overrides
    if token:
        data["csrf_token"] = csrf_token(client, page)
    return client.post(f"/complaints/merge/{complaint.id}", data=data)


@pytest.mark.parametrize("role", ["support_agent", "manager"])
def test_an_agent_sees_the_duplicate_and_merges_it_into_the_open_page(client_as, role):
    browser = client_as(role)
    early, late = _pair(browser.staff)
    db.session.commit()
    page = _page(browser, early.id).get_data(as_text=True)
    assert 'data-testid="duplicates"' in page and late.reference in page and "Toujours le vase" in page
    response = _merge(browser, early, late)
    assert response.status_code == 302 and response.headers["Location"].endswith(f"id={early.id}")
    db.session.expire_all()
    assert db.session.get(Complaint, late.id).merged_into_id == early.id
    survivor = browser.get(response.headers["Location"]).get_data(as_text=True)
    assert f"{late.reference} was merged into {early.reference} and closed." in survivor
    assert 'data-testid="entry-merged-from"' in survivor
    merged = _page(browser, late.id).get_data(as_text=True)
    assert 'data-testid="merged-banner"' in merged and f"?id={early.id}" in merged
    assert 'data-testid="entry-form"' not in merged and 'data-testid="duplicates"' not in merged


def test_keeping_the_other_complaint_merges_this_page_into_it(client_as):
    browser = client_as("support_agent")
    early, late = _pair(browser.staff)
    db.session.commit()
    response = _merge(browser, late, early, keep="other")
    assert response.headers["Location"].endswith(f"id={early.id}")
    db.session.expire_all()
    assert db.session.get(Complaint, late.id).merged_into_id == early.id


def test_a_merge_without_csrf_token_is_refused(client_as):
    browser = client_as("support_agent")
    early, late = _pair(browser.staff)
    db.session.commit()
    assert _merge(browser, early, late, token=False).status_code == 400
    db.session.expire_all()
    assert db.session.get(Complaint, late.id).merged_into_id is None


@pytest.mark.parametrize("role", ["vetting_officer", "admin"])
def test_other_roles_cannot_merge(client_as, role):
    agent = make_staff("support_agent")
    early, late = _pair(agent)
    db.session.commit()
    browser = client_as(role)
    response = browser.post(
        f"/complaints/merge/{early.id}",
        data={"other_id": late.id, "keep": "this", "csrf_token": csrf_token(browser, "/")},
    )
    assert response.status_code == 403
    db.session.expire_all()
    assert db.session.get(Complaint, late.id).merged_into_id is None


def test_a_double_submit_merges_once_and_says_so(client_as):
    browser = client_as("support_agent")
    early, late = _pair(browser.staff)
    db.session.commit()
    versions = {"expected_version": early.version, "other_version": late.version}
    _merge(browser, early, late, **versions)
    audits = _count(AuditEvent, AuditEvent.action.like("complaint.merge%"))
    again = _merge(browser, early, late, **versions)
    page = browser.get(again.headers["Location"]).get_data(as_text=True)
    assert f"{late.reference} was already merged into {early.reference}; nothing was changed." in page
    assert _count(AuditEvent, AuditEvent.action.like("complaint.merge%")) == audits


def test_a_stale_page_bad_input_and_another_clients_complaint_are_refused_clearly(client_as):
    browser = client_as("support_agent")
    early, late = _pair(browser.staff)
    stranger = make_complaint(actor=browser.staff, now=T0)
    db.session.commit()
    stale = _merge(browser, early, late, expected_version=early.version - 1)
    assert "was changed by someone else" in browser.get(stale.headers["Location"]).get_data(as_text=True)
    bad = _merge(browser, early, late, keep="both")
    assert bad.status_code == 302
    across = _merge(browser, early, stranger)
    assert "different clients" in browser.get(across.headers["Location"]).get_data(as_text=True)
    assert _merge(browser, early, late, other_id="x").status_code == 404
    assert _merge(browser, early, late, other_id="999999").status_code == 404
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).where(Complaint.merged_into_id.is_not(None))) == 0


def test_the_page_runs_the_same_queries_with_one_or_many_complaints_of_the_client(client_as):
    browser = client_as("support_agent")
    early, late = _pair(browser.staff)
    db.session.commit()
    early_id = early.id
    _page(browser, early_id)
    with count_queries() as few:
        assert _page(browser, early_id).status_code == 200
    for n in range(12):
        make_complaint(client=early.client, actor=browser.staff, now=T0 + timedelta(hours=3 + n))
        make_complaint(actor=browser.staff, now=T0 + timedelta(hours=3 + n))
    db.session.commit()
    with count_queries() as many:
        page = _page(browser, early_id).get_data(as_text=True)
    assert page.count('data-testid="merge-form"') == wf.SUGGESTIONS_MAX
    assert len(many) == len(few)
