"""Read-only figures about restrictions and proposals for other packages. Plain values only."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from console.counts import QueueFigures, queue_figures
from console.db import db
from restrictions import workflow as wf
from restrictions.models import Restriction, RestrictionProposal, reason_label
from restrictions.workflow import ProposalStatus, Source


def providers_already_handled(
    *, source: Source, reason_code: str, provider_ids: Iterable[int] | None = None
) -> set[int]:
    """Providers (all, or those of `provider_ids`, at most 1,000) with an open proposal from
    `source` or a restriction for `reason_code` in force (a new signal of the same kind opens
    nothing more for them)."""
    proposed = sa.select(RestrictionProposal.provider_id).where(
        RestrictionProposal.source == source, RestrictionProposal.status == ProposalStatus.OPEN
    )
    restricted = sa.select(Restriction.provider_id).where(
        Restriction.reason_code == reason_code, Restriction.ended_at.is_(None)
    )
    if provider_ids is not None:
        ids = list(provider_ids)
        proposed = proposed.where(RestrictionProposal.provider_id.in_(ids))
        restricted = restricted.where(Restriction.provider_id.in_(ids))
    return set(db.session.scalars(sa.union(proposed, restricted)))


# --- for the compliance reports ---


def insurance_proposals_opened(since: datetime, until: datetime) -> int:
    """Insurance-lapse proposals opened in [since, until)."""
    query = sa.select(sa.func.count()).where(
        RestrictionProposal.source == Source.INSURANCE,
        RestrictionProposal.created_at >= since,
        RestrictionProposal.created_at < until,
    )
    return int(db.session.scalar(query) or 0)


def _codes(query) -> dict[int, list[str]]:
    found: dict[int, list[str]] = defaultdict(list)
    for provider_id, code in db.session.execute(query):
        found[provider_id].append(code)
    return found


def active_restriction_codes() -> dict[int, list[str]]:
    """The reason codes of each provider's active restrictions."""
    return _codes(
        sa.select(Restriction.provider_id, Restriction.reason_code).where(Restriction.ended_at.is_(None))
    )


def open_proposal_codes() -> dict[int, list[str]]:
    """The reason codes of each provider's open proposals."""
    return _codes(
        sa.select(RestrictionProposal.provider_id, RestrictionProposal.reason_code).where(
            RestrictionProposal.status == ProposalStatus.OPEN
        )
    )


@dataclass(frozen=True)
class RestrictionSummary:
    id: int
    reason_code: str
    started_at: datetime
    decided_by: str
    ended_at: datetime | None
    ended_by: str | None  # None while active
    review_requested_at: datetime | None
    review_outcome: str | None
    statement: str = ""  # the statement of reasons given to the provider


@dataclass(frozen=True)
class ProposalSummary:
    id: int
    reason_code: str
    source: str
    created_at: datetime
    status: str


def provider_restrictions(provider_id: int) -> list[RestrictionSummary]:
    """Every restriction of the provider, the oldest first."""
    rows = db.session.scalars(
        sa.select(Restriction).where(Restriction.provider_id == provider_id).order_by(Restriction.started_at)
    ).all()
    return [
        RestrictionSummary(
            r.id,
            r.reason_code,
            r.started_at,
            r.decided_by.full_name,
            r.ended_at,
            r.ended_by.full_name if r.ended_by else None,
            r.review_requested_at,
            r.review_outcome.value if r.review_outcome else None,
            r.statement or "",
        )  # fmt: skip
        for r in rows
    ]


def provider_proposals(provider_id: int) -> list[ProposalSummary]:
    """Every restriction proposal about the provider, the oldest first."""
    rows = db.session.scalars(
        sa.select(RestrictionProposal)
        .where(RestrictionProposal.provider_id == provider_id)
        .order_by(RestrictionProposal.created_at)
    ).all()
    return [ProposalSummary(p.id, p.reason_code, p.source.value, p.created_at, p.status.value) for p in rows]


def last_restriction_end(provider_id: int) -> datetime | None:
    """When the provider's most recently ended restriction ended (None if none ever ended)."""
    return db.session.scalar(
        sa.select(sa.func.max(Restriction.ended_at)).where(Restriction.provider_id == provider_id)
    )


