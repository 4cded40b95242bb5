"""Erasure on request (privacy/): the typed text of a person's complaints, outside a legal hold."""

from __future__ import annotations

import sqlalchemy as sa

from console.db import db
from disputes.complaints.models import Complaint, ComplaintEntry, Satisfaction


def erase_complaint_texts(complaint_ids: list[int], *, placeholder: str) -> int:
    """The typed text of these complaints and their messages replaced (the rows, dates and statuses
    stay for the figures)."""
    if not complaint_ids:
        return 0
    for complaint in db.session.scalars(sa.select(Complaint).where(Complaint.id.in_(complaint_ids))):
        complaint.subject = complaint.description = placeholder
        complaint.severity_reason = None
    db.session.execute(
        sa.update(ComplaintEntry)
        .where(ComplaintEntry.complaint_id.in_(complaint_ids))
        .values(body=placeholder)
    )
    db.session.execute(
        sa.update(Satisfaction)
        .where(Satisfaction.complaint_id.in_(complaint_ids), Satisfaction.comment.is_not(None))
        .values(comment=placeholder)
    )
    db.session.flush()
    return len(complaint_ids)
