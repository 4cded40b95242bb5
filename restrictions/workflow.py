"""The rules for restriction proposals and restrictions. Pure: no Flask, no database."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from console.business_time import add_business_days, add_business_hours
from console.domain import DomainError, Role, _, translated_label
from console.redaction import redact_card_numbers


class Source(StrEnum):
    INSURANCE = "insurance"
    SAFETY = "safety"
    QUALITY = "quality"
    VETTING = "vetting"
    MANUAL = "manual"

    @translated_label
    def label(self) -> str:
        return {
            Source.INSURANCE: _("insurance"),
            Source.SAFETY: _("safety"),
            Source.QUALITY: _("quality"),
            Source.VETTING: _("vetting"),
            Source.MANUAL: _("manual"),
        }[self]


class ProposalStatus(StrEnum):
    OPEN = "open"
    CONFIRMED = "confirmed"
    DISMISSED = "dismissed"

    @translated_label
    def label(self) -> str:
        return {
            ProposalStatus.OPEN: _("open"),
            ProposalStatus.CONFIRMED: _("confirmed"),
            ProposalStatus.DISMISSED: _("dismissed"),
        }[self]


class ReviewOutcome(StrEnum):
    UPHELD = "upheld"
    LIFTED = "lifted"

    @translated_label
    def label(self) -> str:
        labels = {
            ReviewOutcome.UPHELD: _("restriction upheld"),
            ReviewOutcome.LIFTED: _("restriction lifted"),
        }
        return labels[self]


class TransitionNotAllowed(DomainError):
    """The workflow does not allow this step from the current state."""


class PersonRequired(DomainError):
    """Only a named, active staff member may take this decision (never a job or a sweep)."""


@dataclass(frozen=True)
class Reason:
    code: str
    source: Source
    _label: Callable[[], str]
    _statement: Callable[[], str]  # pre-written statement of reasons sent to the provider

    @translated_label
    def label(self) -> str:
        """The reason in the reader's language."""
        return self._label()

    @property
    def statement(self) -> str:
        """The pre-written statement in the current language (the provider's, when sending)."""
        return self._statement()


REASONS = {
    r.code: r
    for r in [
        Reason(
            "insurance_lapsed",
            Source.INSURANCE,
            lambda: _("RC Pro insurance lapsed"),
            lambda: _(
                "Your civil-liability insurance (RC Pro) has expired and we hold no valid policy for you. "
                "Ekoklean requires every provider to be insured for each service, so new bookings are "
                "paused until a valid certificate is verified."
            ),
        ),
        Reason(
            "safety_complaint",
            Source.SAFETY,
            lambda: _("Safety complaint under investigation"),
            lambda: _(
                "A client reported a serious safety incident related to one of your services. While we "
                "investigate, new bookings are paused to protect clients and you."
            ),
        ),
        Reason(
            "low_rating",
            Source.QUALITY,
            lambda: _("Average rating below 3.5"),
            lambda: _(
                "The average rating of your last 10 services is below 3.5. New bookings are paused until "
                "a quality review with our team."
            ),
        ),
        Reason(
            "revetting_overdue",
            Source.VETTING,
            lambda: _("Re-vetting overdue"),
            lambda: _(
                "Your periodic re-vetting (background, skills and references) is overdue. New bookings "
                "are paused until it is completed."
            ),
        ),
        Reason(
            "vetting_withdrawn",
            Source.VETTING,
            lambda: _("Vetting approval withdrawn"),
            lambda: _(
                "A check that your approval relied on is no longer valid. New bookings are paused until "
                "it is renewed."
            ),
        ),
        Reason(
            "terms_breach",
            Source.MANUAL,
            lambda: _("Breach of the provider terms"),
            lambda: _("We found a breach of the Ekoklean provider terms. New bookings are paused."),
        ),
        Reason("other", Source.MANUAL, lambda: _("Other reason"), lambda: ""),
    ]
}


def short_label(code: str) -> str:
    """A reason in a few words, as in "restricted: insurance lapsed" (eligibility panels, reports)."""
    labels = {
        "insurance_lapsed": _("insurance lapsed"),
        "safety_complaint": _("safety complaint"),
        "low_rating": _("low rating"),
        "revetting_overdue": _("revetting overdue"),
        "vetting_withdrawn": _("vetting withdrawn"),
        "terms_breach": _("terms breach"),
        "other": _("other"),
    }
    return labels.get(code, code.replace("_", " "))


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
        raise DomainError(_("Unknown reason code %(code)s.", code=repr(code)))
    return REASONS[code]


def due_at(source: Source, now: datetime) -> datetime:
    """When a proposal from `source` opened at `now` must be decided."""
    return DEADLINES[Source(source)](now)


def is_overdue(due: datetime, now: datetime) -> bool:
    return now >= due


def next_status(current: ProposalStatus, event: str) -> ProposalStatus:
    """The proposal status after `event`, or raise if the workflow forbids it."""
    if (current, event) not in TRANSITIONS:
        raise TransitionNotAllowed(_("This proposal is already %(status)s.", status=current.label))
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
        raise DomainError(_("A statement of reasons for the provider is required."))
    return text


def clean_note(text: str | None, limit: int = NOTE_MAX) -> str | None:
    """Optional text, refused (never cut) when longer than `limit` as it will be stored.

    The text is returned as typed: the column masks card numbers on assignment and audits it.
    """
    text = (text or "").strip()
    stored = len(redact_card_numbers(text)[0])
    if stored > limit:
        raise DomainError(
            _("The text is too long (%(count)s characters; at most %(limit)s).", count=stored, limit=limit)
        )
    return text or None


def ensure_review_decider(decider_id: int, decided_by_id: int) -> None:
    """The review of a restriction is decided by someone other than the person who decided it."""
    if decider_id == decided_by_id:
        raise DomainError(_("A review must be decided by someone other than the person who restricted."))
