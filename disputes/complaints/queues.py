"""The support queues: each queue's condition on Complaint, and the SLA timer columns they read."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from console.counts import capped_count
from console.domain import DomainError, _
from console.i18n import lazy_gettext as _l
from disputes.complaints import workflow as wf
from disputes.complaints.models import Complaint, Timer

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
    "all": _l("All complaints"),
    "mine": _l("My complaints"),
    "unassigned": _l("Unassigned"),
    "at_risk": _l("At risk"),
    "breached": _l("Breached"),
    "waiting": _l("Waiting"),
}


def _timer_at_risk(timer: Timer, now: datetime):
    at_risk, due, met = TIMER_COLUMNS[timer]
    return sa.and_(met.is_(None), at_risk <= now, sa.or_(due.is_(None), due > now))


def queue_condition(queue: str, *, user_id: int | None, now: datetime):
    """The rows of one support queue, as a SQL condition on Complaint."""
    # Written as "not done", the very predicate of the partial indexes over open complaints, so the
    # planner reads those indexes alone (an IN list would tempt it to AND in the status index).
    is_open = Complaint.status.not_in(sorted(set(wf.Status) - wf.OPEN_STATUSES))
    match queue:
        case "all":
            return sa.true()
        case "open":
            return is_open
        case "mine":
            return sa.and_(is_open, Complaint.assignee_id == user_id)
        case "unassigned":
            return sa.and_(is_open, Complaint.assignee_id.is_(None))
        case "at_risk":  # not breached yet (a breached complaint is in Breached), and inside a risk window
            return sa.and_(
                is_open, Complaint.next_breach_at > now, sa.or_(*(_timer_at_risk(t, now) for t in Timer))
            )
        case "breached":  # the earliest running deadline is past: a range of the queues' order index
            return sa.and_(is_open, Complaint.next_breach_at <= now)
        case "waiting":
            return Complaint.status.in_(wf.WAITING)
    raise DomainError(_("Unknown queue %(queue)r.", queue=queue))


def count_complaints(condition) -> int:
    """The number of complaints matching `condition`, stopping past COUNT_CAP."""
    return capped_count(sa.select(Complaint.id).where(condition))
