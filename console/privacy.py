"""Card numbers never reach the database: the `RedactedText` column type.

Every string column of the project is a `RedactedText`: the models may declare it, and every other
`String`/`Text` column (enums excepted) is turned into one before the mappers are configured, so a
new column is covered without anyone remembering to. Only `VERBATIM_COLUMNS` stay as they are:
values the console makes itself (hashes, digests, salts, random tokens and names, encrypted
secrets), which no person types and which a redaction would corrupt. A value assigned to such an attribute
is redacted at once (so forms, flashes and audit diffs only ever see the masked value), and the
type redacts again on the way to the database, which also covers bulk and Core inserts. Each
redaction made through the ORM is audited, without the number, when the transaction commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask import has_request_context
from sqlalchemy import event, inspect
from sqlalchemy.orm import Mapper

from console.db import ConsoleSession, db
from console.redaction import find_card_numbers, redact_card_numbers

REDACTION_ACTION = "privacy.card_number_redacted"
_PENDING = "card_redactions"


class RedactedText(sa.types.TypeDecorator):
    """Text (or a bounded string) with card numbers replaced by `[card ••••1234]`."""

    impl = sa.Text
    cache_ok = True

    def __init__(self, length: int | None = None):
        super().__init__()
        self.length = length
        if length is not None:
            self.impl = sa.String(length)

    def process_bind_param(self, value, dialect):
        return redact_card_numbers(value)[0] if isinstance(value, str) else value


# (table, column): machine-made values only, never typed by a person (tests/test_redaction_everywhere.py
# checks that each exists and that every other string column redacts).
VERBATIM_COLUMNS: frozenset[tuple[str, str]] = frozenset(
    {
        ("audit_event", "hash"),
        ("audit_event", "prev_hash"),
        ("audit_event", "personal_digest"),
        ("audit_legacy_hash", "hash"),
        ("audit_personal", "salt"),
        ("staff_user", "password_hash"),
        ("staff_session", "token_hash"),
        ("form_submission", "token"),
        ("stored_file", "storage_name"),
        ("stored_file", "sha256"),
        ("report_run", "sha256"),
        ("report_run", "job_id"),
        ("api_key", "prefix"),
        ("api_key", "digest"),
        ("api_idempotency_key", "request_digest"),
        ("webhook_endpoint", "secret_encrypted"),
        ("webhook_endpoint", "secret_prefix"),
        ("staff_mfa", "secret_encrypted"),
        ("staff_recovery_code", "code_hash"),
        ("staff_device", "device_hash"),
        ("portal_link", "token_digest"),
    }
)


def is_string_column(column: sa.Column) -> bool:
    """A column holding text (enums, limited to their own values, excepted)."""
    kind = column.type
    return isinstance(kind, RedactedText) or (isinstance(kind, sa.String) and not isinstance(kind, sa.Enum))


def redact_string_columns(metadata: sa.MetaData) -> None:
    """Make every string column of `metadata` a `RedactedText` of the same length, except the
    machine-made ones of VERBATIM_COLUMNS."""
    for table in metadata.tables.values():
        for column in table.columns:
            if (
                is_string_column(column)
                and not isinstance(column.type, RedactedText)
                and (table.name, column.name) not in VERBATIM_COLUMNS
            ):
                column.type = RedactedText(getattr(column.type, "length", None))


@event.listens_for(Mapper, "before_configured")
def _redact_every_string_column() -> None:
    redact_string_columns(db.metadata)


def _redact_on_set(target, value, oldvalue, initiator):
    if not isinstance(value, str):
        return value
    redacted, count = redact_card_numbers(value)
    if count:
        inspect(target).info.setdefault(_PENDING, []).append((initiator.key, count))
    return redacted


@event.listens_for(Mapper, "mapper_configured")
def _instrument_redacted_columns(mapper, class_) -> None:
    for attr in mapper.column_attrs:
        if any(isinstance(column.type, RedactedText) for column in attr.columns):
            event.listen(getattr(class_, attr.key), "set", _redact_on_set, retval=True)


@event.listens_for(ConsoleSession, "after_flush")
def _collect_redactions(session, flush_context) -> None:
    for obj in list(session.new) + list(session.dirty):
        state = inspect(obj)
        pending = state.info.pop(_PENDING, None)
        if not pending:
            continue
        object_id = "/".join(str(v) for v in state.mapper.primary_key_from_instance(obj))
        for field, count in pending:
            session.info.setdefault(_PENDING, []).append((type(obj).__name__, object_id, field, count))


@event.listens_for(ConsoleSession, "before_commit")
def _audit_redactions(session) -> None:
    from console.audit import services as audit  # late: audit imports the db module

    while True:
        session.flush()
        pending = session.info.pop(_PENDING, [])
        if not pending:
            session.info.pop(audit.LAST_ACTOR, None)
            return
        actor = _actor(session.info.get(audit.LAST_ACTOR))
        for object_type, object_id, field, count in pending:
            audit.record(
                actor,
                REDACTION_ACTION,
                object_type=object_type,
                object_id=object_id,
                changes={"field": field, "count": count},
            )


@event.listens_for(ConsoleSession, "after_soft_rollback")
def _drop_redactions(session, previous_transaction) -> None:
    if previous_transaction.parent is None:
        session.info.pop(_PENDING, None)
        session.info.pop("audit_last_actor", None)


def _actor(last_actor=None):
    """Who caused the redaction: the actor of the change being saved, else the signed-in
    staff member, else the running job."""
    from flask_login import current_user

    from console.jobs import running_job

    if last_actor is not None:
        return last_actor
    if has_request_context() and current_user and current_user.is_authenticated:
        return current_user._get_current_object()
    job = running_job.get()
    return f"system:{job}" if job else "system:redaction"


def redaction_count(*, since: datetime, until: datetime) -> int:
    """Card numbers redacted in [since, until), from the audit trail (for the compliance report)."""
    from console.audit.models import AuditEvent

    rows = db.session.scalars(
        sa.select(AuditEvent.changes).where(
            AuditEvent.action == REDACTION_ACTION,
            AuditEvent.occurred_at >= since,
            AuditEvent.occurred_at < until,
        )
    )
    return sum(int((changes or {}).get("count", 0)) for changes in rows)


# The row's time, by table: the first of these columns a table has bounds the scan to the period.
_ROW_TIMES = (
    "created_at",
    "occurred_at",
    "submitted_at",
    "received_at",
    "opened_at",
    "drafted_at",
    "requested_at",
)


@dataclass(frozen=True)
class CardScan:
    """The compliance report's scan of free text for card numbers left unmasked."""

    columns: int  # free-text columns scanned
    values: int  # non-empty values read
    found: list[tuple[str, str, object]]  # (table, column, row key) of each value holding one


