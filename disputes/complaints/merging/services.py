"""Merging duplicate complaints: the suggestions on the complaint page, and the merge itself.

The rules (which complaints look like duplicates, which one survives, the SLA from the earliest)
are in `workflow`; here they meet the database. The merged complaint closes with a link to the
survivor; its messages, notes and files move to the survivor with their own times and authors.
Records of other packages that point at a complaint (the portal's files, links and e-mails) move
through the callables in `app.extensions["complaint_merged"]` (registered by the factory).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import current_app, has_app_context

from console.audit import services as audit
from console.db import db
from console.domain import _, ensure_version
from disputes.complaints import services
from disputes.complaints.merging import workflow as wf
from disputes.complaints.merging.workflow import MergeSide, NotMergeable
from disputes.complaints.models import Complaint, ComplaintEntry, ComplaintStatusChange
from disputes.complaints.workflow import Status
from disputes.disputes.models import Dispute
from disputes.disputes.workflow import DisputeStatus

HOOKS_KEY = "complaint_merged"  # app.extensions: callables (merged_id, survivor_id) run in the merge

_SIDE_COLUMNS = (
    Complaint.id,
    Complaint.client_id,
    Complaint.booking_id,
    Complaint.subject,
    Complaint.status,
    Complaint.created_at,
    Complaint.version,
)


@dataclass(frozen=True)
class Suggestion:
    """A suggested duplicate as the panel shows it (plain values)."""

    side: MergeSide
    reasons: list[str]
    version: int
    keep_this: bool  # whether the page's complaint is the suggested survivor


def side_of(complaint: Complaint) -> MergeSide:
    merged_into = f"CMP-{complaint.merged_into_id:07d}" if complaint.merged_into_id else None
    return MergeSide(
        complaint.id,
        complaint.reference,
        complaint.client_id,
        complaint.booking_id,
        complaint.subject,
        complaint.status,
        complaint.created_at,
        merged_into,
    )


def suggestions(complaint: Complaint) -> list[Suggestion]:
    """The client's other complaints that look like this one: one bounded, indexed query."""
    if complaint.status == Status.CLOSED:
        return []
    window = wf.DUPLICATE_WINDOW
    near = Complaint.created_at.between(complaint.created_at - window, complaint.created_at + window)
    same_booking = (
        Complaint.booking_id == complaint.booking_id if complaint.booking_id is not None else sa.false()
    )
    rows = db.session.execute(
        sa.select(*_SIDE_COLUMNS)
        .where(
            Complaint.client_id == complaint.client_id,
            Complaint.id != complaint.id,
            Complaint.status != Status.CLOSED,
            sa.or_(near, same_booking),
        )
        .order_by(sa.case((same_booking, 0), else_=1), Complaint.created_at.desc(), Complaint.id)
        .limit(wf.SUGGESTIONS_MAX * 2)
    ).all()
    versions = {row.id: row.version for row in rows}
    others = [
        MergeSide(row.id, f"CMP-{row.id:07d}", row.client_id, row.booking_id, row.subject, row.status,
                  row.created_at)
        for row in rows
    ]  # fmt: skip
    this = side_of(complaint)
    return [
        Suggestion(other, reasons, versions[other.id], wf.suggested_survivor(this, other).id == this.id)
        for other, reasons in wf.rank_duplicates(this, others)
    ]


