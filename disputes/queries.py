"""Read-only queries of the support screens: each queue's condition, the dashboard's numbers."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa

from console.business_time import PARIS
from console.db import db
from console.domain import DomainError
from disputes import workflow as wf
from disputes.models import Complaint, Dispute, ReviewFlag, Timer
from disputes.workflow import DisputeStatus, Severity
from marketplace.models import ModerationStatus, Review

# (at-risk moment, due moment, met) columns of each timer, as stored by services.refresh_sla.
TIMER_COLUMNS = {
    Timer.FIRST_RESPONSE: (
        Complaint.first_response_at_risk_at,
        Complaint.first_response_due_at,
        Complaint.first_response_met,
    ),
    Timer.RESOLUTION: (
        Complaint.resolution_at_risk_at,
        Complaint.resolution_due_at,
        Complaint.resolution_met,
    ),
}

QUEUES = {
    "all": "All complaints",
    "mine": "My complaints",
    "unassigned": "Unassigned",
    "at_risk": "At risk",
    "breached": "Breached",
    "waiting": "Waiting",
}


def _timer_at_risk(timer: Timer, now: datetime):
    at_risk, due, met = TIMER_COLUMNS[timer]
    return sa.and_(met.is_(None), at_risk <= now, sa.or_(due.is_(None), due > now))


def _timer_breached(timer: Timer, now: datetime):
    _, due, met = TIMER_COLUMNS[timer]
    return sa.and_(met.is_(None), due <= now)


def queue_condition(queue: str, *, user_id: int | None, now: datetime):
    """The rows of one support queue, as a SQL condition on Complaint."""
    is_open = Complaint.status.in_(wf.OPEN_STATUSES)
    match queue:
        case "all":
            return sa.true()
        case "mine":
            return sa.and_(is_open, Complaint.assignee_id == user_id)
        case "unassigned":
            return sa.and_(is_open, Complaint.assignee_id.is_(None))
        case "at_risk":
            return sa.and_(is_open, sa.or_(*(_timer_at_risk(t, now) for t in Timer)))
        case "breached":
            return sa.and_(is_open, sa.or_(*(_timer_breached(t, now) for t in Timer)))
        case "waiting":
            return Complaint.status.in_(wf.WAITING)
    raise DomainError(f"Unknown queue {queue!r}.")


def week_start(now: datetime) -> datetime:
    """Monday 00:00 in Paris of the week of `now`, in UTC."""
    local = now.astimezone(PARIS).date()
    monday = local - timedelta(days=local.weekday())
    return datetime.combine(monday, time(0), PARIS).astimezone(UTC)


def _attainment(done_at, met, since: datetime) -> tuple[int, int]:
    total, on_time = db.session.execute(
        sa.select(sa.func.count(), sa.func.count().filter(met.is_(True))).where(done_at >= since)
    ).one()
    return on_time, total


def dashboard(*, now: datetime) -> dict[str, Any]:
    """What the support dashboard shows: plain numbers, a handful of indexed queries."""
    by_state: dict[str, dict[str, int]] = {s.value: {} for s in Severity}
    rows = db.session.execute(
        sa.select(Complaint.severity, Complaint.status, sa.func.count())
        .where(Complaint.status.in_(wf.OPEN_STATUSES))
        .group_by(Complaint.severity, Complaint.status)
    )
    for severity, status, count in rows:
        by_state[severity.value][status.value] = count
    since = week_start(now)
    disputes = dict(
        db.session.execute(
            sa.select(Dispute.status, sa.func.count())
            .where(Dispute.status != DisputeStatus.DECIDED)
            .group_by(Dispute.status)
        ).all()
    )
    return {
        "now": now,
        "week_start": since,
        "open": by_state,
        "open_statuses": [s.value for s in wf.OPEN_STATUSES_ORDER],
        "open_total": sum(sum(v.values()) for v in by_state.values()),
        "first_response": _attainment(Complaint.first_response_at, Complaint.first_response_met, since),
        "resolution": _attainment(Complaint.resolved_at, Complaint.resolution_met, since),
        "breached": count_complaints(queue_condition("breached", user_id=None, now=now)),
        "at_risk": count_complaints(queue_condition("at_risk", user_id=None, now=now)),
        "disputes_open": disputes.get(DisputeStatus.OPEN, 0),
        "disputes_awaiting": disputes.get(DisputeStatus.AWAITING_DECISION, 0),
        "reviews_pending": db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Review)
            .where(Review.moderation_status == ModerationStatus.PENDING)
        ),
        "flags_open": db.session.scalar(
            sa.select(sa.func.count(sa.distinct(ReviewFlag.review_id))).where(
                ReviewFlag.resolved_at.is_(None)
            )
        ),
    }


def count_complaints(condition) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Complaint).where(condition)) or 0
