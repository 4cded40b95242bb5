"""Plain figures about complaints: for the compliance reports (periods are [since, until) in UTC;
tuples of plain values, so a report builder never touches this package's ORM objects) and the
support dashboard."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa

from console.business_time import PARIS
from console.cache import remember
from console.counts import QueueFigures, capped_count, queue_figures
from console.db import bucket_index, db, row_dict
from disputes.complaints import queues
from disputes.complaints import workflow as wf
from disputes.complaints.columns import SEVERITY_CLASSES
from disputes.complaints.models import Complaint, ComplaintEntry, Satisfaction
from disputes.complaints.workflow import Severity
from disputes.disputes import reporting as dispute_reporting
from marketplace.models import Provider
from reviews import reporting as review_reporting

# A complaint merged into another is the same problem told twice: the figures count the survivor only.
NOT_MERGED = Complaint.merged_into_id.is_(None)


def _pct(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def complaint_volumes(since: datetime, until: datetime) -> list[tuple[str, int]]:
    """Complaints received in the period, per category, the most frequent first."""
    rows = db.session.execute(
        sa.select(Complaint.category, sa.func.count())
        .where(Complaint.created_at >= since, Complaint.created_at < until, NOT_MERGED)
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
            .where(Complaint.created_at >= since, Complaint.created_at < until, NOT_MERGED)
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
                Complaint.resolved_at >= since, Complaint.resolved_at < until, NOT_MERGED
            )
        )
    ]
    if not hours:
        return None, None
    if len(hours) == 1:
        return round(hours[0], 1), round(hours[0], 1)
    ninetieth = statistics.quantiles(hours, n=10, method="inclusive")[-1]
    return round(statistics.median(hours), 1), round(ninetieth, 1)


def most_complained_about(since: datetime, until: datetime, *, limit: int = 10) -> list[tuple[str, str, int]]:
    """(reference, name, complaints received in the period) of the providers with the most."""
    counts = (
        sa.select(Complaint.provider_id, sa.func.count().label("complaints"))
        .where(
            Complaint.created_at >= since,
            Complaint.created_at < until,
            Complaint.provider_id.is_not(None),
            NOT_MERGED,
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
        .where(Complaint.provider_id == provider_id, NOT_MERGED)
        .group_by(Complaint.category)
        .order_by(sa.func.count().desc(), Complaint.category)
    )
    return [(category.value, count) for category, count in rows]


# --- the support dashboard -------------------------------------------------------------------


def satisfaction(since: datetime, until: datetime, *, by: str) -> list[tuple[str, int, float]]:
    """Ratings answered in [since, until) per agent (`by="agent"`: the assignee's name, "" for none)
    or per category (`by="category"`): (key, ratings, mean score 1-5), most rated first."""
    from console.auth.models import StaffUser

    key = sa.func.coalesce(StaffUser.full_name, "") if by == "agent" else Complaint.category
    query = (
        sa.select(key, sa.func.count(), sa.func.avg(Satisfaction.score))
        .select_from(Satisfaction)
        .join(Complaint, Complaint.id == Satisfaction.complaint_id)
        .where(Satisfaction.answered_at >= since, Satisfaction.answered_at < until)
        .group_by(key)
        .order_by(sa.func.count().desc(), key)
    )
    if by == "agent":
        query = query.outerjoin(StaffUser, StaffUser.id == Complaint.assignee_id)
    return [
        (getattr(k, "value", k) or "", n, round(float(mean), 2)) for k, n, mean in db.session.execute(query)
    ]


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


def dashboard(*, now: datetime, cache_seconds: int = 0) -> dict[str, Any]:
    """What the support dashboard shows. The queue and moderation counts are read live (capped,
    indexed); the aggregates that grow with the activity (open complaints by severity and state,
    this week's SLA attainment, 30 days of ratings) are computed at most once per `cache_seconds`
    and kept in Redis, so a team refreshing the page does not recompute them each time."""
    since = week_start(now)
    figures = remember(
        f"support:dashboard:{since.date().isoformat()}", cache_seconds, lambda: _dashboard_figures(now)
    )
    disputes = dispute_reporting.undecided_counts()
    return {
        "now": now,
        "week_start": since,
        "computed_at": datetime.fromisoformat(figures["computed_at"]),
        "open": figures["open"],
        "open_statuses": [s.value for s in wf.OPEN_STATUSES_ORDER],
        "open_total": figures["open_total"],
        "first_response": tuple(figures["first_response"]),
        "resolution": tuple(figures["resolution"]),
        "breached": capped_count(
            sa.select(Complaint.id).where(queues.queue_condition("breached", user_id=None, now=now))
        ),
        "at_risk": capped_count(
            sa.select(Complaint.id).where(queues.queue_condition("at_risk", user_id=None, now=now))
        ),
        "disputes_open": disputes["open"],
        "disputes_awaiting": disputes["awaiting_decision"],
        "reviews_pending": review_reporting.reviews_pending(),
        "flags_open": review_reporting.reviews_flagged(),
        "satisfaction_agents": [tuple(row) for row in figures["satisfaction_agents"]],
        "satisfaction_categories": [tuple(row) for row in figures["satisfaction_categories"]],
    }


def _dashboard_figures(now: datetime) -> dict[str, Any]:
    """The dashboard's aggregates, as plain JSON values."""
    by_state: dict[str, dict[str, int]] = {s.value: {} for s in Severity}
    rows = db.session.execute(
        sa.select(Complaint.severity, Complaint.status, sa.func.count())
        .where(queues.queue_condition("open", user_id=None, now=now))
        .group_by(Complaint.severity, Complaint.status)
    )
    for severity, status, count in rows:
        by_state[severity.value][status.value] = count
    since = week_start(now)
    return {
        "computed_at": now.isoformat(),
        "open": by_state,
        "open_total": sum(sum(v.values()) for v in by_state.values()),
        "first_response": _attainment(Complaint.first_response_at, Complaint.first_response_met, since),
        "resolution": _attainment(Complaint.resolved_at, Complaint.resolution_met, since),
        # satisfaction over the last 30 days, per agent and per category
        "satisfaction_agents": satisfaction(now - timedelta(days=30), now, by="agent"),
        "satisfaction_categories": satisfaction(now - timedelta(days=30), now, by="category"),
    }


# --- the home page: queue cards and charts ------------------------------------------------------

BACKLOG_AGES_DAYS = (30, 7, 3, 1)  # buckets: over 30 days, 7-30, 3-7, 1-3, under a day


def queue_card(queue: str, *, user_id: int | None, now: datetime) -> QueueFigures:
    """A support queue's size and the reception time of its oldest complaint."""
    condition = queues.queue_condition(queue, user_id=user_id, now=now)
    return queue_figures(Complaint, condition, Complaint.created_at)


def sla_attainment_by_week(starts: list[datetime], until: datetime) -> dict[str, list[tuple[int, int]]]:
    """Resolutions within the SLA, per severity and week (`starts`: the weeks' first moments):
    {severity: [(resolved in time, resolved), one per week]}; a week counts the complaints resolved
    in it (indexed on resolved_at)."""
    week = bucket_index(Complaint.resolved_at, starts).label("week")
    resolved = (
        sa.select(Complaint.severity, week, Complaint.resolution_met)
        .where(
            Complaint.resolved_at >= starts[0],
            Complaint.resolved_at < until,
            Complaint.resolution_met.is_not(None),
        )
        .subquery()
    )
    figures = {severity.value: [(0, 0)] * len(starts) for severity in Severity}
    rows = db.session.execute(
        sa.select(
            resolved.c.severity,
            resolved.c.week,
            sa.func.count().filter(resolved.c.resolution_met.is_(True)),
            sa.func.count(),
        ).group_by(resolved.c.severity, resolved.c.week)
    )
    for severity, index, on_time, total in rows:
        figures[severity.value][index] = (on_time, total)
    return figures


def backlog_by_age(now: datetime) -> dict[str, list[int]]:
    """Open complaints per severity and age since reception: {severity: [over 30 days, 7-30 days,
    3-7 days, 1-3 days, under a day]} (indexed on status and created_at)."""
    starts = [now - timedelta(days=days) for days in BACKLOG_AGES_DAYS]
    age = bucket_index(Complaint.created_at, starts).label("age")
    open_now = sa.select(Complaint.severity, age).where(Complaint.status.in_(wf.OPEN_STATUSES)).subquery()
    figures = {severity.value: [0] * (len(starts) + 1) for severity in Severity}
    rows = db.session.execute(
        sa.select(open_now.c.severity, open_now.c.age, sa.func.count()).group_by(
            open_now.c.severity, open_now.c.age
        )
    )
    for severity, index, count in rows:
        figures[severity.value][index + 1] = count
    return figures


# --- the subject access export and erasure (privacy/) ---


def person_complaints(kind: str, person_id: int) -> list[dict[str, Any]]:
    """The complaints about or by this person, each with its messages and notes."""
    column = Complaint.provider_id if kind == "provider" else Complaint.client_id
    complaints = db.session.scalars(
        sa.select(Complaint).where(column == person_id).order_by(Complaint.id)
    ).all()
    entries = db.session.scalars(
        sa.select(ComplaintEntry)
        .where(ComplaintEntry.complaint_id.in_([c.id for c in complaints]))
        .order_by(ComplaintEntry.id)
    ).all()
    by_complaint: dict[int, list[dict[str, Any]]] = {}
    for entry in entries:
        by_complaint.setdefault(entry.complaint_id, []).append(row_dict(entry))
    return [
        {
            "reference": c.reference,
            **row_dict(c, exclude=("version",)),
            "messages": by_complaint.get(c.id, []),
        }
        for c in complaints
    ]


# --- the provider page: complaints card ---

CARD_COMPLAINTS = 5


@dataclass(frozen=True)
class ComplaintLine:
    id: int
    reference: str
    subject: str
    category: str
    severity: str
    severity_class: str  # the chip's colour, as in the queues
    status: str
    open: bool
    created_at: datetime


@dataclass(frozen=True)
class ComplaintsCard:
    open: int
    total: int
    safety: int  # complaints in a safety category, all time
    last: list[ComplaintLine]  # the latest CARD_COMPLAINTS, the newest first


def provider_complaints_card(provider_id: int) -> ComplaintsCard:
    """Open and total complaints about the provider and the latest ones: one statement (the counts
    are window aggregates over all of them, computed before the limit)."""
    is_open = Complaint.status.in_(wf.OPEN_STATUSES)
    rows = db.session.execute(
        sa.select(
            Complaint.id,
            Complaint.subject,
            Complaint.category,
            Complaint.severity,
            Complaint.status,
            Complaint.created_at,
            sa.func.count().over(),
            sa.func.count().filter(is_open).over(),
            sa.func.count().filter(Complaint.category.in_(wf.SAFETY_CATEGORIES)).over(),
        )
        .where(Complaint.provider_id == provider_id)
        .order_by(Complaint.created_at.desc(), Complaint.id.desc())
        .limit(CARD_COMPLAINTS)
    ).all()
    last = [
        ComplaintLine(
            cid,
            f"{Complaint.REFERENCE_PREFIX}-{cid:0{Complaint.REFERENCE_WIDTH}d}",
            subject,
            wf.Category(category).label,
            wf.Severity(severity).label,
            SEVERITY_CLASSES[wf.Severity(severity).value],
            wf.Status(status).label,
            wf.Status(status) in wf.OPEN_STATUSES,
            created_at,
        )  # fmt: skip
        for cid, subject, category, severity, status, created_at, *_counts in rows
    ]
    total, open_, safety = rows[0][-3:] if rows else (0, 0, 0)
    return ComplaintsCard(open=open_, total=total, safety=safety, last=last)
