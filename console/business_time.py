"""Business hours in Europe/Paris: Monday to Friday, 09:00-18:00, French public holidays off.

Pure functions; every deadline in the console (restriction proposals, complaint SLAs) uses them.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")
OPENS, CLOSES = time(9, 0), time(18, 0)


def paris_today(now: datetime) -> date:
    """The calendar day in France at `now` (every sweep's and report's "today")."""
    return now.astimezone(PARIS).date()


def easter_sunday(year: int) -> date:
    """Western Easter (anonymous Gregorian algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    line = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * line) // 451
    month, day = divmod(h + line - 7 * m + 114, 31)
    return date(year, month, day + 1)


@lru_cache(maxsize=64)
def french_holidays(year: int) -> frozenset[date]:
    """The eleven public holidays of metropolitan France."""
    easter = easter_sunday(year)
    fixed = [(1, 1), (5, 1), (5, 8), (7, 14), (8, 15), (11, 1), (11, 11), (12, 25)]
    movable = [easter + timedelta(days=1), easter + timedelta(days=39), easter + timedelta(days=50)]
    return frozenset([date(year, m, d) for m, d in fixed] + movable)


def is_business_day(day: date) -> bool:
    return day.weekday() < 5 and day not in french_holidays(day.year)


def add_business_hours(start: datetime, hours: float) -> datetime:
    """The moment `hours` of business time after `start` (aware), returned in UTC."""
    remaining = timedelta(hours=hours)
    local = start.astimezone(PARIS)
    while True:
        day = local.date()
        if is_business_day(day):
            opens = datetime.combine(day, OPENS, PARIS)
            closes = datetime.combine(day, CLOSES, PARIS)
            cursor = max(local, opens)
            if cursor < closes:
                if cursor + remaining <= closes:
                    return (cursor + remaining).astimezone(UTC)
                remaining -= closes - cursor
        local = datetime.combine(day + timedelta(days=1), time(0), PARIS)


def add_business_days(start: datetime, days: int) -> datetime:
    """`days` business days of 9 hours each after `start`, in UTC."""
    return add_business_hours(start, days * 9)


def business_hours_between(start: datetime, end: datetime) -> float:
    """Business hours elapsed from `start` to `end` (0 when end is not after start)."""
    if end <= start:
        return 0.0
    total = timedelta()
    day = start.astimezone(PARIS).date()
    last = end.astimezone(PARIS).date()
    while day <= last:
        if is_business_day(day):
            opens = max(datetime.combine(day, OPENS, PARIS), start)
            closes = min(datetime.combine(day, CLOSES, PARIS), end)
            if closes > opens:
                total += closes - opens
        day += timedelta(days=1)
    return total.total_seconds() / 3600


def week_starts(now: datetime, weeks: int = 8) -> list[datetime]:
    """Mondays 00:00 in Paris (in UTC) of the last `weeks` weeks, the oldest first, the week of
    `now` last (the home page's weekly charts)."""
    local = now.astimezone(PARIS).date()
    monday = local - timedelta(days=local.weekday())
    days = [monday - timedelta(weeks=back) for back in range(weeks - 1, -1, -1)]
    return [datetime.combine(day, time(0), PARIS).astimezone(UTC) for day in days]
