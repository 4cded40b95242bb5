"""What every report builder shares: the result handed to the renderer, period bounds, CSV, formats.

Builders read; they never change anything. Each takes its parameters, the day the data is
read for, and a `progress(percent)` callback. A section whose data the console does not record
(policy versions) says so instead of showing a number.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Any

from console.business_time import PARIS
from console.formatting import format_datetime, format_number, format_percent
from console.spreadsheet import csv_text
from marketplace.reporting import provider_reference
from reports.render import CsvAttachment
from reports.workflow import Period

Progress = Callable[[int], None]

__all__ = [
    "Built", "Missing", "Progress", "csv_bytes", "day_bounds", "number", "pct", "provider_reference", "when",
]  # fmt: skip


@dataclass(frozen=True)
class Missing:
    """A section whose data the console does not record yet: the PDF says why, with no number."""

    reason: str


@dataclass
class Built:
    """What a builder hands to the renderer."""

    template: str
    period: str
    subject: str
    data: Any
    attachments: list[CsvAttachment] = field(default_factory=list)


def day_bounds(period: Period) -> tuple[datetime, datetime]:
    """[start, end) in UTC of the period's days in France."""
    start = datetime.combine(period.starts_on, time.min, tzinfo=PARIS).astimezone(UTC)
    end = datetime.combine(period.ends_on + timedelta(days=1), time.min, tzinfo=PARIS).astimezone(UTC)
    return start, end


def csv_bytes(header: list[str], rows: Iterable[Iterable[Any]]) -> bytes:
    """A CSV file as a French spreadsheet opens it: `;`, BOM, dd/mm/yyyy, decimal comma (UTF-8)."""
    return csv_text(header, rows).encode("utf-8")


def pct(value: float | None) -> str:
    """A percentage (0..100) as the reader writes it: `97,7 %`; a dash when there is none."""
    return "—" if value is None else format_percent(value / 100)


def number(value: int | float) -> str:
    """`1 234` (French) or `1,234` (English)."""
    return format_number(value)


def when(moment: datetime | None) -> str:
    """A stored UTC time in Paris: `02/12/2026 14:05`."""
    return format_datetime(moment) if moment else ""
