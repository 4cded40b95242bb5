"""How people read times, money and numbers: stored in UTC and cents, shown in Paris time and the
reader's language (`fr` by default). One module for every template, e-mail, CSV and report.

Each function takes the locale; `None` means the current one (the staff member's language in a
request, the recipient's inside `force_locale`, French elsewhere).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from babel import Locale
from babel import dates as babel_dates
from babel import numbers as babel_numbers

from console.business_time import PARIS
from console.domain import reader_language

LANGUAGES = ("fr", "en")
DEFAULT_LANGUAGE = "fr"
_LOCALES = {
    "fr": Locale.parse("fr_FR"),
    "en": Locale.parse("en_GB"),
}  # parsed once: lists format thousands of cells
DATETIME_PATTERN = "dd/MM/yyyy HH:mm"
DATE_PATTERN = "dd/MM/yyyy"


def supported_language(value: str | None) -> str:
    """`value` if the console speaks it, French otherwise (an unknown stored choice falls back)."""
    value = (value or "").strip().lower()[:2]
    return value if value in LANGUAGES else DEFAULT_LANGUAGE


def current_language() -> str:
    """The language of the current request or `force_locale` block; French outside any."""
    return supported_language(reader_language())


def _locale(language: str | None) -> Locale:
    return _LOCALES[supported_language(language) if language else current_language()]


# Dates and times are shown in the same digits in both languages (DATE_PATTERN, DATETIME_PATTERN):
# written directly, since lists format thousands of them and Babel's general formatter is slow.


def format_datetime(value: datetime | None, language: str | None = None, *, offset: bool = False) -> str:
    """`02/12/2026 14:05` in Paris time (with `+01:00` when `offset`, for the engineers' pages)."""
    if value is None:
        return ""
    local = value.astimezone(PARIS)
    text = f"{local.day:02d}/{local.month:02d}/{local.year:04d} {local.hour:02d}:{local.minute:02d}"
    if offset:
        minutes = int(local.utcoffset().total_seconds()) // 60
        sign, minutes = ("+" if minutes >= 0 else "-"), abs(minutes)
        text += f" {sign}{minutes // 60:02d}:{minutes % 60:02d}"
    return text


def format_date(value: date | datetime | None, language: str | None = None) -> str:
    """`02/12/2026`; a datetime is first brought to its Paris day."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(PARIS).date()
    return f"{value.day:02d}/{value.month:02d}/{value.year:04d}"


THRESHOLD = 1.5  # "36 h" rather than "2 j" until a day and a half
_WORDS: dict[tuple, str] = {}


def _timedelta_words(seconds: float, locale: Locale, *, direction: bool) -> str:
    """Babel's short words for a duration, kept per (unit, rounded value, sign, language): a queue
    shows many deadlines, and Babel's formatter is slow. The key is what Babel's output depends on."""
    magnitude = abs(seconds)
    for unit, per_unit in babel_dates.TIMEDELTA_UNITS:
        value = magnitude / per_unit
        if value >= THRESHOLD or unit == "second":
            break
    rounded = int(round(max(1, value) if unit == "second" and value > 0 else value))
    key = (unit, rounded, seconds >= 0 if direction else True, locale.language, direction)
    words = _WORDS.get(key)
    if words is None:
        words = babel_dates.format_timedelta(
            seconds, format="short", threshold=THRESHOLD, add_direction=direction, locale=locale
        )
        if len(_WORDS) < 100_000:
            _WORDS[key] = words
    return words


def format_delta(delta: timedelta, language: str | None = None) -> str:
    """A duration in short words: `3 h`, `2 j` (`3 hr`, `2 days` in English)."""
    return _timedelta_words(abs(delta.total_seconds()), _locale(language), direction=False)


def format_relative(value: datetime | None, now: datetime, language: str | None = None) -> str:
    """`dans 2 h` or `il y a 3 j` from `now` (the exact time goes in a title beside it)."""
    if value is None:
        return ""
    return _timedelta_words((value - now).total_seconds(), _locale(language), direction=True)


def format_money(cents: int | None, currency: str = "EUR", language: str | None = None) -> str:
    """`1 234,50 €` from integer cents, exactly (no floats); negative amounts keep their sign."""
    if cents is None:
        return ""
    locale = _locale(language)
    if currency == "EUR":  # Babel's own output for euros, written directly (lists show many)
        sign, (euros, rest) = ("-" if cents < 0 else ""), divmod(abs(cents), 100)
        if locale.language == "fr":
            return f"{sign}{euros:,}".replace(",", "\u202f") + f",{rest:02d}\u00a0€"
        return f"{sign}€{euros:,}.{rest:02d}"
    return babel_numbers.format_currency(Decimal(cents) / 100, currency, locale=locale)


def format_number(value: int | float | Decimal | None, language: str | None = None) -> str:
    """`1 234 567` or `3,5`."""
    if value is None:
        return ""
    return babel_numbers.format_decimal(value, locale=_locale(language))


def format_percent(value: float | Decimal | None, language: str | None = None, *, decimals: int = 1) -> str:
    """`97,7 %` from a share between 0 and 1 (a narrow no-break space before % in French: the sign
    never wraps to the next line)."""
    if value is None:
        return ""
    locale = _locale(language)
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "") + "%"
    text = babel_numbers.format_percent(value, pattern, locale=locale)
    return text.replace("%", "\u202f%") if locale.language == "fr" else text
