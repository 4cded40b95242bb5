"""Every sort a list offers on a table that grows with the data is served by an index.

Sorting a list by a column without an index makes the database sort every matching row before it
can show the first page (reviews by rating: an on-disk sort of a million rows). Each sortable
column must lead an index, a primary key or a unique constraint; the lists of small tables, whose
size follows the calendar or the staff and not the marketplace, are named here with the reason.
"""

from __future__ import annotations

import sqlalchemy as sa

from console.db import db

# Lists whose table stays small whatever the data set: (endpoint) -> why.
SMALL = {
    "vetting_sweeps": "one row a day",
    "sweeps": "one row a day",
    "macros": "a few dozen reply templates",
    "policy_versions": "a few versions a year",
    "cancellation_terms": "a few versions a year",
    "policy_campaigns": "one per significant policy version",
    "staff": "the staff",
    "privacy_requests": "requests people send by hand",
    "webhook_endpoints": "the partners' endpoints",
}


# Sorts a queue of open complaints offers by urgency rank (a CASE no index serves): a queue holds the
# open complaints only, which the partial indexes over open complaints bound; the list of every
# complaint does not offer it.
QUEUE_RANK_SORTS = {("complaint", "severity")}


def _leading_columns(table: sa.Table) -> set[str]:
    leading = {index.columns[0].name for index in table.indexes if index.columns}
    for constraint in table.constraints:
        if isinstance(constraint, sa.PrimaryKeyConstraint | sa.UniqueConstraint) and constraint.columns:
            leading.add(next(iter(constraint.columns)).name)
    return leading


def _sortable(view) -> list[tuple[str, sa.Column]]:
    found = []
    for name, column in view._sortable_columns.items():
        column = column[1] if isinstance(column, tuple) else column
        found.append((name, getattr(column, "expression", column)))
    return found


def test_every_offered_sort_of_a_growing_table_has_an_index(app):
    admin = app.extensions["admin"][0]
    missing, checked = [], 0
    for view in admin._views:
        if not getattr(view, "_sortable_columns", None) or view.endpoint in SMALL:
            continue
        for name, column in _sortable(view):
            table = db.metadata.tables.get(getattr(getattr(column, "table", None), "name", ""))
            assert table is not None, f"{view.endpoint}: sort {name!r} is not a table column"
            checked += 1
            queue_rank = (table.name, column.name) in QUEUE_RANK_SORTS and view.endpoint != "complaints"
            if column.name not in _leading_columns(table) and not queue_rank:
                missing.append(f"{view.endpoint}: {table.name}.{column.name}")
    assert checked > 40  # the lists were found
    assert not missing, "sorts without an index: " + ", ".join(missing)


def test_the_small_lists_named_above_exist(app):
    endpoints = {getattr(view, "endpoint", None) for view in app.extensions["admin"][0]._views}
    assert set(SMALL) <= endpoints
