"""Complaint use cases: intake, transitions, severity, assignment, conversation, the SLA clock,
the SLA sweep and the auto-close. The acting staff member (or `system:<job>`) is a parameter.

Disputes are in `disputes.disputes.services`, review moderation in `reviews.services`, the
queues' conditions in `disputes.complaints.queues`, the dashboard's numbers in
`disputes.complaints.reporting`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from console import events, links
from console.audit import services as audit
from console.auth.models import StaffRole, StaffUser
from console.db import db
from console.domain import DomainError, Role, _, ensure_version
from console.notifications.services import queue_notification
from console.redaction import clean_text
from disputes.complaints import workflow as wf
from disputes.complaints.alerts import lock_sweep
from disputes.complaints.models import (
    Complaint,
    ComplaintEntry,
    ComplaintStatusChange,
    EntryKind,
)
from disputes.complaints.workflow import Category, Channel, Severity, Status
from marketplace.models import Booking, Client, Provider
from restrictions import services as restrictions

SUPPORT_ROLES = frozenset({Role.SUPPORT_AGENT, Role.MANAGER})
AUTO_CLOSE_ACTOR = "system:complaint-auto-close"


def require_staff(actor: Any, roles: Iterable[Role] = SUPPORT_ROLES) -> StaffUser:
    """A named, active support agent or manager (never a job) takes this step."""
    if not isinstance(actor, StaffUser) or not actor.has_any_role(roles):
        raise DomainError(_("Only an active support agent or manager can do this."))
    return actor


def _enum(enum_cls, value, what: str):
    try:
        return enum_cls(value)
    except ValueError as exc:
        raise DomainError(_("Unknown %(what)s %(value)r.", what=what, value=str(value)[:40])) from exc


# --- intake -----------------------------------------------------------------------------------


def _complained_about(client: Client, booking: Booking | None, provider: Provider | None) -> Provider | None:
    """The provider the complaint is about: the booking's, which must be the client's own."""
    if booking is None:
        return provider
    if booking.client_id != client.id:
        raise DomainError(
            _(
                "%(booking)s is a booking of another client, not of %(client)s.",
                booking=booking,
                client=client.reference,
            )
        )
    if provider is not None and provider.id != booking.provider_id:
        raise DomainError(
            _(
                "%(booking)s was served by %(served)s, not %(provider)s.",
                booking=booking,
                served=booking.provider.reference,
                provider=provider.reference,
            )
        )
    return booking.provider


def create_complaint(
    *,
    client: Client,
    channel: Channel | str,
    category: Category | str,
    subject: str,
    description: str,
    actor: Any,
    now: datetime,
    booking: Booking | None = None,
    provider: Provider | None = None,
) -> Complaint:
    """Record a client's complaint; a safety complaint against a provider opens a proposal at once."""
    person = require_staff(actor)
    return open_complaint(
        client=client, channel=channel, category=category, subject=subject, description=description,
        actor=person, now=now, booking=booking, provider=provider,
    )  # fmt: skip


def open_complaint(
    *,
    client: Client,
    channel: Channel | str,
    category: Category | str,
    subject: str,
    description: str,
    actor: Any,
    now: datetime,
    booking: Booking | None = None,
    provider: Provider | None = None,
) -> Complaint:
    """The intake itself, for staff (`create_complaint`) and the marketplace's apps (`intake`)."""
    person = actor
    channel, category = _enum(Channel, channel, _("channel")), _enum(Category, category, _("category"))
    subject = clean_text(subject, limit=wf.SUBJECT_MAX, what=_("subject"))
    description = clean_text(description, limit=wf.BODY_MAX, what=_("description"))
    provider = _complained_about(client, booking, provider)
    complaint = Complaint(
        client=client,
        booking=booking,
        provider=provider,
        channel=channel,
        category=category,
        severity=wf.default_severity(category),
        subject=subject,
        description=description,
        status=Status.NEW,
        created_at=now,
        created_by=audit.actor_label(person)[1],
        status_changed_at=now,
    )
    db.session.add(complaint)
    db.session.flush()
    record_status(complaint, Status.NEW, person, now)
    refresh_sla(complaint, now=now)
    audit.record(
        person,
        "complaint.create",
        complaint,
        now=now,
        changes={
            "client": client.reference,
            "booking": booking.reference if booking else None,
            "provider": provider.reference if provider else None,
            "category": category.value,
            "severity": complaint.severity.value,
            "channel": channel.value,
        },
    )
    if category in wf.SAFETY_CATEGORIES and provider is not None:
        restrictions.propose_restriction(
            provider,
            reason_code="safety_complaint",
            actor=person,
            now=now,
            evidence=[
                _(
                    "%(reference)s: %(category)s complaint from %(client)s",
                    reference=complaint.reference,
                    category=category.label.lower(),
                    client=client.reference,
                )
            ],
        )
    return complaint


