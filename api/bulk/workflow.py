"""Rules of the bulk load: reading lines (JSON Lines or CSV), CSV cells to typed values, batches.
Pure Python: no database."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from console.domain import _

BATCH_SIZE = 5000
KINDS = ("providers", "clients", "bookings", "reviews")
# CSV cells are text: these columns are numbers, booleans or lists (separated by "|").
INTEGERS = frozenset({"duration_minutes", "price_cents", "rating"})
BOOLEANS = frozenset({"consent_marketing_email", "consent_marketing_sms", "consent_partner_sharing"})
LISTS = frozenset({"services"})
TRUE, FALSE = frozenset({"true", "1", "yes", "oui"}), frozenset({"false", "0", "no", "non"})


@dataclass
class Line:
    number: int  # 1 for the first line of data (a CSV header is line 1, its first row line 2)
    values: dict[str, Any] | None
    errors: list[dict[str, str]] = field(default_factory=list)


def file_format(path: str) -> str:
    lowered = path.lower()
    if lowered.endswith((".jsonl", ".ndjson", ".json")):
        return "jsonl"
    if lowered.endswith(".csv"):
        return "csv"
    raise ValueError(_("Name the file .jsonl or .csv."))


def read_jsonl(lines: Iterable[str]) -> Iterator[Line]:
    for number, text in enumerate(lines, start=1):
        if not text.strip():
            continue
        try:
            value = json.loads(text)
        except ValueError as exc:
            yield Line(number, None, [{"field": "line", "detail": _("Not JSON: %(error)s", error=str(exc))}])
            continue
        if not isinstance(value, dict):
            yield Line(number, None, [{"field": "line", "detail": _("A line holds one JSON object.")}])
            continue
        yield Line(number, value)


def read_csv(lines: Iterable[str]) -> Iterator[Line]:
    reader = csv.DictReader(lines)
    for row in reader:
        number = reader.line_num
        if None in row:
            yield Line(number, None, [{"field": "line", "detail": _("More cells than columns.")}])
            continue
        values, errors = {}, []
        for name, cell in row.items():
            if cell is None or cell == "":
                continue
            try:
                values[name] = csv_value(name, cell)
            except ValueError as exc:
                errors.append({"field": name, "detail": str(exc)})
        yield Line(number, None if errors else values, errors)


def csv_value(name: str, cell: str) -> Any:
    """A CSV cell as the JSON value the schema expects."""
    if name in INTEGERS:
        try:
            return int(cell)
        except ValueError as exc:
            raise ValueError(_("Not a whole number.")) from exc
    if name in BOOLEANS:
        lowered = cell.strip().lower()
        if lowered in TRUE | FALSE:
            return lowered in TRUE
        raise ValueError(_("Write true or false."))
    if name in LISTS:
        return [part.strip() for part in cell.split("|") if part.strip()]
    return cell


def batches(lines: Iterable[Line], size: int = BATCH_SIZE) -> Iterator[list[Line]]:
    batch: list[Line] = []
    for line in lines:
        batch.append(line)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
