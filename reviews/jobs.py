"""Review jobs: the scan of new reviews by the flag rules (thin; safe to run twice)."""

from __future__ import annotations

from console.db import utcnow
from console.jobs import job
from reviews import services


@job(timeout=300)
def scan_reviews() -> dict:
    """Run the flag rules over the reviews not read yet."""
    return services.scan_reviews(now=utcnow())
