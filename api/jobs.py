"""The API's periodic job: idempotency answers are kept 24 hours."""

from __future__ import annotations

from api import services
from console.db import utcnow
from console.jobs import job


@job(timeout=300)
def purge_idempotency_keys() -> int:
    """Daily: drop the answers kept for Idempotency-Key replays once their 24 hours have passed."""
    return services.purge_idempotency_keys(now=utcnow())
