"""The rules for restriction proposals and restrictions. Pure: no Flask, no database."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from console.business_time import add_business_days, add_business_hours
from console.domain import DomainError, Role
from console.redaction import redact_card_numbers


class Source(StrEnum):
    INSURANCE = "insurance"
    SAFETY = "safety"
    QUALITY = "quality"
    VETTING = "vetting"
    MANUAL = "manual"


class ProposalStatus(StrEnum):
    OPEN = "open"
    CONFIRMED = "confirmed"
    DISMISSED = "dismissed"


class ReviewOutcome(StrEnum):
    UPHELD = "upheld"
    LIFTED = "lifted"


class TransitionNotAllowed(DomainError):
    """The workflow does not allow this step from the current state."""


class PersonRequired(DomainError):
    """Only a named, active staff member may take this decision (never a job or a sweep)."""


@dataclass(frozen=True)
class Reason:
    code: str
    source: Source
    label: str
    statement: str  # pre-written statement of reasons sent to the provider


REASONS = {
    r.code: r
    for r in [
        Reason(
            "insurance_lapsed",
            Source.INSURANCE,
            "RC Pro insurance lapsed",
            "Your civil-liability insurance (RC Pro) has expired and we hold no valid policy for you. "
            "Ekoklean requires every provider to be insured for each service, so new bookings are "
            "paused until a valid certificate is verified.",
        ),
        Reason(
            "safety_complaint",
            Source.SAFETY,
            "Safety complaint under investigation",
            "A client reported a serious safety incident related to one of your services. While we "
            "investigate, new bookings are paused to protect clients and you.",
        ),
        Reason(
            "low_rating",
            Source.QUALITY,
            "Average rating below 3.5",
            "The average rating of your last 10 services is below 3.5. New bookings are paused until "
            "a quality review with our team.",
        ),
        Reason(
            "revetting_overdue",
            Source.VETTING,
            "Re-vetting overdue",
            "Your periodic re-vetting (background, skills and references) is overdue. New bookings "
            "are paused until it is completed.",
        ),
        Reason(
            "vetting_withdrawn",
            Source.VETTING,
            "Vetting approval withdrawn",
            "A check that your approval relied on is no longer valid. New bookings are paused until "
            "it is renewed.",
        ),
        Reason(
            "terms_breach",
            Source.MANUAL,
            "Breach of the provider terms",
            "We found a breach of the Ekoklean provider terms. New bookings are paused.",
        ),
        Reason("other", Source.MANUAL, "Other reason", ""),
    ]
}

# How long a proposal may wait for a decision (DESIGN §2).
DEADLINES = {
    Source.INSURANCE: lambda now: add_business_hours(now, 4),
    Source.SAFETY: lambda now: now + timedelta(hours=1),
    Source.QUALITY: lambda now: add_business_days(now, 2),
    Source.VETTING: lambda now: add_business_days(now, 1),
    Source.MANUAL: lambda now: add_business_days(now, 1),
}

TRANSITIONS = {
    (ProposalStatus.OPEN, "confirm"): ProposalStatus.CONFIRMED,
    (ProposalStatus.OPEN, "dismiss"): ProposalStatus.DISMISSED,
}

STATEMENT_MAX = 5000
NOTE_MAX = 2000


def reason(code: str) -> Reason:
    if code not in REASONS:
        raise DomainError(f"Unknown reason code {code!r}.")
    return REASONS[code]


def due_at(source: Source, now: datetime) -> datetime:
    """When a proposal from `source` opened at `now` must be decided."""
    return DEADLINES[Source(source)](now)


def is_overdue(due: datetime, now: datetime) -> bool:
    return now >= due


def next_status(current: ProposalStatus, event: str) -> ProposalStatus:
    """The proposal status after `event`, or raise if the workflow forbids it."""
    if (current, event) not in TRANSITIONS:
        raise TransitionNotAllowed(f"cannot {event} a proposal that is already {current.value}")
    return TRANSITIONS[current, event]


def decidable_sources(roles: Iterable[Role]) -> frozenset[Source]:
    """The sources of the proposals these roles may decide: managers every source, vetting
    officers those with a vetting reason (the decide queue filters on it too)."""
    roles = frozenset(roles)
    if Role.MANAGER in roles:
        return frozenset(Source)
    return frozenset({Source.VETTING}) if Role.VETTING_OFFICER in roles else frozenset()


def may_decide(roles: Iterable[Role], source: Source) -> bool:
    """Managers decide every restriction; vetting officers also those with a vetting reason."""
    return Source(source) in decidable_sources(roles)


def ensure_statement(text: str | None, limit: int = STATEMENT_MAX) -> str:
    """A statement of reasons is required and bounded."""
    text = clean_note(text, limit)
    if not text:
        raise DomainError("A statement of reasons for the provider is required.")
    return text


def clean_note(text: str | None, limit: int = NOTE_MAX) -> str | None:
    """Optional text, refused (never cut) when longer than `limit` as it will be stored.

    The text is returned as typed: the column masks card numbers on assignment and audits it.
    """
    text = (text or "").strip()
    stored = len(redact_card_numbers(text)[0])
    if stored > limit:
        raise DomainError(f"The text is too long ({stored} characters; at most {limit}).")
    return text or None


def ensure_review_decider(decider_id: int, decided_by_id: int) -> None:
    """The review of a restriction is decided by someone other than the person who decided it."""
    if decider_id == decided_by_id:
        raise DomainError("A review must be decided by someone other than the person who restricted.")
