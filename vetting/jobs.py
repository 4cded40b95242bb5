"""Vetting jobs: the daily sweep and the retention purge (thin; the work is in `vetting.sweep`)."""

from __future__ import annotations

from console.db import utcnow
from console.jobs import job
from vetting import sweep


@job(timeout=600)
def sweep_cases() -> dict:
    """Chase providers, propose withdrawals, open renewals, propose overdue re-vetting; safe twice."""
    return sweep.sweep_cases(now=utcnow()).counts


@job(timeout=900)
def purge_retention() -> dict:
    """Purge identity documents and rejected applicants' data past retention; safe to run twice."""
    return sweep.purge_retention(now=utcnow()).counts
