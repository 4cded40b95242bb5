"""Spreadsheet exports in the form a French spreadsheet opens as columns: `;` between cells,
UTF-8 with a byte-order mark, decimal comma, dates `dd/mm/yyyy`, times in Paris; cells a
spreadsheet would run as formulas are neutralised."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"


def neutralise(value: Any) -> Any:
    """A cell a spreadsheet would run as a formula starts with a quote instead."""
    if isinstance(value, str) and value[:1] in FORMULA_STARTS:
        return "'" + value
    return value


def cell(value: Any) -> str:
    """One value as a French spreadsheet reads it (numbers stay numbers: no thousands separator)."""
    from console.formatting import format_date, format_datetime

    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, datetime):
        return format_datetime(value, "fr")
    if isinstance(value, date):
        return format_date(value, "fr")
    if isinstance(value, float | Decimal):
        return str(value).replace(".", ",")
    if isinstance(value, Enum):
        value = value.value
    return neutralise(str(value))


class _Line:
    def write(self, value: str) -> str:
        return value


def csv_lines(titles: Iterable[str], rows: Iterable[Iterable[Any]]) -> Iterator[str]:
    """The file line by line, the byte-order mark first (for streaming responses)."""
    writer = csv.writer(_Line(), delimiter=";", lineterminator="\r\n")
    yield BOM + writer.writerow([neutralise(str(t)) for t in titles])
    for row in rows:
        yield writer.writerow([cell(v) for v in row])


def csv_text(titles: Iterable[str], rows: Iterable[Iterable[Any]]) -> str:
    """The whole file as one string (for attachments)."""
    out = io.StringIO()
    for line in csv_lines(titles, rows):
        out.write(line)
    return out.getvalue()
