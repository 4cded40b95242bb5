"""Insurance jobs: the daily sweep and the expiry board's refresh (thin: the work is elsewhere)."""

from __future__ import annotations

from flask import current_app

from console.business_time import paris_today
from console.db import utcnow
from console.jobs import enqueue_after_commit, job
from insurance import board
from insurance import sweep as insurance_sweep


@job(timeout=600)
def sweep_policies() -> dict:
    """Run the daily insurance sweep for today (Europe/Paris); safe to run twice."""
    now = utcnow()
    return insurance_sweep.sweep_policies(today=paris_today(now), now=now).counts


@job(timeout=600)
def write_reminders() -> int:
    """Write the messages of the reminders the sweep claimed, a batch at a time (the next batch is
    its own job, so a long day never holds one transaction open)."""
    written = insurance_sweep.write_reminders(now=utcnow())
    if written == insurance_sweep.REMINDER_BATCH:
        enqueue_after_commit(write_reminders)
    return written


@job(timeout=900)
def reconcile_cover() -> dict:
    """Daily: a seventh of the providers' cover rows checked against their verified policies."""
    return insurance_sweep.reconcile_cover(paris_today(utcnow()))


@job(timeout=600)
def refresh_expiry_board() -> dict:
    """Every 5 minutes: every tab of the expiry board computed afresh into Redis, so that board
    pages read it and never the tables."""
    seconds = current_app.config["BOARD_CACHE_SECONDS"]
    return board.refresh(paris_today(utcnow()), seconds=seconds) if seconds > 0 else {}
