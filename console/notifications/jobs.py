"""Outbox delivery jobs."""

from __future__ import annotations

from datetime import datetime

from flask import current_app
from sqlalchemy import select

from console.db import db, utcnow
from console.jobs import job
from console.notifications import services
from console.notifications.models import Notification


@job(timeout=60)
def deliver_notification(notification_id: int) -> str | None:
    """Deliver one notification; a failed attempt is retried by `deliver_pending`."""
    note = db.session.scalar(
        select(Notification).where(Notification.id == notification_id).with_for_update(skip_locked=True)
    )
    if note is None:  # gone, or another worker holds it right now
        return None
    return services.deliver(note, now=utcnow())


@job(timeout=300)
def deliver_pending() -> int:
    """Every minute: retry what is due, including work whose job was lost with Redis."""
    return deliver_due(now=utcnow())


def deliver_due(*, now: datetime) -> int:
    """Try each notification due at `now` once, committing each outcome; return how many were tried."""
    delivered = 0
    limit = current_app.config.get("SMTP_MESSAGES_PER_MINUTE", 200)  # the SMTP rate, per minute
    for notification_id in services.due_notification_ids(now=now, limit=limit):
        note = db.session.scalar(
            select(Notification).where(Notification.id == notification_id).with_for_update(skip_locked=True)
        )
        if note is not None:
            services.deliver(note, now=now)
            db.session.commit()
            delivered += 1
    return delivered
