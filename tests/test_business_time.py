from __future__ import annotations

from datetime import UTC, date, datetime

from console.business_time import add_business_hours, easter_sunday, french_holidays, is_business_day


def test_easter_and_holidays():
    assert easter_sunday(2026) == date(2026, 4, 5)
    assert easter_sunday(2027) == date(2027, 3, 28)
    holidays = french_holidays(2026)
    assert len(holidays) == 11
    assert {date(2026, 4, 6), date(2026, 5, 14), date(2026, 5, 25), date(2026, 7, 14)} <= holidays


def test_business_days():
    assert is_business_day(date(2026, 11, 2))
    assert not is_business_day(date(2026, 11, 7))  # Saturday
    assert not is_business_day(date(2026, 11, 11))  # Armistice


def test_hours_within_and_across_days():
    monday_10_paris = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    assert add_business_hours(monday_10_paris, 3) == datetime(2026, 11, 2, 12, 0, tzinfo=UTC)
    # 10:00 + 9 h: 8 h left on Monday, 1 h on Tuesday -> Tuesday 10:00 Paris.
    assert add_business_hours(monday_10_paris, 9) == datetime(2026, 11, 3, 9, 0, tzinfo=UTC)
    # Before opening counts from 09:00.
    early = datetime(2026, 11, 2, 5, 0, tzinfo=UTC)
    assert add_business_hours(early, 1) == datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def test_summer_time_is_respected():
    july_monday_9_paris = datetime(2026, 7, 6, 7, 0, tzinfo=UTC)  # UTC+2
    assert add_business_hours(july_monday_9_paris, 4) == datetime(2026, 7, 6, 11, 0, tzinfo=UTC)