def _free_text(column: sa.Column) -> bool:
    kind = column.type
    if isinstance(kind, (RedactedText, sa.Text)):
        return True
    return isinstance(kind, sa.String) and (kind.length or 0) >= 100 and not isinstance(kind, sa.Enum)


# Thirteen digits with at most one character between each two: every card number the redactor
# finds holds such a span, so the database hands over only these values (a superset) to the detector.
CARD_SHAPED = r"[0-9]([^0-9]?[0-9]){12}"


def scan_unmasked_card_numbers(*, since: datetime, until: datetime) -> CardScan:
    """Read every free-text column of the rows written in [since, until) (tables without a time
    column entirely) and find card numbers with the redactor's own detector. The database counts
    the values and selects the card-shaped ones, which the detector then reads: two statements per
    table, and only the candidates cross to Python."""
    columns = values = 0
    found: list[tuple[str, str, object]] = []
    for table in db.metadata.sorted_tables:
        texts = [c for c in table.columns if _free_text(c) and not c.primary_key]
        keys = list(table.primary_key.columns)
        if not texts or not keys:
            continue
        columns += len(texts)
        when = next((table.c[name] for name in _ROW_TIMES if name in table.c), None)
        period = (when >= since, when < until) if when is not None else ()
        counted = sa.select(*(sa.func.count(sa.case((c != "", 1))) for c in texts)).where(*period)
        values += sum(db.session.execute(counted).one())
        shaped = sa.or_(*(c.regexp_match(CARD_SHAPED) for c in texts))
        query = sa.select(keys[0], *texts).where(*period, shaped)
        for row in db.session.execute(query.execution_options(yield_per=2000)):
            for column, value in zip(texts, row[1:], strict=True):
                if isinstance(value, str) and value and find_card_numbers(value):
                    found.append((table.name, column.name, row[0]))
    return CardScan(columns, values, found)
