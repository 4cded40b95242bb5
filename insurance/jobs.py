"""Insurance jobs: the daily sweep and the expiry board's refresh (thin: the work is elsewhere)."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app

from console.business_time import paris_today
from console.db import db, utcnow
from console.jobs import enqueue_after_commit, job
from insurance import board
from insurance import sweep as insurance_sweep
from insurance.models import InsuranceSweep


@job(timeout=600)
def sweep_policies() -> dict:
    """Open today's insurance sweep (Europe/Paris) and run its first batch; each next batch is its
    own job, so a heavy day never holds one long transaction. Safe to run twice."""
    now = utcnow()
    sweep = insurance_sweep.start_sweep(today=paris_today(now), now=now)
    _next_batch(sweep, now)
    return sweep.counts


@job(timeout=600)
def continue_sweep(sweep_id: int, after: int) -> dict:
    """The batch of a sweep that starts after provider `after` (chained by the previous batch);
    nothing if another run has already taken it."""
    sweep = db.session.get(InsuranceSweep, sweep_id)
    if sweep is None:
        return {}
    _next_batch(sweep, utcnow(), after=after)
    return sweep.counts


@job(timeout=600)
def resume_sweeps() -> int:
    """Every 10 minutes: a batch of any sweep of today left unfinished (its chain broken, e.g. by
    Redis going away). A chain's job that this overtakes finds its batch taken and stops."""
    now = utcnow()
    unfinished = insurance_sweep.unfinished_sweeps(paris_today(now), idle_since=now - RESUME_IDLE)
    for sweep in unfinished:
        _next_batch(sweep, now, after=sweep.resume_after)
    return len(unfinished)


RESUME_IDLE = timedelta(minutes=5)


def _next_batch(sweep: InsuranceSweep, now: datetime, *, after: int | None = None) -> None:
    """Run a batch, and chain the next one if the day is not done."""
    resume = insurance_sweep.sweep_batch(sweep, now=now, after=after)
    if resume is not None:
        enqueue_after_commit(continue_sweep, sweep.id, resume)


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
    now = utcnow()
    return insurance_sweep.reconcile_cover(paris_today(now), now=now)


@job(timeout=600)
def refresh_expiry_board() -> dict:
    """Every 5 minutes: every tab of the expiry board computed afresh into Redis, so that board
    pages read it and never the tables."""
    seconds = current_app.config["BOARD_CACHE_SECONDS"]
    return board.refresh(paris_today(utcnow()), seconds=seconds) if seconds > 0 else {}