def record_status(complaint: Complaint, status: Status, actor: Any, now: datetime) -> None:
    db.session.add(
        ComplaintStatusChange(
            complaint_id=complaint.id, status=status, at=now, actor=audit.actor_label(actor)[1]
        )
    )
    db.session.flush()


def status_history(complaint_id: int) -> list[tuple[datetime, Status]]:
    rows = db.session.execute(
        sa.select(ComplaintStatusChange.at, ComplaintStatusChange.status)
        .where(ComplaintStatusChange.complaint_id == complaint_id)
        .order_by(ComplaintStatusChange.at, ComplaintStatusChange.id)
    )
    return [(at, status) for at, status in rows]


def sla_of(complaint: Complaint, *, now: datetime) -> wf.Sla:
    return wf.sla(
        complaint.severity,
        status_history(complaint.id),
        first_response_at=complaint.first_response_at,
        now=now,
    )


def refresh_sla(complaint: Complaint, *, now: datetime) -> wf.Sla:
    """Store both timers' deadlines as of `now`: the queues and the sweep read these columns."""
    clock = sla_of(complaint, now=now)
    first, resolution = clock.first_response, clock.resolution
    complaint.first_response_due_at, complaint.first_response_at_risk_at = first.due_at, first.at_risk_at
    complaint.first_response_met = first.met
    complaint.resolution_due_at, complaint.resolution_at_risk_at = resolution.due_at, resolution.at_risk_at
    complaint.resolution_met = resolution.met
    complaint.next_breach_at = clock.next_breach_at
    return clock


# --- changes ----------------------------------------------------------------------------------


def transition(
    complaint: Complaint,
    event: str,
    *,
    actor: Any,
    now: datetime,
    expected_version: int | None = None,
    reason: str | None = None,
) -> Complaint:
    """Move a complaint along the workflow (people, or the auto-close job for `close`).

    Resolving a complaint whose client was never written to takes a `reason`, kept as a note."""
    if not (event == "close" and isinstance(actor, str)):
        actor = require_staff(actor)
    ensure_version(complaint, expected_version)
    if event == "resolve":
        _explain_silent_resolution(complaint, reason=reason, actor=actor, now=now)
    before = complaint.status
    complaint.status = wf.next_status(complaint.status, event)
    complaint.status_changed_at = now
    if complaint.status == Status.RESOLVED:
        complaint.resolved_at = now
    elif complaint.status == Status.CLOSED:
        complaint.closed_at = now
    elif before == Status.RESOLVED:  # reopened
        complaint.resolved_at = None
    changes = audit.diff(complaint)
    db.session.flush()  # the version check: a concurrent change loses here
    record_status(complaint, complaint.status, actor, now)
    refresh_sla(complaint, now=now)
    audit.record(actor, f"complaint.{event}", complaint, changes=changes, now=now)
    publish_status_change(complaint, before, now=now)
    return complaint


