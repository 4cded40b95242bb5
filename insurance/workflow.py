"""Insurance rules: cover for a day, reminder steps, verification. Pure: no Flask, no database."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from console.domain import DomainError, _, events_from, translated_label
from console.formatting import format_money

EXPIRING_WITHIN_DAYS = 30


BEFORE_END_DAYS = (30, 14, 7, 1)
AFTER_END_EVERY_DAYS = 2
DEFAULT_MIN_COVERAGE_CENTS = 150_000_000  # 1.5 M EUR per claim


class InsuranceStatus(StrEnum):
    VALID = "valid"
    EXPIRING = "expiring"
    EXPIRED = "expired"
    NONE = "none"

    @translated_label
    def label(self) -> str:
        return {
            InsuranceStatus.VALID: _("valid"),
            InsuranceStatus.EXPIRING: _("expiring"),
            InsuranceStatus.EXPIRED: _("expired"),
            InsuranceStatus.NONE: _("none"),
        }[self]


class Verification(StrEnum):
    PENDING = "pending"
    VERIFIED = "verified"
    REJECTED = "rejected"

    @translated_label
    def label(self) -> str:
        return {
            Verification.PENDING: _("pending"),
            Verification.VERIFIED: _("verified"),
            Verification.REJECTED: _("rejected"),
        }[self]


class TransitionNotAllowed(DomainError):
    """The verification was already decided."""


VERIFICATION_TRANSITIONS = {
    (Verification.PENDING, "verify"): Verification.VERIFIED,
    (Verification.PENDING, "reject"): Verification.REJECTED,
}


CERTIFICATE_SEEN_ELSEWHERE = "certificate_seen_elsewhere"
SEEN_ELSEWHERE_DETAIL_MAX = 500


def verification_without_certificate(
    *, has_certificate: bool, reason: str | None, detail: str | None
) -> str | None:
    """Whether verifying may go ahead, and on what ground: None with an uploaded certificate, the
    reason code when the officer states it was seen elsewhere (with where and how), else refused."""
    if has_certificate:
        return None
    if reason != CERTIFICATE_SEEN_ELSEWHERE:
        raise DomainError(
            _(
                "No certificate was uploaded for this policy: upload it, or state that you saw the "
                "certificate elsewhere and say where."
            )
        )
    text = (detail or "").strip()
    if not text or len(text) > SEEN_ELSEWHERE_DETAIL_MAX:
        raise DomainError(
            _(
                "Say where you saw the certificate (at most %(limit)s characters).",
                limit=SEEN_ELSEWHERE_DETAIL_MAX,
            )
        )
    return CERTIFICATE_SEEN_ELSEWHERE


def allowed_verification_events(current: Verification) -> frozenset[str]:
    """What may be done with a policy's certificate now (the policy page offers only these)."""
    return frozenset(events_from(VERIFICATION_TRANSITIONS, current))


def next_verification(current: Verification, event: str) -> Verification:
    if (current, event) not in VERIFICATION_TRANSITIONS:
        raise TransitionNotAllowed(
            _("this certificate was already %(verification)s", verification=Verification(current).label)
        )
    return VERIFICATION_TRANSITIONS[current, event]


@dataclass(frozen=True)
class Period:
    starts_on: date
    ends_on: date  # inclusive: the policy covers this whole day


def merged(periods: Iterable[Period]) -> list[Period]:
    """Continuous covers: overlapping or successive policies (next starts the day after) chain."""
    chains: list[Period] = []
    for period in sorted(periods, key=lambda p: p.starts_on):
        if chains and period.starts_on <= chains[-1].ends_on + timedelta(days=1):
            last = chains[-1]
            chains[-1] = Period(last.starts_on, max(last.ends_on, period.ends_on))
        else:
            chains.append(period)
    return chains


def covered_until(day: date, periods: Iterable[Period]) -> date | None:
    """The last day of the continuous cover that includes `day`, or None."""
    for chain in merged(periods):
        if chain.starts_on <= day <= chain.ends_on:
            return chain.ends_on
    return None


def last_cover_end(day: date, periods: Iterable[Period]) -> date | None:
    """The end of the most recent cover that ended before `day` (None if never covered)."""
    ends = [p.ends_on for p in periods if p.ends_on < day and p.starts_on <= p.ends_on]
    return max(ends) if ends else None


def cover_status(day: date, cover_end: date | None, lapsed: bool) -> InsuranceStatus:
    """Covered on `day` until `cover_end`: valid, or expiring when it ends within EXPIRING_WITHIN_DAYS;
    not covered (`cover_end` None): expired when a cover ended before (`lapsed`), else none."""
    if cover_end is not None:
        return (
            InsuranceStatus.EXPIRING
            if cover_end - day <= timedelta(days=EXPIRING_WITHIN_DAYS)
            else InsuranceStatus.VALID
        )
    return InsuranceStatus.EXPIRED if lapsed else InsuranceStatus.NONE


def status_on(day: date, periods: Iterable[Period]) -> InsuranceStatus:
    """valid, expiring (cover ends within EXPIRING_WITHIN_DAYS), expired, or none, from verified policies."""
    periods = list(periods)
    until = covered_until(day, periods)
    return cover_status(day, until, until is None and last_cover_end(day, periods) is not None)


def reminder_step(day: date, cover_end: date) -> int | None:
    """The most recent reminder step due on `day` for cover ending `cover_end`.

    Steps are days relative to the end: -30, -14, -7, -1 before it, then +2, +4, +6, ... after.
    A sweep that runs late sends only the most recent step due, never the stale ones.
    """
    offset = (day - cover_end).days
    if offset <= 0:
        due = [-d for d in BEFORE_END_DAYS if -d <= offset]
        return max(due) if due else None
    step = offset - offset % AFTER_END_EVERY_DAYS
    return step if step >= AFTER_END_EVERY_DAYS else -min(BEFORE_END_DAYS)


REMINDER_WINDOW_DAYS = max(BEFORE_END_DAYS)  # the first reminder goes out this many days before the end


def reminder_to_send(day: date, cover_end: date, last_sent: int | None) -> int | None:
    """The reminder step to send on `day`: the most recent one due, unless it (or a later one) was
    sent for this cover already (`last_sent`). Steps only grow as days pass, so comparing with the
    last step sent is enough."""
    step = reminder_step(day, cover_end)
    return step if step is not None and (last_sent is None or step > last_sent) else None


def verification_flags(
    *,
    coverage_cents: int,
    min_coverage_cents: int,
    policy_siret: str,
    provider_siret: str,
    starts_on: date,
    ends_on: date,
    today: date,
) -> list[str]:
    """What the verifying officer must look at twice (shown on the verification screen)."""
    flags = []
    if coverage_cents < min_coverage_cents:
        flags.append(
            _("coverage below the minimum of %(amount)s per claim", amount=format_money(min_coverage_cents))
        )
    if policy_siret != provider_siret:
        flags.append(_("the insured SIRET differs from the provider's"))
    if not starts_on <= today <= ends_on:
        flags.append(_("the dates do not cover today"))
    return flags


def ensure_policy_values(
    *, coverage_cents: object, deductible_cents: object, starts_on: date, ends_on: date
) -> None:
    for name, value, minimum in ((_("coverage"), coverage_cents, 1), (_("deductible"), deductible_cents, 0)):
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise DomainError(
                _(
                    "The %(name)s must be a whole number of cents, at least %(minimum)s.",
                    name=name,
                    minimum=minimum,
                )
            )
    if ends_on < starts_on:
        raise DomainError(_("The end date is before the start date."))
