"""How people read times, money and numbers: stored in UTC and cents, shown in Paris time and the
reader's language (`fr` by default). One module for every template, e-mail, CSV and report.

Each function takes the locale; `None` means the current one (the staff member's language in a
request, the recipient's inside `force_locale`, French elsewhere).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from babel import dates as babel_dates
from babel import numbers as babel_numbers

from console.business_time import PARIS

LANGUAGES = ("fr", "en")
DEFAULT_LANGUAGE = "fr"
_LOCALES = {"fr": "fr_FR", "en": "en_GB"}
DATETIME_PATTERN = "dd/MM/yyyy HH:mm"
DATE_PATTERN = "dd/MM/yyyy"


def supported_language(value: str | None) -> str:
    """`value` if the console speaks it, French otherwise (an unknown stored choice falls back)."""
    value = (value or "").strip().lower()[:2]
    return value if value in LANGUAGES else DEFAULT_LANGUAGE


def current_language() -> str:
    """The language of the current request or `force_locale` block; French outside any."""
    try:
        from flask_babel import get_locale

        locale = get_locale()
    except RuntimeError:  # outside an app context
        locale = None
    return supported_language(locale.language if locale else None)


def _locale(language: str | None) -> str:
    return _LOCALES[supported_language(language) if language else current_language()]


def format_datetime(value: datetime | None, language: str | None = None, *, offset: bool = False) -> str:
    """`02/12/2026 14:05` in Paris time (with `+01:00` when `offset`, for the engineers' pages)."""
    if value is None:
        return ""
    pattern = DATETIME_PATTERN + (" xxx" if offset else "")
    return babel_dates.format_datetime(value, pattern, tzinfo=PARIS, locale=_locale(language))


def format_date(value: date | datetime | None, language: str | None = None) -> str:
    """`02/12/2026`; a datetime is first brought to its Paris day."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(PARIS).date()
    return babel_dates.format_date(value, DATE_PATTERN, locale=_locale(language))


def format_delta(delta: timedelta, language: str | None = None) -> str:
    """A duration in short words: `3 h`, `2 j` (`3 hr`, `2 days` in English)."""
    return babel_dates.format_timedelta(abs(delta), format="short", threshold=1.5, locale=_locale(language))


def format_relative(value: datetime | None, now: datetime, language: str | None = None) -> str:
    """`dans 2 h` or `il y a 3 j` from `now` (the exact time goes in a title beside it)."""
    if value is None:
        return ""
    return babel_dates.format_timedelta(
        value - now, format="short", threshold=1.5, add_direction=True, locale=_locale(language)
    )


def format_money(cents: int | None, currency: str = "EUR", language: str | None = None) -> str:
    """`1 234,50 €` from integer cents, exactly (no floats); negative amounts keep their sign."""
    if cents is None:
        return ""
    return babel_numbers.format_currency(Decimal(cents) / 100, currency, locale=_locale(language))


def format_number(value: int | float | Decimal | None, language: str | None = None) -> str:
    """`1 234 567` or `3,5`."""
    if value is None:
        return ""
    return babel_numbers.format_decimal(value, locale=_locale(language))


def format_percent(value: float | Decimal | None, language: str | None = None, *, decimals: int = 1) -> str:
    """`97,7 %` from a share between 0 and 1."""
    if value is None:
        return ""
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "") + " %"
    if _locale(language).startswith("en"):
        pattern = pattern.replace(" %", "%")
    return babel_numbers.format_percent(value, pattern, locale=_locale(language))