def publish_status_change(complaint: Complaint, before: Status, *, now: datetime, **extra: Any) -> None:
    """Tell the marketplace (webhooks) that a complaint changed status."""
    payload = {
        "complaint": complaint.reference,
        "provider": complaint.provider.reference if complaint.provider_id else None,
        "status": complaint.status.value,
        "previous_status": before.value,
        "changed_at": now.isoformat(),
        **extra,
    }
    events.publish(
        events.COMPLAINT_STATUS_CHANGED, provider_id=complaint.provider_id, payload=payload, now=now
    )


def client_was_answered(complaint_id: int) -> bool:
    return bool(
        db.session.scalar(
            sa.select(
                sa.exists().where(
                    ComplaintEntry.complaint_id == complaint_id, ComplaintEntry.kind == EntryKind.TO_CLIENT
                )
            )
        )
    )


def _explain_silent_resolution(
    complaint: Complaint, *, reason: str | None, actor: Any, now: datetime
) -> None:
    answered = client_was_answered(complaint.id)
    if wf.needs_resolution_reason(client_was_answered=answered, reason=reason):
        raise DomainError(
            _(
                "Nothing was sent to the client of %(complaint)s: write to them, or give the reason "
                "for resolving without a message.",
                complaint=complaint,
            )
        )
    if not answered:
        reason = clean_text(reason, limit=wf.REASON_MAX, what=_("reason for resolving without a message"))
        add_note(
            complaint,
            body=_("Resolved without a message to the client: %(reason)s", reason=reason),
            actor=actor,
            now=now,
        )


def change_severity(
    complaint: Complaint,
    severity: Severity | str,
    *,
    reason: str,
    actor: Any,
    now: datetime,
    expected_version: int | None = None,
) -> Complaint:
    """The agent overrides the category's severity, with a reason; the SLA targets follow."""
    person = require_staff(actor)
    ensure_version(complaint, expected_version)
    severity = _enum(Severity, severity, _("severity"))
    reason = clean_text(reason, limit=wf.REASON_MAX, what=_("reason for the change of severity"))
    if severity == complaint.severity:
        raise DomainError(
            _("%(complaint)s is already %(severity)s.", complaint=complaint, severity=severity.label.lower())
        )
    if not complaint.is_open:
        raise DomainError(
            _(
                "%(complaint)s is %(status)s: reopen it to change its severity.",
                complaint=complaint,
                status=complaint.status.label.lower(),
            )
        )
    complaint.severity, complaint.severity_reason = severity, reason
    changes = audit.diff(complaint)
    db.session.flush()
    refresh_sla(complaint, now=now)
    audit.record(person, "complaint.severity", complaint, changes=changes, now=now)
    return complaint


def assignable_staff() -> list[StaffUser]:
    """Active support agents and managers, by name."""
    return list(
        db.session.scalars(
            sa.select(StaffUser)
            .where(
                StaffUser.active.is_(True),
                StaffUser.id.in_(sa.select(StaffRole.staff_id).where(StaffRole.role.in_(SUPPORT_ROLES))),
            )
            .order_by(StaffUser.full_name)
        )
    )


def assign(
    complaint: Complaint,
    assignee: StaffUser | None,
    *,
    actor: Any,
    now: datetime,
    expected_version: int | None = None,
) -> Complaint:
    """Give a complaint to an agent (or to nobody)."""
    person = require_staff(actor)
    ensure_version(complaint, expected_version)
    if assignee is not None and not assignee.has_any_role(SUPPORT_ROLES):
        raise DomainError(_("%(name)s is not an active support agent or manager.", name=assignee.full_name))
    if not complaint.is_open:
        raise DomainError(
            _(
                "%(complaint)s is %(status)s; reopen it before assigning it.",
                complaint=complaint,
                status=complaint.status.label.lower(),
            )
        )
    complaint.assignee_id = assignee.id if assignee else None
    changes = audit.diff(complaint)
    if not changes:
        return complaint
    db.session.flush()
    audit.record(person, "complaint.assign", complaint, changes=changes, now=now)
    return complaint


