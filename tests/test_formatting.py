"""How times, money and numbers read: Paris time across the clock changes, French and English."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from babel import dates as babel_dates
from babel import numbers as babel_numbers
from hypothesis import given, settings
from hypothesis import strategies as st

from console import formatting as f

PARIS = ZoneInfo("Europe/Paris")
NNBSP, NBSP = "\u202f", "\u00a0"


@pytest.mark.parametrize(
    ("utc", "shown"),
    [
        (datetime(2026, 12, 2, 13, 5, tzinfo=UTC), "02/12/2026 14:05"),  # winter: UTC+1
        (datetime(2026, 7, 14, 13, 5, tzinfo=UTC), "14/07/2026 15:05"),  # summer: UTC+2
        (datetime(2026, 3, 29, 0, 59, tzinfo=UTC), "29/03/2026 01:59"),  # just before the clocks go forward
        (datetime(2026, 3, 29, 1, 0, tzinfo=UTC), "29/03/2026 03:00"),  # 02:00 never happens in Paris
        (datetime(2026, 10, 25, 0, 30, tzinfo=UTC), "25/10/2026 02:30"),  # 02:30 happens twice in October:
        (
            datetime(2026, 10, 25, 1, 30, tzinfo=UTC),
            "25/10/2026 02:30",
        ),  # first in summer, then in winter time
        (datetime(2026, 12, 31, 23, 30, tzinfo=UTC), "01/01/2027 00:30"),  # already next year in Paris
    ],
)
def test_times_are_shown_in_paris_across_the_clock_changes(utc, shown):
    assert f.format_datetime(utc, "fr") == f.format_datetime(utc, "en") == shown


def test_the_engineers_see_the_offset_that_was_in_force():
    assert (
        f.format_datetime(datetime(2026, 10, 25, 0, 30, tzinfo=UTC), offset=True) == "25/10/2026 02:30 +02:00"
    )
    assert (
        f.format_datetime(datetime(2026, 10, 25, 1, 30, tzinfo=UTC), offset=True) == "25/10/2026 02:30 +01:00"
    )


def test_a_date_is_the_paris_day_of_a_time():
    assert f.format_date(datetime(2026, 12, 31, 23, 30, tzinfo=UTC)) == "01/01/2027"
    assert f.format_date(date(2026, 2, 3)) == "03/02/2026"
    assert f.format_date(None) == f.format_datetime(None) == ""


@pytest.mark.parametrize(
    ("cents", "fr", "en"),
    [
        (123450, f"1{NNBSP}234,50{NBSP}€", "€1,234.50"),
        (-123450, f"-1{NNBSP}234,50{NBSP}€", "-€1,234.50"),  # a refund or a correction keeps its sign
        (-5, f"-0,05{NBSP}€", "-€0.05"),
        (0, f"0,00{NBSP}€", "€0.00"),
        (150_000_000, f"1{NNBSP}500{NNBSP}000,00{NBSP}€", "€1,500,000.00"),
    ],
)
def test_money_in_french_and_english(cents, fr, en):
    assert f.format_money(cents, language="fr") == fr
    assert f.format_money(cents, language="en") == en


@settings(max_examples=300, deadline=None)
@given(cents=st.integers(min_value=-(10**13), max_value=10**13), language=st.sampled_from(["fr", "en"]))
def test_money_written_directly_is_what_babel_writes(cents, language):
    locale = {"fr": "fr_FR", "en": "en_GB"}[language]
    assert f.format_money(cents, language=language) == babel_numbers.format_currency(
        Decimal(cents) / 100, "EUR", locale=locale
    )


@settings(max_examples=300, deadline=None)
@given(
    moment=st.datetimes(
        min_value=datetime(1990, 1, 1), max_value=datetime(2090, 1, 1), timezones=st.just(UTC)
    )
)
def test_times_written_directly_are_what_babel_writes(moment):
    assert f.format_datetime(moment, offset=True) == babel_dates.format_datetime(
        moment, "dd/MM/yyyy HH:mm xxx", tzinfo=PARIS, locale="fr_FR"
    )


def test_other_currencies_are_left_to_babel():
    assert f.format_money(123450, "CHF", "fr") == babel_numbers.format_currency(
        Decimal("1234.50"), "CHF", locale="fr_FR"
    )


def test_percentages_numbers_and_relative_times():
    assert f.format_percent(0.977, "fr") == f"97,7{NNBSP}%"
    assert f.format_percent(0.977, "en") == "97.7%"
    assert f.format_number(1234567, "fr") == f"1{NNBSP}234{NNBSP}567"
    now = datetime(2026, 12, 2, 13, 0, tzinfo=UTC)
    assert f.format_relative(now + timedelta(hours=2), now, "fr") == f"dans 2{NBSP}h"
    assert f.format_relative(now - timedelta(days=3), now, "fr") == f"il y a 3{NBSP}j"
    assert f.format_relative(now + timedelta(hours=2), now, "en") == "in 2 hr"


@pytest.mark.parametrize(
    ("stored", "used"), [("fr", "fr"), ("en", "en"), ("EN", "en"), ("de", "fr"), ("", "fr"), (None, "fr")]
)
def test_an_unsupported_language_falls_back_to_french(stored, used):
    assert f.supported_language(stored) == used


@settings(max_examples=500, deadline=None)
@given(
    seconds=st.one_of(st.floats(min_value=-(10**9), max_value=10**9), st.integers(-(10**6), 10**6)),
    language=st.sampled_from(["fr", "en"]),
)
def test_relative_words_kept_per_unit_are_what_babel_writes(seconds, language):
    locale = {"fr": "fr_FR", "en": "en_GB"}[language]
    now = datetime(2026, 12, 2, 13, 0, tzinfo=UTC)
    assert f.format_relative(now + timedelta(seconds=seconds), now, language) == babel_dates.format_timedelta(
        timedelta(seconds=seconds), format="short", threshold=1.5, add_direction=True, locale=locale
    )
    assert f.format_delta(timedelta(seconds=seconds), language) == babel_dates.format_timedelta(
        abs(timedelta(seconds=seconds)), format="short", threshold=1.5, locale=locale
    )
