"""Insurance jobs: the daily sweep (thin; the work is in services)."""

from __future__ import annotations

from console.business_time import paris_today
from console.db import utcnow
from console.jobs import job
from insurance import services


@job(timeout=600)
def sweep_policies() -> dict:
    """Run the daily insurance sweep for today (Europe/Paris); safe to run twice."""
    now = utcnow()
    return services.sweep_policies(today=paris_today(now), now=now).counts
