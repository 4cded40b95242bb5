"""What the reports may read of the access log."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from console.access_log.models import AccessEntry
from console.db import db


def views_by_purpose(*, since: datetime, until: datetime) -> dict[str, int]:
    """Entries written in [since, until) by purpose ("" for an entry that recorded none): one
    grouped count over the time index."""
    query = (
        sa.select(AccessEntry.purpose, sa.func.count())
        .where(AccessEntry.occurred_at >= since, AccessEntry.occurred_at < until)
        .group_by(AccessEntry.purpose)
    )
    return {purpose or "": int(count) for purpose, count in db.session.execute(query)}
