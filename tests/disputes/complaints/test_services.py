"""Complaint services against the real database (SQLite, or PostgreSQL with TEST_DATABASE_URL)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from console.audit.models import AuditEvent
from console.db import db
from console.domain import DomainError
from console.notifications.models import Notification
from console.privacy import REDACTION_ACTION
from disputes.complaints import alerts, queues, reporting, services
from disputes.complaints.models import (
    Complaint,
    ComplaintEntry,
    ComplaintStatusChange,
    EntryKind,
    SlaAlert,
)
from disputes.complaints.workflow import Severity, Status, TimerState
from restrictions.models import Restriction, RestrictionProposal
from restrictions.workflow import Source
from tests.factories import make_booking, make_client, make_complaint, make_provider, make_staff

CARD = "4970 1012 3456 7893"
PHONE = "Réglé par téléphone avec la cliente"


@pytest.fixture
def agent():
    return make_staff("support_agent")


def _count(model, *where) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def test_a_complaint_about_a_booking_names_its_provider_and_starts_the_clock(agent, now):
    booking = make_booking()
    complaint = make_complaint(booking=booking, actor=agent, now=now)
    assert complaint.reference == f"CMP-{complaint.id:07d}"
    assert complaint.provider_id == booking.provider_id and complaint.client_id == booking.client_id
    assert complaint.severity == Severity.HIGH and complaint.status == Status.NEW
    assert (
        complaint.first_response_due_at > now
        and complaint.resolution_due_at > complaint.first_response_due_at
    )
    assert _count(ComplaintStatusChange, ComplaintStatusChange.complaint_id == complaint.id) == 1
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "complaint.create"))
    assert event.actor == agent.email and event.changes["booking"] == booking.reference


def test_a_booking_of_another_client_is_refused_and_nothing_is_saved(agent, now):
    booking = make_booking()
    with pytest.raises(DomainError, match="booking of another client"):
        make_complaint(client=make_client(), booking=booking, actor=agent, now=now)
    assert _count(Complaint) == 0


def test_a_booking_served_by_another_provider_is_refused(agent, now):
    booking = make_booking()
    with pytest.raises(DomainError, match="was served by"):
        make_complaint(booking=booking, provider=make_provider(), actor=agent, now=now)


@pytest.mark.parametrize("category", ["safety", "injury", "theft", "harassment"])
def test_a_safety_complaint_against_a_provider_opens_a_proposal_at_once(agent, now, category):
    complaint = make_complaint(booking=make_booking(), category=category, actor=agent, now=now)
    proposal = db.session.scalar(sa.select(RestrictionProposal))
    assert proposal.provider_id == complaint.provider_id and proposal.source == Source.SAFETY
    assert proposal.due_at == now + timedelta(hours=1) and complaint.reference in proposal.evidence[0]
    assert complaint.severity == Severity.CRITICAL
    assert _count(Restriction) == 0  # a proposal for a person to decide, never a restriction


def test_other_categories_and_complaints_without_a_provider_open_no_proposal(agent, now):
    make_complaint(booking=make_booking(), category="quality", actor=agent, now=now)
    make_complaint(category="safety", actor=agent, now=now)  # no booking, no provider
    assert _count(RestrictionProposal) == 0


def test_unknown_channel_or_category_is_a_clear_message(agent, now):
    with pytest.raises(DomainError, match="Unknown category"):
        make_complaint(category="<script>", actor=agent, now=now)
    with pytest.raises(DomainError, match="Unknown channel"):
        make_complaint(channel="fax", actor=agent, now=now)


def test_a_job_or_a_vetting_officer_cannot_record_a_complaint(now):
    with pytest.raises(DomainError, match="support agent or manager"):
        make_complaint(actor="system:tests", now=now)
    with pytest.raises(DomainError, match="support agent or manager"):
        make_complaint(actor=make_staff("vetting_officer"), now=now)


def test_a_card_number_in_the_description_is_masked_and_audited(agent, now):
    complaint = make_complaint(description=f"Débité deux fois sur ma carte {CARD}", actor=agent, now=now)
    db.session.commit()
    stored = db.session.scalar(sa.select(Complaint.description).where(Complaint.id == complaint.id))
    assert CARD not in stored and "[card ••••7893]" in stored
    assert _count(AuditEvent, AuditEvent.action == REDACTION_ACTION) == 1


def test_html_is_kept_as_text(agent, now):
    complaint = make_complaint(subject="<script>alert(1)</script>", actor=agent, now=now)
    assert complaint.subject == "<script>alert(1)</script>"  # escaped when shown, never interpreted


def test_the_workflow_forbids_closing_a_new_complaint(agent, now):
    complaint = make_complaint(actor=agent, now=now)
    with pytest.raises(DomainError, match="A new complaint cannot be: close"):
        services.transition(complaint, "close", actor=agent, now=now)


def test_resolve_then_reopen_and_close(agent, now):
    complaint = make_complaint(actor=agent, now=now)
    for n, event in enumerate(["triage", "start", "resolve"], 1):
        services.transition(complaint, event, actor=agent, now=now + timedelta(minutes=n), reason=PHONE)
    assert complaint.status == Status.RESOLVED and complaint.resolved_at == now + timedelta(minutes=3)
    assert complaint.resolution_met is True and complaint.first_response_met is True
    services.transition(complaint, "reopen", actor=agent, now=now + timedelta(hours=1))
    assert complaint.resolved_at is None and complaint.resolution_met is None
    services.transition(complaint, "resolve", actor=agent, now=now + timedelta(hours=2), reason=PHONE)
    services.transition(complaint, "close", actor=agent, now=now + timedelta(hours=3))
    assert complaint.status == Status.CLOSED and complaint.closed_at is not None
    assert _count(ComplaintStatusChange, ComplaintStatusChange.complaint_id == complaint.id) == 7


def test_a_stale_version_is_refused(agent, now):
    complaint = make_complaint(actor=agent, now=now)
    with pytest.raises(DomainError, match="changed by someone else"):
        services.transition(complaint, "triage", actor=agent, now=now, expected_version=complaint.version - 1)


def test_waiting_pauses_the_stored_deadlines(agent, now):
    complaint = make_complaint(actor=agent, now=now)  # Monday 2 November 10:00 UTC, high
    services.transition(complaint, "triage", actor=agent, now=now)
    services.transition(complaint, "start", actor=agent, now=now)
    services.transition(complaint, "wait_on_client", actor=agent, now=now + timedelta(hours=1))
    assert complaint.resolution_due_at is None and complaint.first_response_due_at is None
    services.transition(complaint, "resume", actor=agent, now=now + timedelta(days=1))
    assert complaint.first_response_due_at == now + timedelta(days=1, hours=3)


def test_the_agent_changes_the_severity_with_a_reason_and_the_targets_follow(agent, now):
    complaint = make_complaint(category="question", actor=agent, now=now)
    before = complaint.first_response_due_at
    with pytest.raises(DomainError, match="reason"):
        services.change_severity(complaint, "high", reason=" ", actor=agent, now=now)
    services.change_severity(
        complaint, "high", reason="The client is elderly and alone", actor=agent, now=now
    )
    assert complaint.severity == Severity.HIGH and complaint.first_response_due_at < before
    assert db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "complaint.severity"))
    with pytest.raises(DomainError, match="Unknown severity"):
        services.change_severity(complaint, "urgent", reason="x", actor=agent, now=now)


def test_assignment_to_agents_and_managers_only(agent, now):
    complaint = make_complaint(actor=agent, now=now)
    services.assign(complaint, agent, actor=agent, now=now)
    assert complaint.assignee_id == agent.id
    with pytest.raises(DomainError, match="not an active support agent"):
        services.assign(complaint, make_staff("vetting_officer"), actor=agent, now=now)
    services.assign(complaint, None, actor=agent, now=now)
    assert complaint.assignee_id is None


def test_a_note_stays_inside_and_a_message_goes_through_the_outbox(agent, now):
    complaint = make_complaint(booking=make_booking(), actor=agent, now=now)
    services.add_note(complaint, body=f"Client read out a card {CARD}", actor=agent, now=now)
    assert _count(Notification) == 0
    message = services.send_message(complaint, to="to_client", body="We are on it.", actor=agent, now=now)
    note = db.session.get(Notification, message.notification_id)
    assert note.recipient == complaint.client.email and note.template == "complaint_message"
    assert complaint.reference in note.subject and "We are on it." in note.body
    assert complaint.first_response_at == now and complaint.first_response_met is True
    services.send_message(complaint, to="to_provider", body="Please call us.", actor=agent, now=now)
    assert _count(Notification) == 2
    entries = services.conversation(complaint.id)
    assert [e.kind for e in entries] == [EntryKind.NOTE, EntryKind.TO_CLIENT, EntryKind.TO_PROVIDER]
    assert CARD not in entries[0].body and "[card ••••7893]" in entries[0].body


def test_bad_messages_are_refused_and_nothing_is_saved(agent, now):
    complaint = make_complaint(actor=agent, now=now)  # no provider
    with pytest.raises(DomainError, match="too long"):
        services.send_message(complaint, to="to_client", body="x" * 1_000_000, actor=agent, now=now)
    with pytest.raises(DomainError, match="names no provider"):
        services.send_message(complaint, to="to_provider", body="hello", actor=agent, now=now)
    with pytest.raises(DomainError, match="Unknown recipient"):
        services.send_message(complaint, to="everyone", body="hello", actor=agent, now=now)
    with pytest.raises(DomainError, match="note is required"):
        services.add_note(complaint, body="   ", actor=agent, now=now)
    assert _count(ComplaintEntry) == 0 and _count(Notification) == 0


# --- the SLA sweep and the auto-close ---


def _queue(name, now, user_id=None):
    return set(
        db.session.scalars(
            sa.select(Complaint.id).where(queues.queue_condition(name, user_id=user_id, now=now))
        )
    )


def test_the_sweep_alerts_the_assignee_when_at_risk_and_the_managers_on_breach_once_each(agent, now):
    manager = make_staff("manager")
    complaint = make_complaint(actor=agent, now=now)  # high: first response within 4 business hours
    services.assign(complaint, agent, actor=agent, now=now)
    at_risk = now + timedelta(hours=3, minutes=1)
    counts = alerts.sweep_sla(now=at_risk)
    assert counts["first_response_at_risk"] == 1 and counts["first_response_breached"] == 0
    alert = db.session.scalar(sa.select(Notification).where(Notification.template == "complaint_sla_at_risk"))
    assert alert.recipient == agent.email and complaint.reference in alert.subject
    assert alerts.sweep_sla(now=at_risk)["first_response_at_risk"] == 0  # once
    assert _queue("at_risk", at_risk) == {complaint.id} and _queue("breached", at_risk) == set()
    breach = now + timedelta(hours=4)
    assert alerts.sweep_sla(now=breach)["first_response_breached"] == 1
    breached = db.session.scalars(
        sa.select(Notification.recipient).where(Notification.template == "complaint_sla_breached")
    ).all()
    assert breached == [manager.email]
    assert alerts.sweep_sla(now=breach + timedelta(hours=1))["first_response_breached"] == 0
    assert _count(SlaAlert) == 2
    assert _queue("breached", breach) == {complaint.id}


def test_the_sweep_leaves_paused_and_answered_complaints_alone(agent, now):
    waiting = make_complaint(actor=agent, now=now)
    for event in ("triage", "start", "wait_on_client"):
        services.transition(waiting, event, actor=agent, now=now)
    answered = make_complaint(actor=agent, now=now)
    services.send_message(answered, to="to_client", body="Hello", actor=agent, now=now)
    counts = alerts.sweep_sla(now=now + timedelta(hours=5))
    assert counts["first_response_breached"] == 0 and counts["first_response_at_risk"] == 0
    assert _queue("waiting", now) == {waiting.id}


def test_an_unassigned_complaint_at_risk_alerts_the_managers(agent, now):
    manager = make_staff("manager")
    make_complaint(actor=agent, now=now)
    alerts.sweep_sla(now=now + timedelta(hours=3, minutes=30))
    alert = db.session.scalar(sa.select(Notification).where(Notification.template == "complaint_sla_at_risk"))
    assert alert.recipient == manager.email


def test_a_deactivated_assignees_alert_goes_to_the_managers(agent, now):
    manager, gone = make_staff("manager"), make_staff("support_agent")
    complaint = make_complaint(actor=agent, now=now)
    services.assign(complaint, gone, actor=agent, now=now)
    gone.active = False
    alerts.sweep_sla(now=now + timedelta(hours=3, minutes=30))
    alert = db.session.scalar(sa.select(Notification).where(Notification.template == "complaint_sla_at_risk"))
    assert alert.recipient == manager.email


def test_auto_close_seven_days_after_resolution(agent, now):
    old, recent = make_complaint(actor=agent, now=now), make_complaint(actor=agent, now=now)
    for complaint, at in ((old, now), (recent, now + timedelta(days=2))):
        for event in ("triage", "start", "resolve"):
            services.transition(complaint, event, actor=agent, now=at, reason=PHONE)
    assert services.auto_close(now=now + timedelta(days=7)) == 1
    assert old.status == Status.CLOSED and recent.status == Status.RESOLVED
    assert services.auto_close(now=now + timedelta(days=7)) == 0  # safe to run twice
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "complaint.close"))
    assert event.actor == services.AUTO_CLOSE_ACTOR


def test_queues_mine_and_unassigned(agent, now):
    mine, other = make_complaint(actor=agent, now=now), make_complaint(actor=agent, now=now)
    services.assign(mine, agent, actor=agent, now=now)
    assert _queue("mine", now, agent.id) == {mine.id}
    assert _queue("unassigned", now) == {other.id}
    assert _queue("all", now) == {mine.id, other.id}
    with pytest.raises(DomainError):
        queues.queue_condition("everything", user_id=None, now=now)


def test_the_dashboard_counts(agent, now):
    a = make_complaint(actor=agent, now=now)
    b = make_complaint(category="question", actor=agent, now=now)
    services.send_message(b, to="to_client", body="Hello", actor=agent, now=now)
    for event in ("triage", "start", "resolve"):
        services.transition(b, event, actor=agent, now=now + timedelta(minutes=5))
    data = reporting.dashboard(now=now + timedelta(hours=5))
    assert data["open"]["high"] == {"new": 1} and data["open_total"] == 1
    assert data["breached"] == 1 and data["resolution"] == (1, 1) and data["first_response"] == (1, 1)
    assert services.sla_of(a, now=now + timedelta(hours=5)).first_response.state == TimerState.BREACHED


def test_complaints_disputes_and_hidden_reviews_appear_on_the_provider_timeline(agent, now):
    from console.timeline import provider_timeline
    from disputes.disputes import services as dispute_services
    from reviews import services as moderation_services

    booking = make_booking()
    complaint = make_complaint(booking=booking, actor=agent, now=now)
    dispute = dispute_services.open_dispute(
        complaint, kind="refund", amount_claimed_cents=100, claim="x", actor=agent, now=now
    )
    dispute_services.decide_dispute(
        dispute,
        outcome="rejected",
        amount_awarded_cents=0,
        reasons="No.",
        actor=agent,
        now=now + timedelta(hours=1),
    )
    review = moderation_services.record_review(
        booking=booking, rating=1, text="x", actor="system:tests", now=now
    )
    moderation_services.moderate(
        review, "hide", reason_code="off_topic", actor=agent, now=now + timedelta(hours=2)
    )
    texts = [
        e.text for e in provider_timeline(booking.provider_id) if e.area in ("support", "reviews")
    ]  # the staff read English here
    assert texts == [
        f"Review {review.reference} hidden",
        f"Dispute {dispute.reference} rejected",
        f"Complaint {complaint.reference}: damage (high)",
    ]
