"""Retention of the access log."""

from __future__ import annotations

from console.access_log import services
from console.db import utcnow
from console.jobs import job


@job(timeout=900)
def purge_access_log() -> int:
    """Daily: drop access entries older than 12 months, in batches."""
    return services.purge_expired(now=utcnow())
