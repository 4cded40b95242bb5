"""Counts whose cost does not grow with the data: they stop at COUNT_CAP + 1 rows."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from console import formatting
from console.db import db

COUNT_CAP = 10_000
# A home card is read at a glance: its queue is counted up to here ("1 000+"), so the home page
# reads the same few rows whether a queue holds 2,000 items or 20,000.
CARD_CAP = 1_000
_cap: ContextVar[int | None] = ContextVar("count_cap", default=None)


def current_cap() -> int:
    """The cap of the counts made now: COUNT_CAP, or CARD_CAP while the home page counts."""
    cap = _cap.get()
    return COUNT_CAP if cap is None else cap


@contextmanager
def capped_at(cap: int) -> Iterator[None]:
    """Counts made inside (capped_count, a list's count query, count_label) stop at `cap`."""
    token = _cap.set(cap)
    try:
        yield
    finally:
        _cap.reset(token)


def capped_count(condition_query: sa.Select) -> int:
    """`count(*)` over at most current_cap() + 1 rows of `condition_query` (a SELECT and its WHERE)."""
    matching = condition_query.with_only_columns(sa.literal(1)).limit(current_cap() + 1).subquery()
    return db.session.scalar(sa.select(sa.func.count()).select_from(matching)) or 0


def count_label(count: int) -> str:
    """A count as shown: French figures, "10 000+" past the cap (current_cap())."""
    cap = current_cap()
    if count > cap:
        return formatting.format_number(cap) + "+"
    return formatting.format_number(count)


@dataclass(frozen=True)
class QueueFigures:
    """What a home card shows of a queue: its size (capped) and its oldest item."""

    count: int
    oldest: datetime | None


def queue_figures(entity: Any, condition: Any, age_column: Any) -> QueueFigures:
    """A queue's capped size and the moment its oldest row started waiting (`age_column`).

    One statement over at most current_cap() + 1 matching rows: a bare `min(age)` lets PostgreSQL walk
    the age column's index hoping to meet a matching row early, which for a rare condition (failed
    messages) reads the whole table (1.1 s on the large set, against 1 ms this way). Past the cap
    the oldest row is the first met in the age order over the whole queue."""
    matching = (
        sa.select(age_column.label("age"))
        .select_from(entity)
        .where(condition)
        .limit(current_cap() + 1)
        .subquery()
    )
    count, oldest = db.session.execute(sa.select(sa.func.count(), sa.func.min(matching.c.age))).one()
    if count > current_cap():  # a common condition: walking the age index meets a matching row at once
        oldest = db.session.scalar(
            sa.select(age_column).select_from(entity).where(condition).order_by(age_column).limit(1)
        )
    return QueueFigures(count, oldest)
