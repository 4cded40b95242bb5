"""Dispute rules: the money claim, the award, who decides. Pure: no Flask, no database."""

from __future__ import annotations

import re
from enum import StrEnum

from console.domain import DomainError, _, events_from, translated_label
from console.redaction import redact_card_numbers
from disputes.complaints.workflow import TransitionNotAllowed


class DisputeKind(StrEnum):
    REFUND = "refund"
    DAMAGE = "damage"
    CANCELLATION_FEE = "cancellation_fee"

    @translated_label
    def label(self) -> str:
        return {
            DisputeKind.REFUND: _("Refund"),
            DisputeKind.DAMAGE: _("Damage"),
            DisputeKind.CANCELLATION_FEE: _("Cancellation fee"),
        }[self]


class DisputeStatus(StrEnum):
    OPEN = "open"
    AWAITING_DECISION = "awaiting_decision"  # proposed above the threshold: a manager decides
    DECIDED = "decided"

    @translated_label
    def label(self) -> str:
        return {
            DisputeStatus.OPEN: _("Open"),
            DisputeStatus.AWAITING_DECISION: _("Awaiting decision"),
            DisputeStatus.DECIDED: _("Decided"),
        }[self]


class Outcome(StrEnum):
    UPHELD = "upheld"
    PARTIALLY_UPHELD = "partially_upheld"
    REJECTED = "rejected"

    @translated_label
    def label(self) -> str:
        return {
            Outcome.UPHELD: _("Upheld"),
            Outcome.PARTIALLY_UPHELD: _("Partially upheld"),
            Outcome.REJECTED: _("Rejected"),
        }[self]


class EvidenceSide(StrEnum):
    CLIENT = "client"
    PROVIDER = "provider"

    @translated_label
    def label(self) -> str:
        return {EvidenceSide.CLIENT: _("Client"), EvidenceSide.PROVIDER: _("Provider")}[self]

    @property
    def source(self) -> str:
        """Where a piece of evidence comes from: "From the client"."""
        return {EvidenceSide.CLIENT: _("From the client"), EvidenceSide.PROVIDER: _("From the provider")}[
            self
        ]


DISPUTE_TRANSITIONS: dict[tuple[DisputeStatus, str], DisputeStatus] = {
    (DisputeStatus.OPEN, "propose"): DisputeStatus.AWAITING_DECISION,
    (DisputeStatus.OPEN, "decide"): DisputeStatus.DECIDED,
    (DisputeStatus.AWAITING_DECISION, "decide"): DisputeStatus.DECIDED,
    (DisputeStatus.AWAITING_DECISION, "send_back"): DisputeStatus.OPEN,
}
DISPUTE_EVENTS = ("propose", "decide", "send_back")
DEFAULT_MANAGER_THRESHOLD_CENTS = 50_000  # 500 EUR


def next_dispute_status(current: DisputeStatus, event: str) -> DisputeStatus:
    current = DisputeStatus(current)
    if (current, event) not in DISPUTE_TRANSITIONS:
        steps = {"propose": _("proposed"), "decide": _("decided"), "send_back": _("sent back")}
        raise TransitionNotAllowed(
            _(
                "A dispute that is %(status)s cannot be %(step)s.",
                status=current.label.lower(),
                step=steps.get(event, event),
            )
        )
    return DISPUTE_TRANSITIONS[current, event]


def allowed_events(current: DisputeStatus) -> list[str]:
    """The steps open to a dispute in `current` (none once decided)."""
    return list(events_from(DISPUTE_TRANSITIONS, current))


def ensure_claim(kind: DisputeKind, amount_cents: object, *, booking_price_cents: int) -> int:
    """A claimed amount: whole positive cents; a refund or a contested cancellation fee never exceeds
    what the booking cost (damage may: it is about the client's belongings)."""
    if isinstance(amount_cents, bool) or not isinstance(amount_cents, int):
        raise DomainError(_("The amount claimed must be a whole number of cents."))
    if amount_cents <= 0:
        raise DomainError(_("The amount claimed must be more than zero."))
    if DisputeKind(kind) == DisputeKind.REFUND and amount_cents > booking_price_cents:
        raise DomainError(_("A refund cannot exceed the booking's price."))
    if DisputeKind(kind) == DisputeKind.CANCELLATION_FEE and amount_cents > booking_price_cents:
        raise DomainError(_("A cancellation fee cannot exceed the booking's price."))
    return amount_cents


def ensure_award(outcome: Outcome, awarded_cents: object, *, claimed_cents: int) -> int:
    """The amount awarded must fit the outcome: all of the claim, part of it, or nothing."""
    outcome = Outcome(outcome)
    if isinstance(awarded_cents, bool) or not isinstance(awarded_cents, int) or awarded_cents < 0:
        raise DomainError(_("The amount awarded must be a whole number of cents, zero or more."))
    if outcome == Outcome.UPHELD and awarded_cents != claimed_cents:
        raise DomainError(_("An upheld dispute awards the amount claimed."))
    if outcome == Outcome.PARTIALLY_UPHELD and not 0 < awarded_cents < claimed_cents:
        raise DomainError(_("A partially upheld dispute awards more than zero and less than the claim."))
    if outcome == Outcome.REJECTED and awarded_cents != 0:
        raise DomainError(_("A rejected dispute awards nothing."))
    return awarded_cents


def needs_manager(*, claimed_cents: int, awarded_cents: int, threshold_cents: int) -> bool:
    """Whether a manager must decide: the money at stake (claim or award) is above the threshold."""
    return max(claimed_cents, awarded_cents) > threshold_cents


def ensure_decider(
    *,
    stake_above_threshold: bool,
    decider_id: int,
    decider_is_manager: bool,
    proposed_by_id: int | None,
    status: DisputeStatus,
) -> None:
    """A proposal is decided by someone else; above the threshold, a proposal first, then a manager."""
    if status == DisputeStatus.AWAITING_DECISION and proposed_by_id == decider_id:
        raise DomainError(_("Whoever proposed the decision cannot decide it: another manager does."))
    if not stake_above_threshold:
        return
    if status != DisputeStatus.AWAITING_DECISION:
        raise DomainError(_("Above the threshold, propose the decision first: a manager decides it."))
    if not decider_is_manager:
        raise DomainError(_("A manager must decide a dispute above the threshold."))


TRANSACTION_ID_RE = re.compile(r"^[A-Za-z0-9_\-]{6,64}$")


def clean_transaction_id(value: str | None) -> str:
    """The payment provider's transaction id (e.g. re_3Nx…): never a card number."""
    value = (value or "").strip()
    if redact_card_numbers(value)[1]:
        raise DomainError(_("This is a card number, not a transaction id. No card data is kept here."))
    if not TRANSACTION_ID_RE.fullmatch(value):
        raise DomainError(_("Enter the payment provider's transaction id: 6-64 letters, digits, '-' or '_'."))
    return value


CLAIM_REFERENCE_RE = re.compile(r"^[A-Za-z0-9/_.\-]{3,60}$")


def clean_claim_reference(value: str | None) -> str:
    value = (value or "").strip()
    if redact_card_numbers(value)[1] or not CLAIM_REFERENCE_RE.fullmatch(value):
        raise DomainError(
            _("Enter the insurer's claim reference: 3-60 letters, digits, '/', '.', '-' or '_'.")
        )
    return value
