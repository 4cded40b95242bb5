"""Lists whose cost does not grow with the table (DESIGN §1, runtime parts).

Flask-Admin's defaults cost more as data grows: a `count(*)` over every matching row on each page,
the displayed relationships joined before LIMIT/OFFSET (page 50 joins 2,500 rows), OFFSET as deep
as anyone asks, and a one-letter substring search that no trigram index can serve. The mixin
below bounds each of them, for every list of the console:

- counts stop at COUNT_CAP + 1 rows and show as "10 000+" (French figures below that);
- related rows are loaded after paging, one `IN (page ids)` statement per relationship;
- OFFSET stops at COUNT_CAP rows: a deeper page shows the last reachable one and says to refine;
- a substring search needs MIN_SEARCH characters (references such as PRV-000123 are exact
  lookups and work from the first character).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import flash
from sqlalchemy.orm import Query, selectinload

from console import formatting
from console.db import db
from console.domain import _

COUNT_CAP = 10_000
MIN_SEARCH = 3


class CappedCount(Query):
    """A count query (`count(*) FROM … WHERE …`, with the list's joins and filters) whose result
    stops at COUNT_CAP + 1: `count(*)` over the matching rows, at most COUNT_CAP + 1 of them."""

    def scalar(self) -> Any:
        matching = self.with_entities(sa.literal(1)).limit(COUNT_CAP + 1).subquery()
        return self.session.query(sa.func.count()).select_from(matching).scalar()


@dataclass(frozen=True)
class QueueFigures:
    """What a home card shows of a queue: its size (at most COUNT_CAP + 1) and its oldest item."""

    count: int
    oldest: datetime | None


def queue_figures(entity: Any, condition: Any, age_column: Any) -> QueueFigures:
    """A queue's capped size and the moment its oldest row started waiting (`age_column`).

    One statement over at most COUNT_CAP + 1 matching rows: a bare `min(age)` lets PostgreSQL walk
    the age column's index hoping to meet a matching row early, which for a rare condition (failed
    messages) reads the whole table (1.1 s on the large set, against 1 ms this way). Past the cap
    the oldest row is looked up over the whole queue."""
    matching = (
        sa.select(age_column.label("age"))
        .select_from(entity)
        .where(condition)
        .limit(COUNT_CAP + 1)
        .subquery()
    )
    count, oldest = db.session.execute(sa.select(sa.func.count(), sa.func.min(matching.c.age))).one()
    if count > COUNT_CAP:
        oldest = db.session.scalar(sa.select(sa.func.min(age_column)).select_from(entity).where(condition))
    return QueueFigures(count, oldest)


def count_label(count: int) -> str:
    """A list's count as shown: French figures, "10 000+" past the cap."""
    if count > COUNT_CAP:
        return formatting.format_number(COUNT_CAP) + "+"
    return formatting.format_number(count)


class BoundedList:
    """Mixed into the console's model views (before Flask-Admin's ModelView)."""

    def get_count_query(self):
        return CappedCount([sa.func.count("*")], db.session()).select_from(self.model)

    def scaffold_auto_joins(self) -> list[Any]:
        # Flask-Admin would join these relationships into the paged query; load them afterwards.
        self._after_page = super().scaffold_auto_joins()
        return []

    def _apply_pagination(self, query, page: int | None, page_size: int | None):
        size = page_size if page_size is not None else self.page_size
        if page and size and page * size > COUNT_CAP:
            page = COUNT_CAP // size
            flash(
                _(
                    "Only the first %(rows)s rows can be paged through: refine the search or the "
                    "filters to reach the others.",
                    rows=formatting.format_number(COUNT_CAP),
                ),
                "info",
            )
        query = super()._apply_pagination(query, page, page_size)
        loads = [selectinload(relation) for relation in getattr(self, "_after_page", [])]
        return query.options(*loads) if loads else query

    def _apply_search(self, query, count_query, joins, count_joins, search):
        # References (PRV-000123) were looked up before: see ConsoleModelView._apply_search.
        if len(search.strip()) >= MIN_SEARCH:
            return super()._apply_search(query, count_query, joins, count_joins, search)
        flash(
            _(
                "Type at least %(count)s characters to search (a reference such as PRV-000123 is "
                "found from its number).",
                count=MIN_SEARCH,
            ),
            "warning",
        )
        return (
            query.filter(sa.false()),
            count_query.filter(sa.false()) if count_query is not None else None,
            joins,
            count_joins,
        )

    def render(self, template: str, **kwargs: Any):
        if isinstance(kwargs.get("count"), int):
            kwargs["count"] = count_label(kwargs["count"])
        return super().render(template, **kwargs)
