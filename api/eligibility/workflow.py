"""Rules of the eligibility feed: the state a provider starts in, change detection, cursors."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

from console.domain import DomainError, _

# Every provider starts unvetted: the state before its first recorded change.
INITIAL_REASONS = ("not_vetted",)
MAX_PAGE = 1000


@dataclass(frozen=True)
class State:
    bookable: bool
    reasons: tuple[str, ...]


INITIAL = State(False, INITIAL_REASONS)


def changed(before: State | None, after: State) -> bool:
    """Whether `after` is news for the marketplace (a provider never recorded starts unvetted)."""
    return (before or INITIAL) != after


class BadCursor(DomainError):
    """The cursor was not one this feed gave out."""


def encode_cursor(event_id: int) -> str:
    """An opaque cursor after event `event_id` (keyset on the event id)."""
    return base64.urlsafe_b64encode(f"e{event_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int:
    """The event id a cursor stands for (0, the start, when there is none)."""
    if not cursor:
        return 0
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise BadCursor(_("This cursor is not valid; start again without one.")) from exc
    if not (text.startswith("e") and text[1:].isdigit()):
        raise BadCursor(_("This cursor is not valid; start again without one."))
    return int(text[1:])


def page_size(limit: int | None) -> int:
    """The page size asked for, kept between 1 and MAX_PAGE (100 by default)."""
    if limit is None:
        return 100
    return max(1, min(MAX_PAGE, int(limit)))
