"""Plain figures about disputes (read-only): outcomes for the compliance reports, what waits for a
decision for the support dashboard."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from console.counts import QueueFigures, queue_figures
from console.db import db, row_dict
from console.formatting import format_money
from disputes.disputes.models import Dispute
from disputes.disputes.workflow import DisputeKind, DisputeStatus
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


# --- the provider page: disputes card ---

CARD_DISPUTES = 5


@dataclass(frozen=True)
class DisputeLine:
    id: int
    reference: str
    kind: str
    status: str
    open: bool
    claimed: str
    awarded: str | None
    created_at: datetime


@dataclass(frozen=True)
class DisputesCard:
    open: int
    total: int
    last: list[DisputeLine]  # the latest CARD_DISPUTES, the newest first


def provider_disputes_card(provider_id: int) -> DisputesCard:
    """Open and total disputes about the provider's bookings and the latest ones: one statement.

    Found through their complaints (a dispute's booking is its complaint's, whose provider it names):
    a provider's few complaints, both keys indexed, rather than its thousands of bookings."""
    from disputes.complaints.models import Complaint

    about = Dispute.complaint_id.in_(sa.select(Complaint.id).where(Complaint.provider_id == provider_id))
    rows = db.session.execute(
        sa.select(
            Dispute.id,
            Dispute.kind,
            Dispute.status,
            Dispute.amount_claimed_cents,
            Dispute.amount_awarded_cents,
            Dispute.currency,
            Dispute.created_at,
            sa.func.count().over(),
            sa.func.count().filter(Dispute.status != DisputeStatus.DECIDED).over(),
        )
        .where(about)
        .order_by(Dispute.created_at.desc(), Dispute.id.desc())
        .limit(CARD_DISPUTES)
    ).all()
    last = [
        DisputeLine(
            did,
            f"{Dispute.REFERENCE_PREFIX}-{did:0{Dispute.REFERENCE_WIDTH}d}",
            DisputeKind(kind).label,
            DisputeStatus(status).label,
            DisputeStatus(status) != DisputeStatus.DECIDED,
            format_money(claimed, currency),
            None if awarded is None else format_money(awarded, currency),
            created_at,
        )  # fmt: skip
        for did, kind, status, claimed, awarded, currency, created_at, *_counts in rows
    ]
    total, open_ = rows[0][-2:] if rows else (0, 0)
    return DisputesCard(open=open_, total=total, last=last)
