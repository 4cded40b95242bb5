"""Review rules: the moderation states, the flag rules and the rating alert. Pure: no Flask, no database."""

from __future__ import annotations

import re
from collections.abc import Sequence
from enum import StrEnum

from console.domain import DomainError, _, events_from, translated_label
from console.redaction import redact_card_numbers


class TransitionNotAllowed(DomainError):
    """The workflow does not allow this step from the current state."""


REASON_MAX = 2_000


# --- moderation -------------------------------------------------------------------------------
class ModerationStatus(StrEnum):
    PENDING = "pending"
    PUBLISHED = "published"
    HIDDEN = "hidden"

    @translated_label
    def label(self) -> str:
        return {
            ModerationStatus.PENDING: _("Pending"),
            ModerationStatus.PUBLISHED: _("Published"),
            ModerationStatus.HIDDEN: _("Hidden"),
        }[self]


MODERATION_TRANSITIONS: dict[tuple[ModerationStatus, str], ModerationStatus] = {
    (ModerationStatus.PENDING, "publish"): ModerationStatus.PUBLISHED,
    (ModerationStatus.PENDING, "hide"): ModerationStatus.HIDDEN,
    (ModerationStatus.PUBLISHED, "hide"): ModerationStatus.HIDDEN,
    (ModerationStatus.HIDDEN, "restore"): ModerationStatus.PUBLISHED,
}
MODERATION_EVENTS = ("publish", "hide", "restore")

HIDE_REASON_CODES = (
    "contact_details",
    "insulting",
    "personal_data",
    "payment_data",
    "off_topic",
    "conflict_of_interest",
)


def hide_reasons() -> dict[str, str]:
    """Why a review is hidden: code -> the sentence sent to its author, in the reader's language."""
    return {
        "contact_details": _("It contains contact details (phone number, e-mail or address)"),
        "insulting": _("It contains insults or abusive language"),
        "personal_data": _("It contains personal data about someone"),
        "payment_data": _("It contains payment details"),
        "off_topic": _("It is not about the service provided"),
        "conflict_of_interest": _("It was written by someone with a conflict of interest"),
    }


def event_label(event: str) -> str:
    """The button that takes a moderation step."""
    return {"publish": _("Publish"), "hide": _("Hide"), "restore": _("Restore")}.get(event, event)


def next_moderation(current: ModerationStatus, event: str) -> ModerationStatus:
    current = ModerationStatus(current)
    if (current, event) not in MODERATION_TRANSITIONS:
        steps = {"publish": _("published"), "hide": _("hidden"), "restore": _("restored")}
        raise TransitionNotAllowed(
            _(
                "A %(status)s review cannot be %(step)s.",
                status=current.label.lower(),
                step=steps.get(event, event),
            )
        )
    return MODERATION_TRANSITIONS[current, event]


def allowed_events(current: ModerationStatus) -> list[str]:
    """The moderation steps open to a review in `current` (the buttons on its page)."""
    return list(events_from(MODERATION_TRANSITIONS, current))


def hide_reason(code: str | None) -> str:
    if code not in HIDE_REASON_CODES:
        raise DomainError(_("Choose the reason for hiding the review (it is sent to its author)."))
    return code


class FlagRule(StrEnum):
    USER_REPORT = "user_report"
    CONTACT_DETAILS = "contact_details"
    INSULT = "insult"
    CARD_NUMBER = "card_number"

    @translated_label
    def label(self) -> str:
        return {
            FlagRule.USER_REPORT: _("Reported by someone"),
            FlagRule.CONTACT_DETAILS: _("Contact details"),
            FlagRule.INSULT: _("Insult"),
            FlagRule.CARD_NUMBER: _("Card number"),
        }[self]


EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
PHONE_RE = re.compile(r"(?<!\d)(?:\+33\s?|0)[1-9](?:[\s.-]?\d{2}){4}(?!\d)")
INSULTS = frozenset(
    {"arnaque", "arnaqueur", "arnaqueuse", "connard", "connasse", "con", "conne", "débile", "idiot",
     "idiote", "imbécile", "salope", "abruti", "abrutie", "escroc", "voleur",
     "voleuse", "crétin", "crétine", "merde", "pourri", "pourrie", "stupid", "scammer"}
)  # fmt: skip
REDACTED_CARD_RE = re.compile(r"\[card [•]{4}\d{4}\]")
WORD_RE = re.compile(r"[^\W\d_]+", re.UNICODE)


def flag_rules(text: str) -> dict[FlagRule, str]:
    """The simple rules a review's text matches, each with what matched (for the flag queue)."""
    found: dict[FlagRule, str] = {}
    text = text or ""
    contact = EMAIL_RE.search(text) or PHONE_RE.search(text)
    if contact:
        found[FlagRule.CONTACT_DETAILS] = contact.group(0)[:100]
    words = [w for w in WORD_RE.findall(text.lower()) if w in INSULTS]
    if words:
        found[FlagRule.INSULT] = ", ".join(dict.fromkeys(words))[:100]
    cards = REDACTED_CARD_RE.search(text) or (redact_card_numbers(text)[1] and re.search(r"\d", text))
    if cards:
        found[FlagRule.CARD_NUMBER] = _("card number (masked)")
    return found


RATING_WINDOW = 10
RATING_ALERT_BELOW = 3.5


def rating_alert(recent_ratings: Sequence[int]) -> bool:
    """A provider whose last 10 published ratings average below 3.5 needs a quality review."""
    if len(recent_ratings) < RATING_WINDOW:
        return False
    window = list(recent_ratings)[:RATING_WINDOW]
    return sum(window) < RATING_ALERT_BELOW * RATING_WINDOW
