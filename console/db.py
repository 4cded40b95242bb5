"""Database object, column types shared by every package, and after-commit hooks."""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from flask_sqlalchemy import SQLAlchemy
from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy import event
from sqlalchemy.orm import DeclarativeBase

log = logging.getLogger(__name__)

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


class ConsoleSession(FlaskSession):
    """Flask-SQLAlchemy's session, except that an explicit `bind` wins (tests bind a connection)."""

    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):  # noqa: D102
        if bind is None and self.bind is not None:
            return self.bind
        return super().get_bind(mapper=mapper, clause=clause, bind=bind, **kwargs)


db = SQLAlchemy(model_class=Base, session_options={"class_": ConsoleSession})


def utcnow() -> datetime:
    """Return the current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


class UTCDateTime(sa.types.TypeDecorator):
    """A timestamp stored in UTC and always read back timezone-aware (SQLite drops the zone)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:  # admin filters parse naive values; the console shows UTC
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def enum_type(enum_cls: type[enum.Enum], name: str) -> sa.Enum:
    """A portable string column limited to an enum's values by a CHECK constraint."""
    return sa.Enum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=max(len(m.value) for m in enum_cls),
        values_callable=lambda e: [m.value for m in e],
        validate_strings=True,
    )


def partial_index(name: str, *columns: Any, where: str, **options: Any) -> sa.Index:
    """An index over the rows matching `where` (SQL), the same on PostgreSQL and SQLite."""
    return sa.Index(name, *columns, postgresql_where=sa.text(where), sqlite_where=sa.text(where), **options)


