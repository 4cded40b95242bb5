"""SLA alerts: each (complaint, timer, level) claimed once, then written to the staff member in
their own language. The sweep that finds them is `sweep_sla`."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from console.audit import services as audit
from console.auth.models import StaffUser
from console.auth.services import active_staff
from console.db import db
from console.domain import Role
from console.notifications.services import queue_notification
from disputes.complaints import workflow as wf
from disputes.complaints.models import AlertLevel, Complaint, SlaAlert, Timer
from disputes.complaints.queues import TIMER_COLUMNS

SWEEP_ACTOR = "system:complaint-sla-sweep"
_SWEEP_LOCK_ID = 7_415_290_006


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


# --- the SLA sweep ----------------------------------------------------------------------------


def _crossed(timer: Timer, level: AlertLevel, now: datetime):
    at_risk, due, met = TIMER_COLUMNS[timer]
    column = at_risk if level == AlertLevel.AT_RISK else due
    condition = [Complaint.status.in_(wf.RUNNING), met.is_(None), column <= now]
    if level == AlertLevel.AT_RISK:
        condition.append(due > now)  # already breached: the breach alert says it all
    return sa.and_(*condition)


def sweep_sla(*, now: datetime, actor: str = SWEEP_ACTOR) -> dict[str, int]:
    """Alert the assignee when a timer becomes at risk and the managers when it breaches, once each.

    Each alert is claimed with INSERT ... ON CONFLICT DO NOTHING before its message is written, so
    two sweeps at once, or a re-run, never alert twice.
    """
    lock_sweep()
    counts = {}
    managers = _managers()
    for timer in Timer:
        for level in AlertLevel:
            pending = sa.select(Complaint.id).where(
                _crossed(timer, level, now),
                ~sa.exists().where(
                    SlaAlert.complaint_id == Complaint.id, SlaAlert.timer == timer, SlaAlert.level == level
                ),
            )
            ids = list(db.session.scalars(pending))
            claimed = claim(ids, timer, level, now)
            for complaint in complaints(claimed):
                assignee = complaint.assignee if complaint.assignee and complaint.assignee.active else None
                recipients = [assignee] if level == AlertLevel.AT_RISK and assignee else managers
                for person in recipients:
                    send(complaint, person, timer, level, now)
            counts[f"{timer.value}_{level.value}"] = len(claimed)
    audit.record(actor, "complaint.sla_sweep", changes=counts, now=now)
    return counts


def _managers() -> list[StaffUser]:
    return active_staff(Role.MANAGER)


def lock_sweep() -> None:
    """Serialise sweeps on PostgreSQL (SQLite has a single writer anyway)."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.select(sa.func.pg_advisory_xact_lock(_SWEEP_LOCK_ID)))
