"""Subject requests: who asked, how their identity was checked, when, the deadline and the outcome."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from console.auth.models import StaffUser
from console.db import UTCDateTime, db, enum_type
from console.privacy import RedactedText
from privacy.workflow import RequestKind, RequestStatus


class SubjectRequest(db.Model):
    __tablename__ = "subject_request"
    REFERENCE_PREFIX = "DSR"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[RequestKind] = mapped_column(enum_type(RequestKind, "subject_request_kind"))
    subject_type: Mapped[str] = mapped_column(sa.String(10))  # "client" or "provider"
    subject_id: Mapped[int] = mapped_column(index=True)
    requested_by: Mapped[str] = mapped_column(RedactedText(200))  # who asked: the person, a lawyer…
    identity_check: Mapped[str] = mapped_column(RedactedText(500))  # how their identity was checked
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    due_on: Mapped[date]
    status: Mapped[RequestStatus] = mapped_column(
        enum_type(RequestStatus, "subject_request_status"), default=RequestStatus.RECEIVED
    )
    recorded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("staff_user.id"))
    erasure_requested_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_user.id"))
    closed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_user.id"))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outcome: Mapped[str | None] = mapped_column(RedactedText(2000))

    recorded_by: Mapped[StaffUser] = relationship(foreign_keys=[recorded_by_id])

    __table_args__ = (
        sa.CheckConstraint("subject_type IN ('provider', 'client')", name="subject_type"),
        sa.CheckConstraint(
            "(status IN ('done', 'refused')) = (closed_at IS NOT NULL)", name="closed_has_time"
        ),
    )

    @property
    def reference(self) -> str:
        return f"{self.REFERENCE_PREFIX}-{self.id:06d}"

    def __str__(self) -> str:
        return self.reference
