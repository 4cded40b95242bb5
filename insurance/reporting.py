"""Read-only insurance figures for other packages: cover on a day, the expiry board, a provider's policies.

The one definition of "verified cover on day D" (`cover_includes`, `covered_on`) and of the expiring
window (`EXPIRING_WITHIN_DAYS`, from insurance.workflow; other packages read it here) used by the
insurance screens and the reports. Besides those two SQL expressions, the functions return plain
values (tuples, dataclasses), never ORM objects.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import ColumnElement

from console.business_time import PARIS, paris_today
from console.counts import QueueFigures, queue_figures
from console.db import db, utcnow
from insurance import workflow as wf
from insurance.models import InsuranceCover, InsurancePolicy
from insurance.workflow import EXPIRING_WITHIN_DAYS, InsuranceStatus, Period, Verification
from marketplace.models import Booking, BookingStatus, Provider, VettingStatus

# --- cover and expiry ---------------------------------------------------------------------------


def today() -> date:
    """The day in France now: the day insurance cover is counted in."""
    return paris_today(utcnow())


def cover_includes(cover: Any, day: Any) -> ColumnElement[bool]:
    """A merged cover row (InsuranceCover or an alias of it) includes `day` (a date or a SQL date)."""
    return sa.and_(cover.starts_on <= day, cover.ends_on >= day)


def covered_on(day: Any, provider_id_column: Any = Provider.id) -> ColumnElement[bool]:
    """The provider in `provider_id_column` has verified RC Pro cover on `day` (a correlated EXISTS)."""
    cover = aliased(InsuranceCover)
    return sa.exists().where(cover.provider_id == provider_id_column, cover_includes(cover, day))


def periods_by_provider(
    provider_ids: list[int] | None = None, *, between: tuple[int, int] | None = None
) -> dict[int, list[tuple[int, Period]]]:
    """Verified policies as (policy id, period), per provider (these, those with an id in
    `between`, or all): one query."""
    query = sa.select(
        InsurancePolicy.provider_id, InsurancePolicy.id, InsurancePolicy.starts_on, InsurancePolicy.ends_on
    ).where(InsurancePolicy.verification == Verification.VERIFIED)
    if provider_ids is not None:
        query = query.where(InsurancePolicy.provider_id.in_(provider_ids))
    if between is not None:
        query = query.where(InsurancePolicy.provider_id.between(*between))
    result: dict[int, list[tuple[int, Period]]] = defaultdict(list)
    for provider_id, policy_id, starts_on, ends_on in db.session.execute(query):
        result[provider_id].append((policy_id, Period(starts_on, ends_on)))
    return result


def provider_status(provider_id: int, day: date) -> InsuranceStatus:
    """valid, expiring, expired or none on `day`, from the provider's verified policies."""
    periods = periods_by_provider([provider_id]).get(provider_id, [])
    return wf.status_on(day, [p for _, p in periods])


def cover_label(day: date, cover_end: date | None, lapsed: bool) -> str:
    """The status word (valid, expiring, expired, none) for a provider whose cover on `day` ends on
    `cover_end` (None: not covered); `lapsed`: a cover ended before `day`."""
    return wf.cover_status(day, cover_end, lapsed).value


def cover_ends(day: date) -> dict[int, date]:
    """The last day of the cover each covered provider has on `day`."""
    query = sa.select(InsuranceCover.provider_id, InsuranceCover.ends_on).where(
        cover_includes(InsuranceCover, day)
    )
    return dict(db.session.execute(query).all())


def covered_before(day: date) -> set[int]:
    """Providers that had a verified cover ending before `day`."""
    query = sa.select(InsuranceCover.provider_id).where(InsuranceCover.ends_on < day).distinct()
    return set(db.session.scalars(query))


def insured_approved_count(day: date) -> tuple[int, int]:
    """(approved providers covered on `day`, approved providers)."""
    approved = Provider.vetting_status == VettingStatus.APPROVED
    count = sa.select(sa.func.count()).select_from(Provider).where(approved)
    return int(db.session.scalar(count.where(covered_on(day))) or 0), int(db.session.scalar(count) or 0)


def uninsured_bookings(since: datetime, until: datetime) -> int:
    """Bookings in [since, until) (not cancelled) on a day their provider had no verified cover."""
    day = sa.func.date(Booking.scheduled_start)
    query = sa.select(sa.func.count()).where(
        Booking.scheduled_start >= since,
        Booking.scheduled_start < until,
        Booking.status != BookingStatus.CANCELLED,
        ~covered_on(day, Booking.provider_id),
    )
    return int(db.session.scalar(query) or 0)


# The expiry board: cover ending within 7, 14 or EXPIRING_WITHIN_DAYS days, lapsed, uninsured with bookings.
ENDING_WINDOWS = (7, 14, EXPIRING_WITHIN_DAYS)
EXPIRING_WINDOW = str(EXPIRING_WITHIN_DAYS)


@dataclass(frozen=True)
class ExpiryRow:
    provider_id: int
    day: date  # cover end (7/14/30, expired) or the next booking's day (exposure)
    policy_id: int | None = None  # the policy whose end is `day`
    bookings: int = 0  # exposure: scheduled bookings from today on
    next_booking: datetime | None = None


