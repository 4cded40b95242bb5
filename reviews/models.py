"""Reviews of completed bookings, their moderation decisions, flags and the scan record.

Public references (`REV-0001234`) are derived from the primary key.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from console.auth.models import StaffUser
from console.db import UTCDateTime, db, enum_type, partial_index
from console.privacy import RedactedText
from marketplace.models import Booking, Client, Provider
from reviews.workflow import FlagRule, ModerationStatus


class Review(db.Model):
    """A client's review of a completed booking; moderation never edits its text."""

    __tablename__ = "review"
    REFERENCE_PREFIX, REFERENCE_WIDTH = "REV", 7

    id: Mapped[int] = mapped_column(primary_key=True)
    booking_id: Mapped[int] = mapped_column(sa.ForeignKey("booking.id"), unique=True)
    provider_id: Mapped[int] = mapped_column(sa.ForeignKey("provider.id"))
    client_id: Mapped[int] = mapped_column(sa.ForeignKey("client.id"), index=True)
    rating: Mapped[int] = mapped_column(sa.SmallInteger)
    text: Mapped[str] = mapped_column(RedactedText(), default="")
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    moderation_status: Mapped[ModerationStatus] = mapped_column(
        enum_type(ModerationStatus, "moderation_status"), default=ModerationStatus.PENDING
    )
    # Kept by reviews.services with the review's flags: the flag queue pages on its own indexes.
    has_open_flag: Mapped[bool] = mapped_column(default=False, server_default=sa.false())

    booking: Mapped[Booking] = relationship()
    provider: Mapped[Provider] = relationship()
    client: Mapped[Client] = relationship()

    __table_args__ = (
        sa.CheckConstraint("rating BETWEEN 1 AND 5", name="rating_range"),
        sa.Index("ix_review_provider_submitted", "provider_id", "submitted_at"),
        sa.Index("ix_review_status_submitted", "moderation_status", "submitted_at"),
        sa.Index("ix_review_submitted", "submitted_at"),
        sa.Index("ix_review_rating", "rating"),  # the lists sort by rating
        # The flag queue, in each of its sorts: a few thousand rows whatever the reviews.
        partial_index(
            "ix_review_flagged_submitted",
            "submitted_at",
            "id",
            where="has_open_flag",
        ),
        partial_index(
            "ix_review_flagged_rating",
            "rating",
            "id",
            where="has_open_flag",
        ),
    )

    @property
    def reference(self) -> str:
        return f"REV-{self.id:07d}" if self.id is not None else "REV-(new)"

    def __str__(self) -> str:
        return self.reference


class ModerationDecision(db.Model):
    """Each publish, hide or restore of a review, with who and why (the review's text is never edited)."""

    __tablename__ = "review_moderation"

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(sa.ForeignKey("review.id"))
    event: Mapped[str] = mapped_column(sa.String(10))
    before: Mapped[ModerationStatus] = mapped_column(enum_type(ModerationStatus, "moderation_before"))
    after: Mapped[ModerationStatus] = mapped_column(enum_type(ModerationStatus, "moderation_after"))
    reason_code: Mapped[str | None] = mapped_column(sa.String(40))
    note: Mapped[str | None] = mapped_column(RedactedText(2000))
    decided_by_id: Mapped[int] = mapped_column(sa.ForeignKey("staff_user.id"))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime)
    notification_id: Mapped[int | None] = mapped_column(sa.ForeignKey("notification.id"))

    decided_by: Mapped[StaffUser] = relationship()

    __table_args__ = (
        sa.Index("ix_review_moderation_review", "review_id", "decided_at"),
        sa.CheckConstraint("event <> 'hide' OR reason_code IS NOT NULL", name="hide_has_reason"),
    )


class ReviewFlag(db.Model):
    """A review reported by a user or matching a rule; open until a moderator acts on the review."""

    __tablename__ = "review_flag"

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(sa.ForeignKey("review.id"))
    rule: Mapped[FlagRule] = mapped_column(enum_type(FlagRule, "review_flag_rule"))
    detail: Mapped[str | None] = mapped_column(RedactedText(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(sa.String(254))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_user.id"))

    review: Mapped[Review] = relationship()

    __table_args__ = (
        partial_index(
            "uq_review_flag_open",
            "review_id",
            "rule",
            unique=True,
            where="resolved_at IS NULL",
        ),
        partial_index(
            "ix_review_flag_open_created",
            "created_at",
            where="resolved_at IS NULL",
        ),
    )


class ReviewScan(db.Model):
    """Reviews the flag rules have read (the scan job reads each new review once)."""

    __tablename__ = "review_scan"

    review_id: Mapped[int] = mapped_column(sa.ForeignKey("review.id"), primary_key=True)
    scanned_at: Mapped[datetime] = mapped_column(UTCDateTime)
