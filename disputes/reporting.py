"""Plain figures about complaints and disputes for the compliance reports (read-only).

Periods are [since, until) in UTC; each function returns tuples of plain values, so a report
builder never touches the ORM objects of this package.
"""

from __future__ import annotations

import statistics
from datetime import datetime

import sqlalchemy as sa

from console.db import db
from disputes.models import Complaint, Dispute
from disputes.workflow import Severity
from marketplace.models import Provider


def _pct(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def complaint_volumes(since: datetime, until: datetime) -> list[tuple[str, int]]:
    """Complaints received in the period, per category, the most frequent first."""
    rows = db.session.execute(
        sa.select(Complaint.category, sa.func.count())
        .where(Complaint.created_at >= since, Complaint.created_at < until)
        .group_by(Complaint.category)
        .order_by(sa.func.count().desc(), Complaint.category)
    )
    return [(category.value, count) for category, count in rows]


def sla_by_severity(since: datetime, until: datetime) -> list[tuple[str, int, float | None, float | None]]:
    """(severity, complaints received, % first responses in time, % resolutions in time), in
    severity order; the percentages count the timers that have stopped (None when none has)."""
    met = lambda column: sa.func.count().filter(column.is_(True))  # noqa: E731
    decided = lambda column: sa.func.count().filter(column.is_not(None))  # noqa: E731
    rows = {
        severity: (total, fr_met, fr_done, res_met, res_done)
        for severity, total, fr_met, fr_done, res_met, res_done in db.session.execute(
            sa.select(
                Complaint.severity,
                sa.func.count(),
                met(Complaint.first_response_met),
                decided(Complaint.first_response_met),
                met(Complaint.resolution_met),
                decided(Complaint.resolution_met),
            )
            .where(Complaint.created_at >= since, Complaint.created_at < until)
            .group_by(Complaint.severity)
        )
    }
    return [
        (severity.value, total, _pct(fr_met, fr_done), _pct(res_met, res_done))
        for severity in Severity
        if severity in rows
        for total, fr_met, fr_done, res_met, res_done in [rows[severity]]
    ]


def resolution_hours(since: datetime, until: datetime) -> tuple[float | None, float | None]:
    """Median and 90th percentile of the hours from receipt to resolution, for complaints resolved
    in the period (calendar hours, as the client lived them)."""
    hours = [
        (resolved - created).total_seconds() / 3600
        for created, resolved in db.session.execute(
            sa.select(Complaint.created_at, Complaint.resolved_at).where(
                Complaint.resolved_at >= since, Complaint.resolved_at < until
            )
        )
    ]
    if not hours:
        return None, None
    if len(hours) == 1:
        return round(hours[0], 1), round(hours[0], 1)
    ninetieth = statistics.quantiles(hours, n=10, method="inclusive")[-1]
    return round(statistics.median(hours), 1), round(ninetieth, 1)


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


def most_complained_about(since: datetime, until: datetime, *, limit: int = 10) -> list[tuple[str, str, int]]:
    """(reference, name, complaints received in the period) of the providers with the most."""
    counts = (
        sa.select(Complaint.provider_id, sa.func.count().label("complaints"))
        .where(
            Complaint.created_at >= since, Complaint.created_at < until, Complaint.provider_id.is_not(None)
        )
        .group_by(Complaint.provider_id)
        .order_by(sa.func.count().desc(), Complaint.provider_id)
        .limit(limit)
        .subquery()
    )
    rows = db.session.execute(
        sa.select(Provider, counts.c.complaints)
        .join(counts, counts.c.provider_id == Provider.id)
        .order_by(counts.c.complaints.desc(), Provider.id)
    )
    return [(provider.reference, provider.display_name, count) for provider, count in rows]


def provider_complaints(provider_id: int) -> list[tuple[str, int]]:
    """A provider's complaints ever received, per category (for the provider dossier)."""
    rows = db.session.execute(
        sa.select(Complaint.category, sa.func.count())
        .where(Complaint.provider_id == provider_id)
        .group_by(Complaint.category)
        .order_by(sa.func.count().desc(), Complaint.category)
    )
    return [(category.value, count) for category, count in rows]
