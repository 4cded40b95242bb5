"""Complaint jobs: the SLA sweep and the auto-close (thin; safe to run twice)."""

from __future__ import annotations

from console.db import utcnow
from console.jobs import job
from disputes.complaints import alerts, services


@job(timeout=300)
def sweep_sla() -> dict:
    """Alert assignees of timers at risk and managers of breaches, once each."""
    return alerts.sweep_sla(now=utcnow())


@job(timeout=600)
def auto_close_resolved() -> int:
    """Close complaints resolved 7 days ago or more."""
    return services.auto_close(now=utcnow())