@dataclass
class Board:
    today: date
    rows: dict[str, list[ExpiryRow]]

    @property
    def counts(self) -> dict[str, int]:
        return {window: len(rows) for window, rows in self.rows.items()}


def _approved_cover_provider() -> ColumnElement[bool]:
    return sa.exists().where(
        Provider.id == InsuranceCover.provider_id, Provider.vetting_status == VettingStatus.APPROVED
    )


BOARD_TABS = (*(str(w) for w in ENDING_WINDOWS), "expired", "exposure")


def build_board(day: date) -> Board:
    """Every tab's rows (the expiry report and the CSV export): indexed queries, no per-provider work."""
    return Board(day, {tab: board_tab(day, tab) for tab in BOARD_TABS})


def board_tab(day: date, tab: str) -> list[ExpiryRow]:
    """One tab's rows: the page shows one tab at a time, the others by their counts."""
    approved = _approved_cover_provider()
    if tab == "expired":
        return _expired(day, approved)
    if tab == "exposure":
        return _exposure(day)
    ending_query = (
        sa.select(InsuranceCover.provider_id, InsuranceCover.ends_on, InsuranceCover.policy_id)
        .where(cover_includes(InsuranceCover, day))
        .where(InsuranceCover.ends_on <= day + timedelta(days=int(tab)), approved)
        .order_by(InsuranceCover.ends_on, InsuranceCover.provider_id)
    )
    return [ExpiryRow(pid, end, policy_id) for pid, end, policy_id in db.session.execute(ending_query)]


def _expired(day: date, approved) -> list[ExpiryRow]:
    """Providers whose last cover ended before `day`, with no cover today: the latest lapse first."""
    lapsed = (
        sa.select(
            InsuranceCover.provider_id.label("provider_id"), sa.func.max(InsuranceCover.ends_on).label("end")
        )
        .where(InsuranceCover.ends_on < day, approved, ~covered_on(day, InsuranceCover.provider_id))
        .group_by(InsuranceCover.provider_id)
        .subquery()
    )
    query = sa.select(lapsed.c.provider_id, lapsed.c.end, InsuranceCover.policy_id).join(
        InsuranceCover,
        sa.and_(InsuranceCover.provider_id == lapsed.c.provider_id, InsuranceCover.ends_on == lapsed.c.end),
    )
    rows = [ExpiryRow(pid, end, policy_id) for pid, end, policy_id in db.session.execute(query)]
    rows.sort(key=lambda r: (r.day, r.provider_id), reverse=True)
    return rows


def _exposure(day: date) -> list[ExpiryRow]:
    """Approved providers without cover today that still have scheduled bookings from today on.

    Uncovered providers are few: their bookings are read through the (provider, start) index in
    bounded batches, rather than by scanning every future booking.
    """
    day_start = datetime.combine(day, time.min, tzinfo=PARIS).astimezone(UTC)
    uncovered = list(
        db.session.scalars(
            sa.select(Provider.id).where(
                Provider.vetting_status == VettingStatus.APPROVED, ~covered_on(day, Provider.id)
            )
        )
    )
    rows = []
    for chunk in range(0, len(uncovered), 1000):
        query = (
            sa.select(Booking.provider_id, sa.func.count(), sa.func.min(Booking.scheduled_start))
            .where(
                Booking.provider_id.in_(uncovered[chunk : chunk + 1000]),
                Booking.status == BookingStatus.SCHEDULED,
                Booking.scheduled_start >= day_start,
            )
            .group_by(Booking.provider_id)
        )
        rows += [
            ExpiryRow(pid, paris_today(first), bookings=count, next_booking=first)
            for pid, count, first in db.session.execute(query)
        ]
    rows.sort(key=lambda r: (r.next_booking, r.provider_id))
    return rows


# --- the provider register -------------------------------------------------------------------------


def latest_insurers() -> dict[int, str]:
    """Each provider's insurer on its latest verified policy (by end of cover)."""
    query = (
        sa.select(InsurancePolicy.provider_id, InsurancePolicy.insurer)
        .where(InsurancePolicy.verification == Verification.VERIFIED)
        .order_by(InsurancePolicy.provider_id, InsurancePolicy.ends_on)
        .execution_options(yield_per=5000)
    )
    return dict(db.session.execute(query).all())  # the last row of each provider wins


def uncovered_since(day: date) -> dict[int, date]:
    """The first uncovered day of each provider whose last verified cover ended before `day`."""
    query = sa.select(InsuranceCover.provider_id, sa.func.max(InsuranceCover.ends_on)).group_by(
        InsuranceCover.provider_id
    )
    return {pid: end + timedelta(days=1) for pid, end in db.session.execute(query) if end < day}


def exposed_bookings(day: date) -> dict[int, int]:
    """Scheduled bookings from `day` on of each approved provider without cover on `day`."""
    return {row.provider_id: row.bookings for row in _exposure(day)}


