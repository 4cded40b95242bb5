"""Complaints and messages that come from the marketplace's apps (the integration API), with no
staff member behind them: the actor is the API client (`system:api:<name>`).

A safety complaint opens a restriction proposal as one typed by an agent does; a message from the
party the complaint waits on restarts its paused clock.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from console.audit import services as audit
from console.db import db
from console.domain import DomainError, _
from console.redaction import clean_text
from disputes.complaints import services
from disputes.complaints import workflow as wf
from disputes.complaints.merging.services import survivor_of
from disputes.complaints.models import Complaint, ComplaintEntry, EntryKind
from disputes.complaints.workflow import Status
from marketplace.models import Booking, Client, Provider

APP_CHANNELS = frozenset({wf.Channel.APP, wf.Channel.CHAT, wf.Channel.PHONE})
_RESUMED_BY = {
    EntryKind.FROM_CLIENT: Status.WAITING_ON_CLIENT,
    EntryKind.FROM_PROVIDER: Status.WAITING_ON_PROVIDER,
}


def receive_complaint(
    *,
    client: Client,
    channel: str,
    category: str,
    subject: str,
    description: str,
    actor: Any,
    now: datetime,
    booking: Booking | None = None,
    provider: Provider | None = None,
) -> Complaint:
    """A complaint typed in the apps (channel app, chat or phone)."""
    if channel not in {c.value for c in APP_CHANNELS}:
        raise DomainError(_("A complaint from the apps comes by app, chat or phone."))
    return services.open_complaint(
        client=client, channel=channel, category=category, subject=subject, description=description,
        actor=actor, now=now, booking=booking, provider=provider,
    )  # fmt: skip


def receive_message(
    complaint: Complaint, *, sender: str, body: str, actor: Any, now: datetime
) -> ComplaintEntry:
    """The client's or the provider's message; if the complaint waits on them, the clock restarts.
    A message about a merged complaint goes to the complaint it was merged into."""
    complaint = survivor_of(complaint)
    try:
        kind = EntryKind(f"from_{sender}")
    except ValueError as exc:
        raise DomainError(_("A message comes from the client or the provider.")) from exc
    if complaint.status == Status.CLOSED:
        raise DomainError(_("%(complaint)s is closed.", complaint=complaint))
    if kind == EntryKind.FROM_PROVIDER and complaint.provider_id is None:
        raise DomainError(_("%(complaint)s names no provider.", complaint=complaint))
    entry = ComplaintEntry(
        complaint_id=complaint.id,
        kind=kind,
        body=clean_text(body, limit=wf.BODY_MAX, what=_("message")),
        author=audit.actor_label(actor)[1],
        created_at=now,
    )
    db.session.add(entry)
    db.session.flush()
    audit.record(
        actor, "complaint.received_message", complaint, changes={"entry": entry.id, "from": sender}, now=now
    )
    if complaint.status == _RESUMED_BY[kind]:
        _resume(complaint, actor=actor, now=now)
    return entry


def _resume(complaint: Complaint, *, actor: Any, now: datetime) -> None:
    complaint.status = wf.next_status(complaint.status, "resume")
    complaint.status_changed_at = now
    changes = audit.diff(complaint)
    db.session.flush()
    services.record_status(complaint, complaint.status, actor, now)
    services.refresh_sla(complaint, now=now)
    audit.record(actor, "complaint.resume", complaint, changes=changes, now=now)