def add_note(complaint: Complaint, *, body: str, actor: Any, now: datetime) -> ComplaintEntry:
    """An internal note: stays in the console, never sent."""
    person = require_staff(actor)
    body = clean_text(body, limit=wf.BODY_MAX, what=_("note"))
    entry = ComplaintEntry(
        complaint_id=complaint.id,
        kind=EntryKind.NOTE,
        body=body,
        author_id=person.id,
        author=person.audit_label,
        created_at=now,
    )
    db.session.add(entry)
    db.session.flush()
    audit.record(person, "complaint.note", complaint, changes={"entry": entry.id}, now=now)
    return entry


def send_message(
    complaint: Complaint, *, to: EntryKind | str, body: str, actor: Any, now: datetime
) -> ComplaintEntry:
    """A message to the client or the provider, through the outbox; the first one to the client is
    the first response."""
    person = require_staff(actor)
    to = _enum(EntryKind, to, _("recipient"))
    if to == EntryKind.NOTE:
        raise DomainError(_("A note is not a message; use 'Add note'."))
    if to not in (EntryKind.TO_CLIENT, EntryKind.TO_PROVIDER):
        raise DomainError(_("Only the client or the provider can write their own messages."))
    if complaint.status == Status.CLOSED:
        raise DomainError(
            _(
                "%(complaint)s is closed; reopen it to write to the client or the provider.",
                complaint=complaint,
            )
        )
    body = clean_text(body, limit=wf.BODY_MAX, what=_("message"))
    if to == EntryKind.TO_PROVIDER and complaint.provider is None:
        raise DomainError(_("%(complaint)s names no provider to write to.", complaint=complaint))
    entry = ComplaintEntry(
        complaint_id=complaint.id,
        kind=to,
        body=body,
        author_id=person.id,
        author=person.audit_label,
        created_at=now,
    )
    recipient = complaint.client if to == EntryKind.TO_CLIENT else complaint.provider
    purpose = "complaint_reply" if to == EntryKind.TO_CLIENT else "complaint_answer"
    link = links.signed_link(purpose, recipient, complaint, now=now, actor=person)
    note = queue_notification(
        recipient=recipient.email,
        template="complaint_message",
        related=complaint,
        now=now,
        language=recipient.language,
        reply_to=links.reply_address(complaint.reference),
        context={
            "complaint": complaint,
            "body": entry.body,
            "recipient": _addressee(complaint, to),
            "link": link,
        },
    )
    entry.notification_id = note.id
    db.session.add(entry)
    if to == EntryKind.TO_CLIENT and complaint.first_response_at is None:
        complaint.first_response_at = now
        refresh_sla(complaint, now=now)
    db.session.flush()
    audit.record(person, "complaint.message", complaint, changes={"entry": entry.id, "to": to.value}, now=now)
    return entry


def _addressee(complaint: Complaint, to: EntryKind) -> str:
    if to == EntryKind.TO_CLIENT:
        return complaint.client.full_name
    return complaint.provider.display_name


def conversation(complaint_id: int) -> list[ComplaintEntry]:
    return list(
        db.session.scalars(
            sa.select(ComplaintEntry)
            .where(ComplaintEntry.complaint_id == complaint_id)
            .order_by(ComplaintEntry.created_at, ComplaintEntry.id)
        )
    )


def auto_close(*, now: datetime, actor: str = AUTO_CLOSE_ACTOR, limit: int = 5000) -> int:
    """Close complaints resolved 7 days ago or more (safe to run twice: closed ones are skipped)."""
    lock_sweep()
    cutoff = now - wf.AUTO_CLOSE_AFTER
    complaints = db.session.scalars(
        sa.select(Complaint)
        .where(Complaint.status == Status.RESOLVED, Complaint.resolved_at <= cutoff)
        .order_by(Complaint.resolved_at)
        .limit(limit)
    ).all()
    for complaint in complaints:
        transition(complaint, "close", actor=actor, now=now)
    return len(complaints)
