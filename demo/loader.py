"""Bulk loading (COPY on PostgreSQL, executemany elsewhere) and resetting marketplace tables."""

from __future__ import annotations

import json
import time
from collections.abc import Iterable

import sqlalchemy as sa

from console.db import db
from demo.generator import CHUNK, Echo
from marketplace.models import (
    Client,
    Provider,
)


class _Loader:
    """Insert rows into one table: COPY on PostgreSQL, chunked executemany elsewhere."""

    def __init__(self, echo: Echo, *, rebuild_indexes: bool = False):
        self.connection = db.session.connection()
        self.postgresql = self.connection.dialect.name == "postgresql"
        self.echo = echo
        # Large loads on PostgreSQL: drop a table's secondary indexes, COPY, then build them again
        # (much faster than maintaining them row by row, above all the trigram GIN indexes). DDL
        # is transactional there: a failed seed leaves the indexes as they were.
        # Foreign keys too: dropped before the COPY and added back after it, which checks every row
        # in one join instead of one index lookup per row per key (the rows are valid by
        # construction; adding the constraint back proves it). The index builds get more memory:
        # the trigram indexes of millions of names are built in memory rather than in spilled runs.
        self.rebuild_indexes = rebuild_indexes and self.postgresql
        if self.rebuild_indexes:
            self.connection.exec_driver_sql("SET LOCAL maintenance_work_mem = '1GB'")

    def _drop_secondary_indexes(self, table: sa.Table) -> list[tuple[str, str]]:
        """Drop the indexes that back no constraint; return (name, definition) to rebuild them."""
        indexes = self.connection.execute(
            sa.text(
                "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x "
                "JOIN pg_class i ON i.oid = x.indexrelid "
                "WHERE x.indrelid = CAST(:table AS regclass) "
                "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)"
            ),
            {"table": table.name},
        ).all()
        for name, _ in indexes:
            self.connection.exec_driver_sql(f'DROP INDEX "{name}"')
        return [tuple(row) for row in indexes]

    def _drop_foreign_keys(self, table: sa.Table) -> list[tuple[str, str]]:
        """Drop the table's foreign keys; return (name, definition) to add them back."""
        keys = self.connection.execute(
            sa.text(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = CAST(:table AS regclass) AND contype = 'f' ORDER BY conname"
            ),
            {"table": table.name},
        ).all()
        for name, _ in keys:
            self.connection.exec_driver_sql(f'ALTER TABLE "{table.name}" DROP CONSTRAINT "{name}"')
        return [tuple(row) for row in keys]

    def load(self, table: sa.Table, columns: tuple[str, ...], rows: Iterable[tuple], total: int) -> int:
        started = time.perf_counter()
        dropped = self._drop_secondary_indexes(table) if self.rebuild_indexes else []
        foreign_keys = self._drop_foreign_keys(table) if self.rebuild_indexes else []
        step = max(total // 10, 1) if total >= 100_000 else 0
        count = 0

        def progress(n: int) -> None:
            if step and n % step == 0:
                rate = n / max(time.perf_counter() - started, 1e-9)
                self.echo(f"    {table.name}: {n:,}/{total:,} ({rate:,.0f} rows/s)")

        if self.postgresql:
            json_columns = {i for i, c in enumerate(columns) if isinstance(table.c[c].type, sa.JSON)}
            raw = self.connection.connection.driver_connection
            names = ", ".join(columns)
            with raw.cursor() as cursor, cursor.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:
                for row in rows:
                    if json_columns:
                        row = tuple(json.dumps(v) if i in json_columns else v for i, v in enumerate(row))
                    copy.write_row(row)
                    count += 1
                    progress(count)
        else:
            insert = table.insert()
            chunk: list[dict] = []
            for row in rows:
                chunk.append(dict(zip(columns, row, strict=True)))
                count += 1
                progress(count)
                if len(chunk) >= CHUNK:
                    self.connection.execute(insert, chunk)
                    chunk = []
            if chunk:
                self.connection.execute(insert, chunk)
        if dropped:
            built = time.perf_counter()
            for _, definition in dropped:
                self.connection.exec_driver_sql(definition)
            self.echo(
                f"    {table.name}: {len(dropped)} indexes rebuilt in {time.perf_counter() - built:.1f} s"
            )
        if foreign_keys:
            checked = time.perf_counter()
            for name, definition in foreign_keys:
                add = f'ALTER TABLE "{table.name}" ADD CONSTRAINT "{name}" {definition}'
                self.connection.exec_driver_sql(add)
            self.echo(
                f"    {table.name}: {len(foreign_keys)} foreign keys added back (every row checked) in "
                f"{time.perf_counter() - checked:.1f} s"
            )
        return count

    def reset_sequence(self, table: sa.Table) -> None:
        if self.postgresql:
            self.connection.execute(
                sa.text(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "  # noqa: S608 - our table names
                    f"(SELECT coalesce(max(id), 0) + 1 FROM {table.name}), false)"
                )
            )


# Tables that refer to no marketplace row but only make sense with the seeded data: the insurance
# and vetting sweeps' summaries (their counts describe the deleted records), the terms and policy
# versions, and the staff's views of the deleted people (the access log).
DEPENDENT_TABLES = (
    "insurance_sweep",
    "vetting_sweep",
    "cancellation_terms",
    "policy_version",
    "access_entry",
)


def marketplace_tables() -> list[sa.Table]:
    """Providers and clients, every table that refers to them (directly or not) and the insurance
    sweeps, children first (policy_reminder, insurance_sweep, insurance_policy before provider)."""
    roots = {Provider.__table__.name, Client.__table__.name, *DEPENDENT_TABLES}
    names = {name for name in roots if name in db.metadata.tables}
    changed = True
    while changed:
        changed = False
        for table in db.metadata.sorted_tables:
            if table.name not in names and any(fk.column.table.name in names for fk in table.foreign_keys):
                names.add(table.name)
                changed = True
    return [t for t in reversed(db.metadata.sorted_tables) if t.name in names]


def _related_types(tables: list[sa.Table]) -> list[str]:
    """The class names the outbox uses (`related_type`) for rows of these tables."""
    names = {t.name for t in tables}
    return sorted(
        mapper.class_.__name__
        for mapper in db.Model.registry.mappers
        if getattr(mapper.local_table, "name", None) in names
    )


def delete_marketplace_data(echo: Echo) -> None:
    """Delete the marketplace records and, in the outbox, the messages about them (insurance
    reminders...): their `related_id` would otherwise point at the new rows that reuse the ids.
    Staff accounts and the audit trail are kept."""
    from console.notifications.models import Notification

    started = time.perf_counter()
    tables = marketplace_tables()
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        names = ", ".join(f'"{t.name}"' for t in tables)
        connection.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    else:
        connection.exec_driver_sql("PRAGMA defer_foreign_keys = ON")
        for table in tables:
            connection.execute(table.delete())
    messages = connection.execute(
        sa.delete(Notification).where(Notification.related_type.in_(_related_types(tables)))
    ).rowcount
    names = ", ".join(t.name for t in tables)
    echo(
        f"  deleted marketplace data ({names}) and {messages:,} messages about it "
        f"in {time.perf_counter() - started:.1f} s"
    )
