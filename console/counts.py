"""Counts whose cost does not grow with the data: they stop at COUNT_CAP + 1 rows."""

from __future__ import annotations

import sqlalchemy as sa

from console import formatting
from console.db import db

COUNT_CAP = 10_000


def capped_count(condition_query: sa.Select) -> int:
    """`count(*)` over at most COUNT_CAP + 1 rows of `condition_query` (a SELECT with its WHERE)."""
    matching = condition_query.with_only_columns(sa.literal(1)).limit(COUNT_CAP + 1).subquery()
    return db.session.scalar(sa.select(sa.func.count()).select_from(matching)) or 0


def count_label(count: int) -> str:
    """A count as shown: French figures, "10 000+" past the cap."""
    if count > COUNT_CAP:
        return formatting.format_number(COUNT_CAP) + "+"
    return formatting.format_number(count)