def _lock(*complaint_ids: int) -> dict[int, Complaint]:
    """Both rows, locked in id order (PostgreSQL: a concurrent merge or reply waits, then sees the
    change; the version check refuses what it changed)."""
    rows = db.session.scalars(
        sa.select(Complaint)
        .where(Complaint.id.in_(complaint_ids))
        .order_by(Complaint.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return {row.id: row for row in rows}


def _ensure_no_open_dispute(complaint: Complaint) -> None:
    waiting = db.session.scalar(
        sa.select(Dispute.id)
        .where(Dispute.complaint_id == complaint.id, Dispute.status != DisputeStatus.DECIDED)
        .limit(1)
    )
    if waiting is not None:
        dispute = f"DSP-{waiting:06d}"
        raise NotMergeable(
            _(
                "%(complaint)s has a dispute waiting for a decision (%(dispute)s): decide it before "
                "merging the complaint, or keep this complaint and merge the other one into it.",
                complaint=complaint.reference,
                dispute=dispute,
            )
        )


def merge_complaints(
    merged: Complaint,
    survivor: Complaint,
    *,
    actor: Any,
    now: datetime,
    merged_version: int | None = None,
    survivor_version: int | None = None,
) -> Complaint:
    """Close `merged` with a link to `survivor`, move its conversation and files there, and give the
    survivor the earliest received time and first response (its SLA follows). Nobody is e-mailed."""
    person = services.require_staff(actor)
    rows = _lock(merged.id, survivor.id)
    merged, survivor = rows[merged.id], rows[survivor.id]
    wf.ensure_mergeable(side_of(merged), side_of(survivor))
    ensure_version(merged, merged_version)
    ensure_version(survivor, survivor_version)
    _ensure_no_open_dispute(merged)
    moved = _move_conversation(merged, survivor)
    _close_as_merged(merged, survivor, actor=person, now=now)
    before = _take_earliest(survivor, merged)
    changes = audit.diff(survivor)
    db.session.flush()  # the version check: a concurrent change of the survivor loses here
    if before is not None:
        _restart_clock(survivor, received_at=survivor.created_at, before=before)
    services.refresh_sla(survivor, now=now)
    for hook in _hooks():
        hook(merged.id, survivor.id)
    audit.record(
        person,
        "complaint.merge",
        survivor,
        changes={**changes, "merged_from": merged.reference, "entries_moved": moved},
        now=now,
    )
    return survivor


def _move_conversation(merged: Complaint, survivor: Complaint) -> int:
    """Messages and notes change complaint; their times and authors stay as they were."""
    result = db.session.execute(
        sa.update(ComplaintEntry)
        .where(ComplaintEntry.complaint_id == merged.id)
        .values(complaint_id=survivor.id)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


def _close_as_merged(merged: Complaint, survivor: Complaint, *, actor: Any, now: datetime) -> None:
    before = merged.status
    merged.status, merged.merged_into_id, merged.status_changed_at = Status.CLOSED, survivor.id, now
    merged.resolved_at = merged.resolved_at or now
    merged.closed_at = now
    # Its SLA is the survivor's now: no timer of its own in the queues or the attainment figures.
    merged.first_response_due_at = merged.first_response_at_risk_at = merged.first_response_met = None
    merged.resolution_due_at = merged.resolution_at_risk_at = merged.resolution_met = None
    merged.next_breach_at = None
    changes = audit.diff(merged)
    db.session.flush()  # the version check: a concurrent change of the merged complaint loses here
    if before != Status.RESOLVED:
        services.record_status(merged, Status.RESOLVED, actor, now)
    services.record_status(merged, Status.CLOSED, actor, now)
    services.publish_status_change(merged, before, now=now, merged_into=survivor.reference)
    audit.record(
        actor,
        "complaint.merged_into",
        merged,
        changes={**changes, "merged_into": survivor.reference},
        now=now,
    )


def _take_earliest(survivor: Complaint, merged: Complaint) -> datetime | None:
    """The survivor's received time, first response, severity and assignee after the merge; returns
    the received time it had when that moves earlier (else None)."""
    received, first_response = wf.merged_clock(
        (survivor.created_at, survivor.first_response_at), (merged.created_at, merged.first_response_at)
    )
    before = survivor.created_at if received < survivor.created_at else None
    survivor.created_at, survivor.first_response_at = received, first_response
    survivor.severity = wf.merged_severity(survivor.severity, merged.severity)
    if survivor.assignee_id is None:
        survivor.assignee_id = merged.assignee_id
    if survivor.booking_id is None and merged.booking_id is not None:
        survivor.booking_id, survivor.provider_id = merged.booking_id, merged.provider_id
    return before


def _restart_clock(survivor: Complaint, *, received_at: datetime, before: datetime) -> None:
    """The status history begins when the client first told us: its first entry moves earlier."""
    first = db.session.scalar(
        sa.select(ComplaintStatusChange)
        .where(ComplaintStatusChange.complaint_id == survivor.id)
        .order_by(ComplaintStatusChange.at, ComplaintStatusChange.id)
        .limit(1)
    )
    if first is not None and first.at == before:
        first.at = received_at
        db.session.flush()


def _hooks():
    if not has_app_context():
        return ()
    return current_app.extensions.get(HOOKS_KEY, ())


def merged_from(complaint_id: int) -> list[tuple[Complaint, str]]:
    """The complaints merged into this one and who merged each (for its conversation), oldest
    first, in one query."""
    closing = ComplaintStatusChange
    rows = db.session.execute(
        sa.select(Complaint, closing.actor)
        .join(closing, sa.and_(closing.complaint_id == Complaint.id, closing.status == Status.CLOSED))
        .where(Complaint.merged_into_id == complaint_id)
        .order_by(Complaint.created_at, Complaint.id)
        .limit(100)
    )
    return [(complaint, actor) for complaint, actor in rows]


def survivor_of(complaint: Complaint) -> Complaint:
    """The complaint that carries on this one: itself, or the one it was merged into (and so on)."""
    while complaint.merged_into_id is not None:
        complaint = complaint.merged_into
    return complaint
