"""Insurance jobs: the daily sweep and the expiry board's refresh (thin: the work is elsewhere)."""

from __future__ import annotations

from flask import current_app

from console.business_time import paris_today
from console.db import utcnow
from console.jobs import job
from insurance import board, services


@job(timeout=600)
def sweep_policies() -> dict:
    """Run the daily insurance sweep for today (Europe/Paris); safe to run twice."""
    now = utcnow()
    return services.sweep_policies(today=paris_today(now), now=now).counts


@job(timeout=600)
def refresh_expiry_board() -> dict:
    """Every 5 minutes: every tab of the expiry board computed afresh into Redis, so that board
    pages read it and never the tables."""
    seconds = current_app.config["BOARD_CACHE_SECONDS"]
    return board.refresh(paris_today(utcnow()), seconds=seconds) if seconds > 0 else {}
