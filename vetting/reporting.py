"""Read-only vetting figures for other packages (the compliance reports). Plain values only."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa

from console.counts import QueueFigures, queue_figures
from console.db import bucket_index, db
from marketplace.models import Provider, VettingStatus
from vetting import workflow as wf
from vetting.models import VettingCase, VettingCheck
from vetting.workflow import FINAL, CaseStatus, CheckStatus, Round

# --- for the compliance reports ---


def _latest_revetting_due():
    """Per provider, the re-vetting due date of its latest approved case."""
    return (
        sa.select(VettingCase.provider_id, sa.func.max(VettingCase.revetting_due_on).label("due"))
        .where(VettingCase.status == CaseStatus.APPROVED)
        .group_by(VettingCase.provider_id)
    )


def revetting_due() -> dict[int, date]:
    """When each provider with an approved case is due for re-vetting."""
    return dict(db.session.execute(_latest_revetting_due()).all())


def revetting_overdue_count(day: date) -> int:
    """Approved providers whose re-vetting was due before `day`."""
    latest = _latest_revetting_due().subquery()
    query = (
        sa.select(sa.func.count())
        .select_from(latest)
        .join(Provider, Provider.id == latest.c.provider_id)
        .where(Provider.vetting_status == VettingStatus.APPROVED, latest.c.due < day)
    )
    return int(db.session.scalar(query) or 0)


def cases_decided(since: datetime, until: datetime) -> dict[str, int]:
    """Vetting cases decided in [since, until), per status ("approved", "rejected", ...)."""
    query = (
        sa.select(VettingCase.status, sa.func.count())
        .where(VettingCase.decided_at >= since, VettingCase.decided_at < until)
        .group_by(VettingCase.status)
    )
    return {status.value: count for status, count in db.session.execute(query)}


@dataclass(frozen=True)
class CheckSummary:
    kind: str
    status: str
    completed_by: str
    completed_at: datetime | None


@dataclass(frozen=True)
class CriminalRecord:
    """What the officer saw on the B3 extract (the extract itself is never kept)."""

    viewed_at: datetime
    issued_on: date
    outcome: str


@dataclass(frozen=True)
class CaseSummary:
    id: int
    reference: str
    round: str
    status: str
    opened_at: datetime | None
    decided_at: datetime | None
    checks: list[CheckSummary]
    criminal_record: CriminalRecord | None  # None: not viewed yet
    references_positive: int
    references_total: int


def _case_summary(case: VettingCase) -> CaseSummary:
    checks = [
        CheckSummary(
            c.kind.value, c.status.value, c.completed_by.full_name if c.completed_by else "", c.completed_at
        )
        for c in case.checks
    ]
    background = next((c for c in case.checks if c.kind.value == "background"), None)
    record = None
    if background is not None and background.b3_viewed:
        record = CriminalRecord(
            background.b3_viewed_at, background.b3_issue_date, background.b3_outcome.value
        )
    positive = sum(1 for r in case.references if r.status.value == "verified_positive")
    return CaseSummary(
        case.id, case.reference, case.round.value, case.status.value, case.opened_at, case.decided_at,
        checks, record, positive, len(case.references),
    )  # fmt: skip


def provider_cases(provider_id: int) -> list[CaseSummary]:
    """Every vetting case of the provider, the oldest first."""
    cases = db.session.scalars(
        sa.select(VettingCase).where(VettingCase.provider_id == provider_id).order_by(VettingCase.opened_at)
    ).all()
    return [_case_summary(case) for case in cases]


def last_decision_at(provider_id: int) -> datetime | None:
    """When the provider's latest vetting decision was taken (the integration API's "since when")."""
    return db.session.scalar(
        sa.select(sa.func.max(VettingCase.decided_at)).where(VettingCase.provider_id == provider_id)
    )


# --- the officers' queues (their lists and the home page's cards) ------------------------------

OPEN_CHECK = (CheckStatus.PENDING.value, CheckStatus.IN_PROGRESS.value)


def case_queue_condition(queue: str, *, now: datetime, user_id: int | None = None, per_case: bool = False):
    """The active cases of one queue ("mine": a check of `user_id` not completed, "unassigned",
    "awaiting", "ready", "overdue"), as SQL. `per_case`: the unassigned checks looked up case by
    case (OFFSET 0 keeps PostgreSQL from hashing every unassigned check first), for a capped count
    that stops after the cap whatever the number of unassigned checks."""
    active = VettingCase.status.in_([s.value for s in wf.ACTIVE])
    awaiting = VettingCase.status == CaseStatus.AWAITING_PROVIDER
    unassigned = sa.select(VettingCheck.id).where(
        VettingCheck.case_id == VettingCase.id,
        VettingCheck.assignee_id.is_(None),
        VettingCheck.status.in_(OPEN_CHECK),
    )
    conditions = {
        "mine": lambda: sa.exists().where(
            VettingCheck.case_id == VettingCase.id,
            VettingCheck.assignee_id == user_id,
            VettingCheck.status.in_(OPEN_CHECK),
        ),
        "unassigned": lambda: sa.and_(~awaiting, (unassigned.offset(0) if per_case else unassigned).exists()),
        "awaiting": lambda: awaiting,
        "ready": lambda: VettingCase.status == CaseStatus.READY,
        "overdue": lambda: sa.and_(~awaiting, VettingCase.due_at <= now),
    }
    return sa.and_(active, conditions[queue]())


def case_queue_card(queue: str, *, now: datetime, user_id: int | None = None) -> QueueFigures:
    """A case queue's size and when its oldest case was opened."""
    condition = case_queue_condition(queue, now=now, user_id=user_id, per_case=True)
    return queue_figures(VettingCase, condition, VettingCase.opened_at)