def restriction_under_review(provider_id: int) -> list[int]:
    """The provider's restrictions whose review was asked and is not decided yet (a legal hold)."""
    return list(
        db.session.scalars(
            sa.select(Restriction.id).where(
                Restriction.provider_id == provider_id,
                Restriction.review_requested_at.is_not(None),
                Restriction.review_decided_at.is_(None),
            )
        )
    )


# --- the decision queue (its list and the home page's card) -------------------------------------


def open_proposals_condition(roles) -> sa.ColumnElement[bool]:
    """The open proposals staff with `roles` may decide, as SQL (the same rule as services.may_decide)."""
    sources = wf.decidable_sources(roles)
    condition = RestrictionProposal.status == ProposalStatus.OPEN
    if sources != frozenset(Source):
        condition = sa.and_(condition, RestrictionProposal.source.in_(sources))
    return condition


def open_proposals_card(roles) -> QueueFigures:
    """The proposals waiting for these roles' decision, and when the oldest was opened."""
    return queue_figures(RestrictionProposal, open_proposals_condition(roles), RestrictionProposal.created_at)


# --- the provider page: restrictions and proposals card ---

CARD_ROWS = 5


@dataclass(frozen=True)
class RestrictionLine:
    id: int
    reason: str
    started_at: datetime
    ended_at: datetime | None
    review_requested: bool


@dataclass(frozen=True)
class ProposalLine:
    id: int
    reason: str
    source: str
    created_at: datetime
    due_at: datetime
    evidence: list[str]


@dataclass(frozen=True)
class RestrictionsCard:
    active: list[RestrictionLine]  # the restrictions in force, the oldest first
    ended: int  # restrictions that ended, all time
    last_ended: RestrictionLine | None
    proposals: list[ProposalLine]  # open proposals, the most urgent first (at most CARD_ROWS)
    open_proposals: int


def provider_restrictions_card(provider_id: int) -> RestrictionsCard:
    """Restrictions in force, the last ended one and open proposals: two statements."""
    in_force = Restriction.ended_at.is_(None)
    numbered = (
        sa.select(
            Restriction.id,
            Restriction.reason_code,
            Restriction.started_at,
            Restriction.ended_at,
            Restriction.review_requested_at,
            sa.func.count().filter(~in_force).over().label("ended"),
            # in force: by start; ended: the latest end first
            sa.func.row_number()
            .over(partition_by=in_force, order_by=(Restriction.ended_at.desc(), Restriction.started_at))
            .label("n"),
        )  # fmt: skip
        .where(Restriction.provider_id == provider_id)
        .subquery()
    )
    rows = db.session.execute(
        sa.select(numbered)
        .where(
            sa.or_(
                sa.and_(numbered.c.ended_at.is_(None), numbered.c.n <= CARD_ROWS),
                sa.and_(numbered.c.ended_at.is_not(None), numbered.c.n == 1),
            )
        )
        .order_by(numbered.c.started_at)
    ).all()
    active = [row[:5] for row in rows if row.ended_at is None]
    last = next((row[:5] for row in rows if row.ended_at is not None), None)
    ended = rows[0].ended if rows else 0
    is_open = sa.and_(
        RestrictionProposal.provider_id == provider_id, RestrictionProposal.status == ProposalStatus.OPEN
    )
    proposals = db.session.execute(
        sa.select(
            RestrictionProposal.id,
            RestrictionProposal.reason_code,
            RestrictionProposal.source,
            RestrictionProposal.created_at,
            RestrictionProposal.due_at,
            RestrictionProposal.evidence,
            sa.func.count().over(),
        )  # fmt: skip
        .where(is_open)
        .order_by(RestrictionProposal.due_at, RestrictionProposal.id)
        .limit(CARD_ROWS)
    ).all()
    return RestrictionsCard(
        active=[_restriction_line(row) for row in active],
        ended=int(ended or 0),
        last_ended=_restriction_line(last) if last else None,
        proposals=[
            ProposalLine(pid, reason_label(code), Source(source).label, created, due, list(evidence or []))
            for pid, code, source, created, due, evidence, _n in proposals
        ],
        open_proposals=proposals[0][-1] if proposals else 0,
    )


def _restriction_line(row) -> RestrictionLine:
    rid, code, started_at, ended_at, review_requested_at = row
    return RestrictionLine(rid, reason_label(code), started_at, ended_at, review_requested_at is not None)
