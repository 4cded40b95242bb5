"""Lists whose cost does not grow with the table (DESIGN §1, runtime parts).

Flask-Admin's defaults cost more as data grows: a `count(*)` over every matching row on each page,
the displayed relationships joined before LIMIT/OFFSET (page 50 joins 2,500 rows), OFFSET as deep
as anyone asks, and a one-letter substring search that no trigram index can serve. The mixin
below bounds each of them, for every list of the console:

- counts stop at COUNT_CAP + 1 rows and show as "10 000+" (French figures below that);
- related rows are loaded after paging, one `IN (page ids)` statement per relationship;
- OFFSET stops at COUNT_CAP rows: a deeper page shows the last reachable one and says to refine;
- a substring search needs MIN_SEARCH characters (references such as PRV-000123 are exact
  lookups and work from the first character), and shows its rows with next/previous but no
  total: counting a common name visits every match (35,000 clients named Mathieu among five
  million), while a page reads its rows in the list's order;
- on PostgreSQL, a substring search in the list's default order (newest first) looks among the
  `recent_window` newest rows first: a common name fills its page there, and those are exactly the
  newest matches; only a rarer term goes to the trigram index, whose matches are then few. (From
  a trigram pattern PostgreSQL expects about a thousand matches, so it would read every one of
  a common name's 32,000 and sort them, 170 ms on five million clients.)
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import flash, g, has_request_context, request
from sqlalchemy.orm import Query, selectinload

from console import counts, formatting
from console.counts import COUNT_CAP, count_label
from console.db import db
from console.domain import _

__all__ = ["COUNT_CAP", "MIN_SEARCH", "BoundedList", "CappedCount", "count_label"]
MIN_SEARCH = 3


class CappedCount(Query):
    """A count query (`count(*) FROM … WHERE …`, with the list's joins and filters) whose result
    stops at COUNT_CAP + 1: `count(*)` over the matching rows, at most COUNT_CAP + 1 of them."""

    def scalar(self) -> Any:
        matching = self.with_entities(sa.literal(1)).limit(counts.current_cap() + 1).subquery()
        return self.session.query(sa.func.count()).select_from(matching).scalar()


class BoundedList:
    """Mixed into the console's model views (before Flask-Admin's ModelView)."""

    recent_window = 10_000  # rows a substring search reads newest-first before the trigram index

    @property
    def simple_list_pager(self) -> bool:
        """Flask-Admin skips the count (and pages with next/previous) when this holds."""
        return has_request_context() and self.substring_search(request.args.get("search", ""))

    def substring_search(self, term: str) -> bool:
        """Whether `term` is a substring search (not an exact lookup, long enough to run)."""
        return self.lookup_condition(term) is None and len(term.strip()) >= MIN_SEARCH

    def get_list(self, page, sort_column, sort_desc, search, filters, execute=True, page_size=None):
        floor = self._recent_floor(sort_column, search, execute)
        if floor is None:
            return super().get_list(page, sort_column, sort_desc, search, filters, execute, page_size)
        g.search_floor = floor  # read by _apply_search, for this request only
        try:
            count, rows = super().get_list(page, sort_column, sort_desc, search, filters, execute, page_size)
        finally:
            g.pop("search_floor", None)
        if len(rows) == (page_size or self.page_size):  # a full page among the newest rows
            return count, rows
        return super().get_list(page, sort_column, sort_desc, search, filters, execute, page_size)

    def _recent_floor(self, sort_column: Any, search: str | None, execute: bool) -> Any:
        """The id of the `recent_window`-th newest row, when a substring search in the default
        newest-first order on PostgreSQL may look among the newest rows first; else None."""
        if not (execute and search and sort_column is None and self.substring_search(search)):
            return None
        if db.session.get_bind().dialect.name != "postgresql":
            return None
        key = sa.inspect(self.model).primary_key
        default = self.column_default_sort
        if len(key) != 1 or (default if isinstance(default, list) else [default]) != [(key[0].name, True)]:
            return None
        return db.session.scalar(
            sa.select(key[0]).order_by(key[0].desc()).offset(self.recent_window - 1).limit(1)
        )  # None: a table smaller than the window

    def get_count_query(self):
        return CappedCount([sa.func.count("*")], db.session()).select_from(self.model)

    def scaffold_auto_joins(self) -> list[Any]:
        # Flask-Admin would join these relationships into the paged query; load them afterwards.
        self._after_page = super().scaffold_auto_joins()
        return []

    def _apply_pagination(self, query, page: int | None, page_size: int | None):
        size = page_size if page_size is not None else self.page_size
        if page and size and page * size > counts.COUNT_CAP:
            page = counts.COUNT_CAP // size
            flash(
                _(
                    "Only the first %(rows)s rows can be paged through: refine the search or the "
                    "filters to reach the others.",
                    rows=formatting.format_number(counts.COUNT_CAP),
                ),
                "info",
            )
        query = super()._apply_pagination(query, page, page_size)
        loads = [selectinload(relation) for relation in getattr(self, "_after_page", [])]
        return query.options(*loads) if loads else query

    def lookup_condition(self, term: str) -> Any:
        return None  # ConsoleModelView's: references, SIRET, e-mail addresses

    def _apply_search(self, query, count_query, joins, count_joins, search):
        # Exact lookups (PRV-000123) were made before: see ConsoleModelView._apply_search.
        if len(search.strip()) >= MIN_SEARCH:
            query, count_query, joins, count_joins = super()._apply_search(
                query, count_query, joins, count_joins, search
            )
            floor = g.get("search_floor") if has_request_context() else None
            if floor is not None:
                query = query.filter(sa.inspect(self.model).primary_key[0] >= floor)
            return query, count_query, joins, count_joins
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
