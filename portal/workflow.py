"""The portal's rules: purposes, who they are for, how long a link lives, whether it is spent;
the reply address's tag. Plain Python: time and keys are passed in."""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from console.domain import DomainError, Role, _, translated_label

TOKEN_BYTES = 24  # 192 bits of randomness (DESIGN §10 asks at least 128)
SCORES = range(1, 6)
COMMENT_MAX = 2000
ANSWER_MAX = 5000


class Purpose(StrEnum):
    CERTIFICATE = "certificate"
    VETTING_DOCUMENTS = "vetting_documents"
    COMPLAINT_ANSWER = "complaint_answer"
    DISPUTE_ANSWER = "dispute_answer"
    RESTRICTION_REVIEW = "restriction_review"
    COMPLAINT_REPLY = "complaint_reply"
    SATISFACTION = "satisfaction"
    POLICY_ACK = "policy_ack"

    @translated_label
    def label(self) -> str:
        return {
            Purpose.CERTIFICATE: _("Send an RC Pro certificate"),
            Purpose.VETTING_DOCUMENTS: _("Send the documents of a vetting case"),
            Purpose.COMPLAINT_ANSWER: _("Answer a complaint"),
            Purpose.DISPUTE_ANSWER: _("Answer a dispute"),
            Purpose.RESTRICTION_REVIEW: _("Ask for a review of a restriction"),
            Purpose.COMPLAINT_REPLY: _("Reply about a complaint"),
            Purpose.SATISFACTION: _("Rate how the complaint was handled"),
            Purpose.POLICY_ACK: _("Acknowledge a policy change"),
        }[self]


class PersonKind(StrEnum):
    PROVIDER = "provider"
    CLIENT = "client"


PERSON_OF = {
    Purpose.CERTIFICATE: PersonKind.PROVIDER,
    Purpose.VETTING_DOCUMENTS: PersonKind.PROVIDER,
    Purpose.COMPLAINT_ANSWER: PersonKind.PROVIDER,
    Purpose.DISPUTE_ANSWER: PersonKind.PROVIDER,
    Purpose.RESTRICTION_REVIEW: PersonKind.PROVIDER,
    Purpose.COMPLAINT_REPLY: PersonKind.CLIENT,
    Purpose.SATISFACTION: PersonKind.CLIENT,
    Purpose.POLICY_ACK: PersonKind.CLIENT,
}
# Days a link lives (DESIGN §10: 7 to 30 days, by purpose).
EXPIRY_DAYS = {
    Purpose.CERTIFICATE: 30,
    Purpose.VETTING_DOCUMENTS: 14,
    Purpose.COMPLAINT_ANSWER: 7,
    Purpose.DISPUTE_ANSWER: 7,
    Purpose.RESTRICTION_REVIEW: 30,
    Purpose.COMPLAINT_REPLY: 14,
    Purpose.SATISFACTION: 14,
    Purpose.POLICY_ACK: 30,
}
# Links that submit a decision are spent by their first submission; the others (a conversation)
# may be used again until they expire.
SINGLE_USE = frozenset(
    {
        Purpose.CERTIFICATE,
        Purpose.VETTING_DOCUMENTS,
        Purpose.DISPUTE_ANSWER,
        Purpose.RESTRICTION_REVIEW,
        Purpose.SATISFACTION,
        Purpose.POLICY_ACK,
    }
)


# Who may send a fresh link of each purpose from the record's page.
SENDERS = {
    Purpose.CERTIFICATE: frozenset({Role.VETTING_OFFICER, Role.MANAGER}),
    Purpose.VETTING_DOCUMENTS: frozenset({Role.VETTING_OFFICER, Role.MANAGER}),
    Purpose.RESTRICTION_REVIEW: frozenset({Role.VETTING_OFFICER, Role.SUPPORT_AGENT, Role.MANAGER}),
    Purpose.COMPLAINT_ANSWER: frozenset({Role.SUPPORT_AGENT, Role.MANAGER}),
    Purpose.DISPUTE_ANSWER: frozenset({Role.SUPPORT_AGENT, Role.MANAGER}),
    Purpose.COMPLAINT_REPLY: frozenset({Role.SUPPORT_AGENT, Role.MANAGER}),
    Purpose.SATISFACTION: frozenset({Role.SUPPORT_AGENT, Role.MANAGER}),
    Purpose.POLICY_ACK: frozenset({Role.SUPPORT_AGENT, Role.MANAGER}),
}


