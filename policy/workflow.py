"""Rules of policy versions, cancellation terms and their announcement: pure Python, time passed in."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from console.domain import DomainError, _, translated_label


class VersionStatus(StrEnum):
    DRAFT = "draft"
    IN_REVIEW = "in_review"
    PUBLISHED = "published"

    @translated_label
    def label(self) -> str:
        return {
            VersionStatus.DRAFT: _("draft"),
            VersionStatus.IN_REVIEW: _("in review"),
            VersionStatus.PUBLISHED: _("published"),
        }[self]


TRANSITIONS = {
    (VersionStatus.DRAFT, "submit"): VersionStatus.IN_REVIEW,
    (VersionStatus.IN_REVIEW, "return"): VersionStatus.DRAFT,
    (VersionStatus.IN_REVIEW, "publish"): VersionStatus.PUBLISHED,
}


class TransitionNotAllowed(DomainError):
    """The workflow forbids this step from the version's status."""


class SamePerson(DomainError):
    """Four eyes: the person who drafted a version cannot publish it."""


def next_status(current: VersionStatus, event: str) -> VersionStatus:
    """Return the status after `event`, or raise if the workflow forbids it."""
    if (current, event) not in TRANSITIONS:
        raise TransitionNotAllowed(
            _("A version that is %(status)s cannot take this step.", status=VersionStatus(current).label)
        )
    return TRANSITIONS[current, event]


def ensure_publisher(*, drafted_by_id: int | None, publisher_id: int) -> None:
    """A second manager publishes: never the one who drafted the version."""
    if drafted_by_id == publisher_id:
        raise SamePerson(_("Another manager must publish a version you drafted."))


def ensure_effective_after(effective_at: datetime, *, now: datetime) -> None:
    """A version is published before it takes effect."""
    if effective_at <= now:
        raise DomainError(_("The effective date must be after the publication."))


# --- the text's difference from the previous version -------------------------------------------


@dataclass(frozen=True)
class DiffLine:
    kind: str  # "same", "added", "removed"
    text: str


def text_diff(previous: str, current: str) -> list[DiffLine]:
    """Line by line, what `current` removed from and added to `previous` (difflib)."""
    lines: list[DiffLine] = []
    for line in difflib.ndiff(previous.splitlines(), current.splitlines()):
        marker, text = line[:2], line[2:]
        if marker == "  ":
            lines.append(DiffLine("same", text))
        elif marker == "- ":
            lines.append(DiffLine("removed", text))
        elif marker == "+ ":
            lines.append(DiffLine("added", text))
    return lines


# --- cancellation fees ------------------------------------------------------------------------


@dataclass(frozen=True)
class FeeTier:
    """Cancelling with at least `notice_hours` of notice costs `percent` of the price."""

    notice_hours: int
    percent: int


def check_tiers(tiers: list[FeeTier], no_show_percent: int) -> None:
    """Tiers: distinct notice periods, percentages 0..100, never cheaper with less notice."""
    if not tiers:
        raise DomainError(_("Terms need at least one fee by notice period."))
    ordered = sorted(tiers, key=lambda t: t.notice_hours, reverse=True)
    if len({t.notice_hours for t in tiers}) != len(tiers) or any(t.notice_hours < 0 for t in tiers):
        raise DomainError(_("Each notice period appears once and is not negative."))
    percents = [t.percent for t in ordered] + [no_show_percent]
    if any(not 0 <= p <= 100 for p in percents):
        raise DomainError(_("A fee is 0 to 100 percent of the price."))
    if percents != sorted(percents):
        raise DomainError(_("Less notice never costs less."))


def cancellation_fee_cents(
    *,
    price_cents: int,
    tiers: list[FeeTier],
    no_show_percent: int,
    scheduled_start: datetime,
    cancelled_at: datetime | None,
) -> int:
    """The most the terms allow to charge for a cancellation at `cancelled_at` (None: a no-show).

    Notice is the time left before the start: a tier applies from exactly `notice_hours` before
    (cancelling exactly 24 h before a start with "free from 24 h" is free). Cancelling at or after
    the start, or not cancelling at all, is a no-show. Rounded down to the cent (never above)."""
    if cancelled_at is None or cancelled_at >= scheduled_start:
        percent = no_show_percent
    else:
        notice = scheduled_start - cancelled_at
        eligible = [t for t in tiers if notice.total_seconds() >= t.notice_hours * 3600]
        percent = min((t.percent for t in eligible), default=no_show_percent)
    return price_cents * percent // 100


def claim_above_terms(claimed_cents: int, allowed_cents: int) -> bool:
    """A cancellation-fee claim above what the terms allowed."""
    return claimed_cents > allowed_cents


# --- announcing a significant change -------------------------------------------------------------


class CampaignStatus(StrEnum):
    RUNNING = "running"
    DONE = "done"

    @translated_label
    def label(self) -> str:
        return {CampaignStatus.RUNNING: _("running"), CampaignStatus.DONE: _("done")}[self]


def send_slot_seconds(position: int, *, per_minute: int) -> float:
    """Seconds after the campaign's start at which its `position`-th message may go out (the
    SMTP rate spread evenly)."""
    return position * 60.0 / max(per_minute, 1)


def announced_in_time(*, started_at: datetime | None, effective_at: datetime) -> bool:
    """A significant version is announced when its campaign started before it took effect."""
    return started_at is not None and started_at < effective_at
