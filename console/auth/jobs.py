"""Retention for sign-in records."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from console.auth.models import LoginAttempt, StaffSession
from console.db import db, utcnow
from console.jobs import job

KEEP = timedelta(days=90)


@job(timeout=600)
def purge_security_logs() -> dict[str, int]:
    """Daily: drop sign-in attempts and ended sessions older than 90 days."""
    cutoff = utcnow() - KEEP
    attempts = db.session.execute(sa.delete(LoginAttempt).where(LoginAttempt.at < cutoff)).rowcount
    sessions = db.session.execute(
        sa.delete(StaffSession).where(StaffSession.ended_at.is_not(None), StaffSession.ended_at < cutoff)
    ).rowcount
    return {"login_attempts": attempts, "sessions": sessions}