def configure_sqlite(engine: sa.Engine, *, immediate: bool = False) -> None:
    """Make SQLite behave: real transactions and savepoints, foreign keys, WAL, a busy timeout.

    With `immediate` (the demo's file database, outside the test suite), every transaction takes
    the write lock when it begins: in WAL mode a transaction that read and then writes after
    another connection committed fails at once with "database is locked" (its snapshot is stale,
    the busy timeout cannot help), which is what a report build beside web requests did."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, record) -> None:
        dbapi_connection.isolation_level = None  # let SQLAlchemy emit BEGIN itself
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={30_000 if immediate else 5000}")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA secure_delete=ON")  # erased values must not linger in free pages
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def is_write_conflict(exc: BaseException) -> bool:
    """Whether `exc` means another transaction changed the same rows first (optimistic
    version check, SQLite's writer lock, a PostgreSQL serialization failure or deadlock)."""
    from sqlalchemy.exc import OperationalError
    from sqlalchemy.orm.exc import StaleDataError

    if isinstance(exc, StaleDataError):
        return True
    if isinstance(exc, OperationalError):
        text = str(exc.orig).lower()
        return any(s in text for s in ("database is locked", "could not serialize", "deadlock detected"))
    return False


def discard_session() -> None:
    """Drop the session's connections from the pool without talking to the database (it may be the
    thing that is gone); the next use checks out a fresh connection."""
    try:
        db.session().invalidate()
    except Exception:
        log.warning("invalidating the session's connection failed", exc_info=True)
        db.session().expunge_all()


# --- after-commit hooks -----------------------------------------------------------------

_HOOKS_KEY = "after_commit_hooks"


def after_commit(callback: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
    """Run `callback(*args, **kwargs)` once the current transaction commits (dropped on rollback)."""
    session = db.session()
    if not session.in_transaction():
        session.begin()  # tie the hook to a transaction, so a rollback drops it
    session.info.setdefault(_HOOKS_KEY, []).append((callback, args, kwargs))


@event.listens_for(ConsoleSession, "after_commit")
def _run_after_commit_hooks(session) -> None:
    hooks = session.info.pop(_HOOKS_KEY, [])
    for callback, args, kwargs in hooks:
        try:
            callback(*args, **kwargs)
        except Exception as exc:
            # The data is committed; a failed side effect (Redis down, say) is logged and left
            # to the periodic sweeps that pick up pending work, never turned into a 500.
            from console.domain import QueueUnavailable

            name = getattr(callback, "__name__", callback)
            if isinstance(exc, QueueUnavailable):
                log.warning("after-commit hook %s: %s; the periodic sweep will pick it up", name, exc)
            else:
                log.exception("after-commit hook %s failed", name)


_ROLLBACK_KEY = "on_rollback_hooks"


def on_rollback(callback: Callable[..., Any], *args: Any) -> None:
    """Run `callback(*args)` if the current transaction rolls back (undo a file written early)."""
    session = db.session()
    if not session.in_transaction():
        session.begin()
    session.info.setdefault(_ROLLBACK_KEY, []).append((callback, args))


@event.listens_for(ConsoleSession, "after_soft_rollback")
def _drop_after_commit_hooks(session, previous_transaction) -> None:
    if previous_transaction.parent is None:
        session.info.pop(_HOOKS_KEY, None)
        for callback, args in session.info.pop(_ROLLBACK_KEY, []):
            try:
                callback(*args)
            except Exception:
                log.exception("rollback hook %s failed", getattr(callback, "__name__", callback))


@event.listens_for(ConsoleSession, "after_commit")
def _drop_rollback_hooks(session) -> None:
    session.info.pop(_ROLLBACK_KEY, None)


# --- migrations ---------------------------------------------------------------------------

TRIGRAM_INDEX_PREFIX = "trgm_"


def include_in_migrations(obj, name, type_, reflected, compare_to) -> bool:
    """Autogenerate ignores the PostgreSQL-only trigram search indexes (managed by hand)."""
    return not (type_ == "index" and name and name.startswith(TRIGRAM_INDEX_PREFIX))


def row_dict(row: Any, *, exclude: tuple[str, ...] = ()) -> dict[str, Any]:
    """A record's columns as plain JSON-able values (the subject access export)."""
    values = {}
    for column in row.__table__.columns:
        if column.key in exclude:
            continue
        value = getattr(row, column.key)
        if hasattr(value, "isoformat"):
            value = value.isoformat()
        elif hasattr(value, "value") and not isinstance(value, (int, str, bool)):
            value = value.value
        values[column.key] = value
    return values


def bulk_insert(model: Any, rows: list[dict[str, Any]], *, returning_ids: bool = False) -> list[int]:
    """Insert many rows of `model` in the current transaction: COPY on PostgreSQL (ids reserved
    from the table's sequence first, when asked for), multi-row inserts elsewhere. Rows carry every
    column they set (no Python-side defaults are applied); enum members are written as values.
    Returns the new ids in the order of `rows` when `returning_ids`."""
    if not rows:
        return []
    table = model.__table__
    if db.session.get_bind().dialect.name != "postgresql":
        if returning_ids:
            statement = sa.insert(table).returning(table.c.id, sort_by_parameter_order=True)
            return list(db.session.scalars(statement, rows))
        for start in range(0, len(rows), 500):
            db.session.execute(sa.insert(table).values(rows[start : start + 500]))
        return []
    ids: list[int] = []
    if returning_ids:
        ids = list(
            db.session.scalars(
                sa.text("SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :n)"),
                {"table": table.name, "n": len(rows)},
            )
        )
        rows = [{**row, "id": new_id} for row, new_id in zip(rows, ids, strict=True)]
    columns = list(rows[0])
    connection = db.session.connection()
    # The columns' own bind processing (redaction of received text, enums as their values...).
    processors = [table.c[c].type.bind_processor(connection.dialect) for c in columns]
    cursor = connection.connection.dbapi_connection.cursor()
    names = ", ".join(f'"{c}"' for c in columns)
    with cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:  # noqa: S608 (our own names)
        for row in rows:
            copy.write_row([p(row[c]) if p else row[c] for c, p in zip(columns, processors, strict=True)])
    return ids


def bucket_index(column: Any, starts: Sequence[Any]) -> sa.ColumnElement[int]:
    """SQL: the index of the last of `starts` (ascending) that `column` reaches; -1 before the first.
    Weekly figures group on it in one statement, the same on SQLite and PostgreSQL."""
    cases = [(column >= start, index) for index, start in reversed(list(enumerate(starts)))]
    return sa.case(*cases, else_=-1)
