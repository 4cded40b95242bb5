"""Support events on the provider's timeline: complaints and dispute decisions."""

from __future__ import annotations

import sqlalchemy as sa

from console.db import db
from console.domain import _
from console.timeline import Event
from disputes.complaints.models import Complaint
from disputes.disputes.models import Dispute

RECENT = 100  # the most recent of each kind: a provider's page stays quick


def provider_events(provider_id: int) -> list[Event]:
    events = []
    complaints = db.session.execute(
        sa.select(Complaint.id, Complaint.created_at, Complaint.category, Complaint.severity)
        .where(Complaint.provider_id == provider_id)
        .order_by(Complaint.created_at.desc())
        .limit(RECENT)
    )
    for complaint_id, created_at, category, severity in complaints:
        reference = f"CMP-{complaint_id:07d}"
        text = _(
            "Complaint %(reference)s: %(category)s (%(severity)s)",
            reference=reference,
            category=category.label.lower(),
            severity=severity.label.lower(),
        )
        events.append(Event(created_at, _("support"), text))
    disputes = db.session.execute(
        sa.select(Dispute.id, Dispute.decided_at, Dispute.outcome)
        .join(Complaint, Complaint.id == Dispute.complaint_id)
        .where(Complaint.provider_id == provider_id, Dispute.decided_at.is_not(None))
        .order_by(Dispute.decided_at.desc())
        .limit(RECENT)
    )
    for dispute_id, decided_at, outcome in disputes:
        reference = f"DSP-{dispute_id:06d}"
        text = _(
            "Dispute %(reference)s %(outcome)s",
            reference=reference,
            outcome=outcome.label.lower(),
        )
        events.append(Event(decided_at, _("support"), text))
    return events
