"""Plain figures about disputes (read-only): outcomes for the compliance reports, what waits for a
decision for the support dashboard."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from console.admin_paging import QueueFigures, queue_figures
from console.db import db, row_dict
from disputes.disputes.models import Dispute
from disputes.disputes.workflow import DisputeStatus
from marketplace.models import Booking


def dispute_outcomes(since: datetime, until: datetime) -> list[tuple[str, int, int, int]]:
    """(outcome, disputes decided in the period, cents claimed, cents awarded)."""
    rows = db.session.execute(
        sa.select(
            Dispute.outcome,
            sa.func.count(),
            sa.func.coalesce(sa.func.sum(Dispute.amount_claimed_cents), 0),
            sa.func.coalesce(sa.func.sum(Dispute.amount_awarded_cents), 0),
        )
        .where(Dispute.decided_at >= since, Dispute.decided_at < until)
        .group_by(Dispute.outcome)
        .order_by(Dispute.outcome)
    )
    return [(outcome.value, count, int(claimed), int(awarded)) for outcome, count, claimed, awarded in rows]


def undecided_counts() -> dict[str, int]:
    """Disputes not decided yet, per status: {"open": n, "awaiting_decision": n}."""
    counts = dict(
        db.session.execute(
            sa.select(Dispute.status, sa.func.count())
            .where(Dispute.status != DisputeStatus.DECIDED)
            .group_by(Dispute.status)
        ).all()
    )
    return {
        status.value: counts.get(status, 0) for status in DisputeStatus if status != DisputeStatus.DECIDED
    }


def awaiting_decision_card() -> QueueFigures:
    """The disputes waiting for a decision, and when the oldest of them was raised."""
    condition = Dispute.status == DisputeStatus.AWAITING_DECISION
    return queue_figures(Dispute, condition, Dispute.created_at)


# --- the subject access export and erasure (privacy/) ---


def person_disputes(kind: str, person_id: int) -> list[dict]:
    """The disputes on this person's bookings, with whether each is still open (a legal hold)."""
    column = Booking.provider_id if kind == "provider" else Booking.client_id
    rows = db.session.scalars(
        sa.select(Dispute)
        .join(Booking, Booking.id == Dispute.booking_id)
        .where(column == person_id)
        .order_by(Dispute.id)
    )
    return [
        {
            "reference": d.reference,
            "open": d.status != DisputeStatus.DECIDED,
            **row_dict(d, exclude=("version",)),
        }
        for d in rows
    ]


def cancellation_fee_claims(since: datetime, until: datetime) -> list[tuple[int, int]]:
    """(booking id, cents claimed) of the cancellation-fee disputes opened in [since, until)."""
    from disputes.disputes.workflow import DisputeKind

    return [
        (booking_id, claimed)
        for booking_id, claimed in db.session.execute(
            sa.select(Dispute.booking_id, Dispute.amount_claimed_cents).where(
                Dispute.kind == DisputeKind.CANCELLATION_FEE,
                Dispute.created_at >= since,
                Dispute.created_at < until,
            )
        )
    ]


def provider_disputes(provider_id: int) -> list[tuple[str, str, str, int, int | None, str, str | None]]:
    """(reference, kind, status, cents claimed, cents awarded, currency, reasons of the decision) of
    the disputes about the provider's bookings, the oldest first."""
    from marketplace.models import Booking

    rows = db.session.scalars(
        sa.select(Dispute)
        .join(Booking, Booking.id == Dispute.booking_id)
        .where(Booking.provider_id == provider_id)
        .order_by(Dispute.created_at)
    ).all()
    return [
        (d.reference, d.kind.label, d.status.label, d.amount_claimed_cents, d.amount_awarded_cents,
         d.currency, d.reasons)
        for d in rows
    ]  # fmt: skip


def insurer_claims_between(since: datetime, until: datetime) -> list[tuple[int, datetime]]:
    """(client id, when) of every insurer claim recorded in [since, until): the client's data shared
    with a third party, from the audit trail's `dispute.insurer_claim` events."""
    from console.audit.models import AuditEvent
    from disputes.complaints.models import Complaint

    query = (
        sa.select(Complaint.client_id, AuditEvent.occurred_at)
        .select_from(AuditEvent)
        .join(Dispute, sa.cast(Dispute.id, sa.String) == AuditEvent.object_id)
        .join(Complaint, Complaint.id == Dispute.complaint_id)
        .where(
            AuditEvent.action == "dispute.insurer_claim",
            AuditEvent.object_type == "Dispute",
            AuditEvent.occurred_at >= since,
            AuditEvent.occurred_at < until,
        )
    )
    return [(client_id, at) for client_id, at in db.session.execute(query)]
