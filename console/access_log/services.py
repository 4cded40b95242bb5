"""Record, read and purge access entries. One INSERT per page view, no SELECT."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from console.access_log.models import AccessEntry
from console.db import db

KEEP = timedelta(days=365)  # 12 months (DESIGN §7)
PURGE_BATCH = 5000
SUBJECT_TYPES = ("provider", "client")


@dataclass(frozen=True)
class Subject:
    kind: str  # "provider" or "client"
    id: int


def record_access(
    staff,
    subjects: Iterable[Subject],
    *,
    record_type: str,
    record_id: object,
    purpose: str,
    page: str,
    now: datetime,
) -> int:
    """One INSERT for the people a page shows (a booking shows its client and its provider)."""
    rows = [
        {
            "occurred_at": now,
            "staff_id": staff.id,
            "staff": staff.audit_label,
            "subject_type": subject.kind,
            "subject_id": subject.id,
            "record_type": record_type,
            "record_id": str(record_id)[:40],
            "purpose": purpose[:40],
            "page": page[:80],
        }
        for subject in dict.fromkeys(subjects)
        if subject.kind in SUBJECT_TYPES and subject.id is not None
    ]
    if rows:
        db.session.execute(sa.insert(AccessEntry), rows)
    return len(rows)


def entries_for(subject: Subject, *, limit: int | None = 200) -> list[AccessEntry]:
    """Who opened this person's data, newest first."""
    query = (
        sa.select(AccessEntry)
        .where(AccessEntry.subject_type == subject.kind, AccessEntry.subject_id == subject.id)
        .order_by(AccessEntry.occurred_at.desc(), AccessEntry.id.desc())
    )
    if limit is not None:
        query = query.limit(limit)
    return list(db.session.scalars(query))


def purge_expired(*, now: datetime, batch: int = PURGE_BATCH) -> int:
    """Delete entries older than 12 months, `batch` rows per statement (short locks)."""
    cutoff = now - KEEP
    deleted = 0
    while True:
        ids = sa.select(AccessEntry.id).where(AccessEntry.occurred_at < cutoff).limit(batch)
        count = db.session.execute(sa.delete(AccessEntry).where(AccessEntry.id.in_(ids))).rowcount
        deleted += count
        if count < batch:
            return deleted
