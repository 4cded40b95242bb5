"""Stored-file housekeeping."""

from __future__ import annotations

from console.db import utcnow
from console.files import services
from console.jobs import job


@job(timeout=900)
def sweep_orphans() -> int:
    """Daily: delete the files a killed worker left behind without a record."""
    return services.sweep_orphans(now=utcnow())