# --- a provider's policies (the provider dossier) -------------------------------------------------


@dataclass(frozen=True)
class PolicySummary:
    id: int
    insurer: str
    policy_number: str
    starts_on: date
    ends_on: date
    coverage_per_claim_cents: int
    currency: str
    verification: str
    verified_by: str  # the deciding officer's name, "" while pending
    verified_at: datetime | None

    def __str__(self) -> str:
        return f"{self.insurer} {self.policy_number}"


def _summary(p: InsurancePolicy) -> PolicySummary:
    return PolicySummary(
        p.id,
        p.insurer,
        p.policy_number,
        p.starts_on,
        p.ends_on,
        p.coverage_per_claim_cents,
        p.currency,
        p.verification.value,
        p.verified_by.full_name if p.verified_by else "",
        p.verified_at,
    )  # fmt: skip


def provider_policies(provider_id: int) -> list[PolicySummary]:
    """Every policy registered for the provider, oldest cover first."""
    policies = db.session.scalars(
        sa.select(InsurancePolicy)
        .where(InsurancePolicy.provider_id == provider_id)
        .order_by(InsurancePolicy.starts_on)
    ).all()
    return [_summary(p) for p in policies]


# --- for disputes (damage claims) ---


def verified_policy_covering(provider_id: int, day: date) -> int | None:
    """The id of the provider's verified RC Pro policy covering `day` (the latest-ending), if any."""
    return db.session.scalar(
        sa.select(InsurancePolicy.id)
        .where(
            InsurancePolicy.provider_id == provider_id,
            InsurancePolicy.verification == Verification.VERIFIED,
            cover_includes(InsurancePolicy, day),
        )
        .order_by(InsurancePolicy.ends_on.desc())
        .limit(1)
    )


def policy_summary(policy_id: int | None) -> PolicySummary | None:
    """A policy's insurer, number, dates and verification, or None when there is no such policy."""
    if policy_id is None:
        return None
    policy = db.session.get(InsurancePolicy, policy_id)
    return _summary(policy) if policy else None


# --- the home page ------------------------------------------------------------------------------


def certificates_card() -> QueueFigures:
    """Policies whose certificate waits for verification, and when the oldest was recorded."""
    condition = InsurancePolicy.verification == Verification.PENDING
    return queue_figures(InsurancePolicy, condition, InsurancePolicy.created_at)


def cover_by_day(days: list[date]) -> list[tuple[int, int]]:
    """(approved providers covered on the day, approved providers) for each of `days`: the share of
    approved providers with verified RC Pro cover, week after week. One pass over the cover rows
    that overlap the days (a provider's merged cover rows never overlap, so rows count providers)."""
    approved = Provider.vetting_status == VettingStatus.APPROVED
    covered = db.session.execute(
        sa.select(*(sa.func.count().filter(cover_includes(InsuranceCover, day)) for day in days))
        .select_from(InsuranceCover)
        .join(Provider, Provider.id == InsuranceCover.provider_id)
        .where(approved, InsuranceCover.ends_on >= min(days), InsuranceCover.starts_on <= max(days))
    ).one()
    total = int(db.session.scalar(sa.select(sa.func.count()).select_from(Provider).where(approved)) or 0)
    return [(int(count), total) for count in covered]


# --- the provider page: insurance card ---

CARD_POLICIES = 20


@dataclass(frozen=True)
class InsuranceCard:
    status: InsuranceStatus  # on `today`: valid, expiring, expired or none
    current: PolicySummary | None  # the verified policy covering today that ends last
    covered_until: date | None  # the end of the continuous cover that includes today
    lapsed_on: date | None  # not covered: the end of the last cover
    pending: list[PolicySummary]  # certificates waiting for verification


def provider_insurance(provider_id: int, today: date) -> InsuranceCard:
    """The provider's RC Pro cover on `today` and what comes next: one statement (the latest policies)."""
    policies = db.session.scalars(
        sa.select(InsurancePolicy)
        .where(InsurancePolicy.provider_id == provider_id)
        .order_by(InsurancePolicy.ends_on.desc(), InsurancePolicy.id.desc())
        .limit(CARD_POLICIES)
    ).all()
    verified = [p for p in policies if p.verification == Verification.VERIFIED]
    periods = [Period(p.starts_on, p.ends_on) for p in verified]
    until = wf.covered_until(today, periods)
    current = next((p for p in verified if p.starts_on <= today <= p.ends_on), None)
    return InsuranceCard(
        status=wf.status_on(today, periods),
        current=_card_summary(current) if current else None,
        covered_until=until,
        lapsed_on=wf.last_cover_end(today, periods) if until is None else None,
        pending=[_card_summary(p) for p in policies if p.verification == Verification.PENDING],
    )


def _card_summary(p: InsurancePolicy) -> PolicySummary:
    """A policy as the card shows it (the verifier's name is not read: no query per policy)."""
    return PolicySummary(
        p.id, p.insurer, p.policy_number, p.starts_on, p.ends_on, p.coverage_per_claim_cents, p.currency,
        p.verification.value, "", p.verified_at,
    )  # fmt: skip