def ensure_sender(purpose: Purpose, roles) -> None:
    if not set(roles) & SENDERS[purpose]:
        raise LinkRefused(_("Your role cannot send a link to %(purpose)s.", purpose=purpose.label))


class LinkState(StrEnum):
    VALID = "valid"
    EXPIRED = "expired"
    USED = "used"
    REVOKED = "revoked"


class LinkRefused(DomainError):
    """A purpose that does not fit the person, or a link that cannot be used."""


def purpose(value: str) -> Purpose:
    try:
        return Purpose(value)
    except ValueError as exc:
        raise LinkRefused(_("Unknown purpose %(purpose)r.", purpose=str(value)[:40])) from exc


def ensure_person(purpose: Purpose, kind: PersonKind) -> None:
    if PERSON_OF[purpose] != kind:
        raise LinkRefused(
            _("A link to %(purpose)s is for a provider.", purpose=purpose.label)
            if PERSON_OF[purpose] == PersonKind.PROVIDER
            else _("A link to %(purpose)s is for a client.", purpose=purpose.label)
        )


def expiry(purpose: Purpose, now: datetime) -> datetime:
    return now + timedelta(days=EXPIRY_DAYS[purpose])


def link_state(
    *,
    purpose: Purpose,
    expires_at: datetime,
    used_at: datetime | None,
    revoked_at: datetime | None,
    now: datetime,
) -> LinkState:
    if revoked_at is not None:
        return LinkState.REVOKED
    if used_at is not None and purpose in SINGLE_USE:
        return LinkState.USED
    if now >= expires_at:
        return LinkState.EXPIRED
    return LinkState.VALID


def token_digest(token: str) -> str:
    """What is stored of a token: its SHA-256 (the token itself is random, so no salt is needed)."""
    return hashlib.sha256(token.encode()).hexdigest()


def score(value: object) -> int:
    try:
        number = int(str(value))
    except (TypeError, ValueError):
        number = 0
    if number not in SCORES:
        raise DomainError(_("Choose a score from 1 to 5."))
    return number


def answer_deadline_passed(deadline: datetime | None, now: datetime) -> bool:
    return deadline is not None and now >= deadline


# --- the reply address ----------------------------------------------------------------------

_REFERENCE = re.compile(r"(CMP-\d{7})\.([0-9a-f]{10})", re.IGNORECASE)
TAG_LENGTH = 10


def reply_tag(key: bytes, reference: str) -> str:
    """An HMAC of the complaint's reference: the reply address cannot be guessed from the reference."""
    return hmac.new(key, reference.upper().encode(), hashlib.sha256).hexdigest()[:TAG_LENGTH]


def reply_address(mailbox: str, key: bytes, reference: str) -> str:
    """`support+CMP-0001234.<tag>@domain` from the support mailbox `support@domain`."""
    local, _, domain = mailbox.partition("@")
    return f"{local}+{reference}.{reply_tag(key, reference)}@{domain}"


@dataclass(frozen=True)
class ReplyTarget:
    reference: str | None  # the complaint named by the address, if any
    valid: bool  # whether its tag is right


def read_reply_address(addresses: list[str], key: bytes) -> ReplyTarget:
    """The first plus-address among `addresses` naming a complaint, and whether its tag holds."""
    for address in addresses:
        local = address.partition("@")[0]
        _, plus, detail = local.partition("+")
        match = _REFERENCE.fullmatch(detail) if plus else None
        if match:
            reference = match.group(1).upper()
            good = hmac.compare_digest(reply_tag(key, reference), match.group(2).lower())
            return ReplyTarget(reference, good)
    return ReplyTarget(None, False)
