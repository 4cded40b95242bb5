"""SLA alerts: each (complaint, timer, level) claimed once, then written to the staff member in
their own language. The sweep that finds them is `services.sweep_sla`."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from console.auth.models import StaffUser
from console.db import db
from console.notifications.services import queue_notification
from disputes.complaints.models import AlertLevel, Complaint, SlaAlert, Timer
from disputes.complaints.queues import TIMER_COLUMNS


def claim(ids: list[int], timer: Timer, level: AlertLevel, now: datetime) -> list[int]:
    """The complaints of `ids` whose alert this call claimed (INSERT ... ON CONFLICT DO NOTHING)."""
    if not ids:
        return []
    insert = (postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite).insert
    statement = (
        insert(SlaAlert)
        .on_conflict_do_nothing(index_elements=["complaint_id", "timer", "level"])
        .returning(SlaAlert.complaint_id)
    )
    claimed = []
    for start in range(0, len(ids), 1000):
        rows = [
            {"complaint_id": cid, "timer": timer, "level": level, "sent_at": now}
            for cid in ids[start : start + 1000]
        ]
        result = (
            db.session.execute(statement, rows)
            if len(rows) > 1
            else db.session.execute(statement.values(rows[0]))
        )
        claimed += [row[0] for row in result.all()]
    return claimed


def complaints(ids: list[int]) -> list[Complaint]:
    """The complaints of `ids`, by id, read in chunks."""
    found = []
    for start in range(0, len(ids), 1000):
        found += db.session.scalars(
            sa.select(Complaint).where(Complaint.id.in_(ids[start : start + 1000])).order_by(Complaint.id)
        ).all()
    return found


def send(complaint: Complaint, person: StaffUser, timer: Timer, level: AlertLevel, now: datetime) -> None:
    """Write the alert to `person`, in their language."""
    due = TIMER_COLUMNS[timer][1]
    queue_notification(
        recipient=person.email,
        template=f"complaint_sla_{level.value}",
        related=complaint,
        now=now,
        language=person.language,
        context={
            "complaint": complaint,
            "timer": timer,
            "due_at": getattr(complaint, due.key),
            "person": person.full_name,
        },
    )
