"""External ids (the marketplace's own ids, per API client) and idempotency records.

Services flush, never commit: the API request commits once, after its audit event.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable
from datetime import datetime

import sqlalchemy as sa

from api import workflow as wf
from api.models import ApiExternalRef, ApiIdempotencyKey
from api.workflow import ResourceKind
from console.db import bulk_insert, db
from console.domain import DomainError, _

_IDEMPOTENCY_LOCK_BASE = 0x415049 << 32  # PostgreSQL advisory lock ids: "API" then a CRC of client and key


class ExternalIdTaken(DomainError):
    """The marketplace's id is already mapped to another of our records."""

    def __init__(self, message: str, object_id: int):
        super().__init__(message)
        self.object_id = object_id


def object_for_external_id(client_id: int, kind: ResourceKind, external_id: str) -> int | None:
    return db.session.scalar(
        sa.select(ApiExternalRef.object_id).where(
            ApiExternalRef.api_client_id == client_id,
            ApiExternalRef.kind == kind,
            ApiExternalRef.external_id == external_id,
        )
    )


def storable(text: str) -> bool:
    """Text a database column can hold: no NUL character, no lone surrogate. Anything else is in no
    table, so a lookup skips it (the item is then refused on its own, never the whole request)."""
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def objects_for_external_ids(
    client_id: int, kind: ResourceKind, external_ids: Iterable[str]
) -> dict[str, int]:
    """{external id: our id} for those of `external_ids` already known (bounded IN lists)."""
    ids, found = [i for i in dict.fromkeys(external_ids) if storable(i)], {}
    for start in range(0, len(ids), 1000):
        rows = db.session.execute(
            sa.select(ApiExternalRef.external_id, ApiExternalRef.object_id).where(
                ApiExternalRef.api_client_id == client_id,
                ApiExternalRef.kind == kind,
                ApiExternalRef.external_id.in_(ids[start : start + 1000]),
            )
        )
        found.update(dict(rows.all()))
    return found


def external_ids_of(client_id: int, kind: ResourceKind, object_ids: Iterable[int]) -> dict[int, str]:
    ids = list(object_ids)
    if not ids:
        return {}
    rows = db.session.execute(
        sa.select(ApiExternalRef.object_id, ApiExternalRef.external_id).where(
            ApiExternalRef.api_client_id == client_id,
            ApiExternalRef.kind == kind,
            ApiExternalRef.object_id.in_(ids),
        )
    )
    return dict(rows.all())


def ensure_external_id_free(client_id: int, kind: ResourceKind, external_id: str | None) -> None:
    if external_id is None:
        return
    existing = object_for_external_id(client_id, kind, external_id)
    if existing is not None:
        raise ExternalIdTaken(_("This external id is already used by another record."), existing)


def map_external_ids(
    client_id: int, kind: ResourceKind, pairs: Iterable[tuple[str, int]], *, now: datetime
) -> None:
    """Remember the marketplace's ids of records just created (the unique constraint is the judge)."""
    rows = [
        {"api_client_id": client_id, "kind": kind, "external_id": ext, "object_id": oid, "created_at": now}
        for ext, oid in pairs
        if ext is not None
    ]
    bulk_insert(ApiExternalRef, rows)


# --- idempotency ----------------------------------------------------------------------------------


def lock_idempotency_key(client_id: int, key: str) -> bool:
    """Hold the key for this transaction; False when another request holds it right now.

    PostgreSQL only (a transaction-scoped advisory lock); SQLite serialises writers anyway and
    the unique constraint refuses the second answer.
    """
    if db.session.get_bind().dialect.name != "postgresql":
        return True
    lock = _IDEMPOTENCY_LOCK_BASE + zlib.crc32(f"{client_id}:{key}".encode())
    return bool(
        db.session.scalar(sa.select(sa.func.pg_try_advisory_xact_lock(sa.literal(lock, sa.BigInteger))))
    )


def stored_answer(client_id: int, key: str, *, now: datetime) -> ApiIdempotencyKey | None:
    """The first answer given to this key within the window, if any."""
    return db.session.scalar(
        sa.select(ApiIdempotencyKey).where(
            ApiIdempotencyKey.api_client_id == client_id,
            ApiIdempotencyKey.key == key,
            ApiIdempotencyKey.created_at > now - wf.IDEMPOTENCY_WINDOW,
        )
    )


def store_answer(
    client_id: int,
    key: str,
    *,
    method: str,
    path: str,
    digest: str,
    status_code: int,
    body: str,
    location: str | None,
    now: datetime,
) -> None:
    # An expired record of the same key gives way to the new answer.
    db.session.execute(
        sa.delete(ApiIdempotencyKey).where(
            ApiIdempotencyKey.api_client_id == client_id,
            ApiIdempotencyKey.key == key,
            ApiIdempotencyKey.created_at <= now - wf.IDEMPOTENCY_WINDOW,
        )
    )
    db.session.add(
        ApiIdempotencyKey(
            api_client_id=client_id,
            key=key,
            method=method,
            path=path[:500],
            request_digest=digest,
            status_code=status_code,
            response_body=body,
            location=location,
            created_at=now,
        )
    )
    db.session.flush()


def purge_idempotency_keys(*, now: datetime) -> int:
    """Drop answers older than the window (daily)."""
    return db.session.execute(
        sa.delete(ApiIdempotencyKey).where(ApiIdempotencyKey.created_at <= now - wf.IDEMPOTENCY_WINDOW)
    ).rowcount


def refresh_external_id_statistics() -> None:
    """PostgreSQL: re-read the external ids' statistics (ANALYZE). A bulk load grows the table
    faster than autovacuum notices; with stale figures the planner scans every id of the client
    for each batch's lookup instead of using the unique index."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.text("ANALYZE api_external_ref"))
