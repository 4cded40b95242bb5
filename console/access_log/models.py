"""The access log: one row per opening of a page or file showing a person's data.

Kept apart from the audit chain (volume: every page view), indexed by the person it concerns,
purged after 12 months.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from console.db import UTCDateTime, db


class AccessEntry(db.Model):
    __tablename__ = "access_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    staff_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_user.id", ondelete="SET NULL"))
    staff: Mapped[str] = mapped_column(sa.String(254))
    subject_type: Mapped[str] = mapped_column(sa.String(10))  # "provider" or "client"
    subject_id: Mapped[int]
    record_type: Mapped[str] = mapped_column(sa.String(40))
    record_id: Mapped[str] = mapped_column(sa.String(40))
    purpose: Mapped[str] = mapped_column(sa.String(40))
    page: Mapped[str] = mapped_column(sa.String(80))  # the endpoint, e.g. "complaints_mine.details_view"

    __table_args__ = (
        sa.Index("ix_access_entry_subject", "subject_type", "subject_id", "occurred_at"),
        sa.CheckConstraint("subject_type IN ('provider', 'client')", name="subject_type"),
    )