# --- the home page's charts -------------------------------------------------------------------

DECIDED = (CaseStatus.APPROVED, CaseStatus.REJECTED, CaseStatus.WITHDRAWN)


@dataclass(frozen=True)
class Throughput:
    decided: dict[str, list[int]]  # per final status, one count per week
    median_days: list[float | None]  # median days from opening to approval or rejection, per week


def decisions_by_week(starts: list[datetime], until: datetime) -> Throughput:
    """Cases decided per week (`starts`: the weeks' first moments) and final status, and the median
    days from opening to decision of those approved or rejected (indexed on decided_at)."""
    week = bucket_index(VettingCase.decided_at, starts).label("week")
    rows = db.session.execute(
        sa.select(week, VettingCase.status, VettingCase.opened_at, VettingCase.decided_at).where(
            VettingCase.decided_at >= starts[0], VettingCase.decided_at < until
        )
    )
    decided = {status.value: [0] * len(starts) for status in DECIDED}
    days: list[list[float]] = [[] for _ in starts]
    for index, status, opened_at, decided_at in rows:
        decided[status.value][index] += 1
        if status != CaseStatus.WITHDRAWN:
            days[index].append((decided_at - opened_at).total_seconds() / 86400)
    medians = [round(statistics.median(values), 1) if values else None for values in days]
    return Throughput(decided, medians)


# --- the provider page: vetting card ---

CARD_CASES = 5


@dataclass(frozen=True)
class CaseLine:
    id: int
    reference: str
    round: str
    status: str
    final: bool
    opened_at: datetime
    decided_at: datetime | None


@dataclass(frozen=True)
class VettingCard:
    cases: list[CaseLine]  # the latest first, at most CARD_CASES
    decision: CaseLine | None  # the latest decided case
    active: CaseLine | None  # the case under way, if any
    revetting_due_on: date | None
    revetting_overdue: bool


def provider_vetting(provider_id: int, today: date) -> VettingCard:
    """The provider's latest cases, its latest decision and when re-vetting is due: one statement."""
    due = _latest_revetting_due().where(VettingCase.provider_id == provider_id).subquery()
    rows = db.session.execute(
        sa.select(
            VettingCase.id,
            VettingCase.round,
            VettingCase.status,
            VettingCase.opened_at,
            VettingCase.decided_at,
            sa.select(due.c.due).scalar_subquery(),
        )
        .where(VettingCase.provider_id == provider_id)
        .order_by(VettingCase.opened_at.desc(), VettingCase.id.desc())
        .limit(CARD_CASES)
    ).all()
    cases = [
        CaseLine(
            case_id,
            f"{VettingCase.REFERENCE_PREFIX}-{case_id:0{VettingCase.REFERENCE_WIDTH}d}",
            Round(round_).label,
            CaseStatus(status).label,
            CaseStatus(status) in FINAL,
            opened_at,
            decided_at,
        )  # fmt: skip
        for case_id, round_, status, opened_at, decided_at, _due in rows
    ]
    due_on = rows[0][-1] if rows else None
    return VettingCard(
        cases=cases,
        decision=max((c for c in cases if c.decided_at), key=lambda c: c.decided_at, default=None),
        active=next((c for c in cases if not c.final), None),
        revetting_due_on=due_on,
        revetting_overdue=due_on is not None and due_on < today,
    )
