"""The outbox: every message the console sends, and what became of it."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from console.db import UTCDateTime, db, enum_type, utcnow
from console.domain import _, translated_label
from console.privacy import RedactedText


class NotificationStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"
    NOT_SENT = "not_sent"

    @translated_label
    def label(self) -> str:
        return {
            NotificationStatus.PENDING: _("pending"),
            NotificationStatus.SENT: _("sent"),
            NotificationStatus.FAILED: _("failed"),
            NotificationStatus.NOT_SENT: _("not sent"),
        }[self]


class Notification(db.Model):
    __tablename__ = "notification"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    recipient: Mapped[str] = mapped_column(sa.String(254))
    reply_to: Mapped[str | None] = mapped_column(sa.String(254))  # replies threaded back (portal inbound)
    template: Mapped[str] = mapped_column(sa.String(80))
    subject: Mapped[str] = mapped_column(RedactedText(200))
    body: Mapped[str] = mapped_column(RedactedText())
    related_type: Mapped[str | None] = mapped_column(sa.String(60))
    related_id: Mapped[str | None] = mapped_column(sa.String(60))
    status: Mapped[NotificationStatus] = mapped_column(
        enum_type(NotificationStatus, "notification_status"), default=NotificationStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Delivery is retried until then (NOTIFICATION_RETRY_HOURS after queueing or a resend).
    retry_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(sa.String(500))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        sa.Index("ix_notification_due", "status", "next_attempt_at"),
        sa.Index("ix_notification_related", "related_type", "related_id"),
    )

    def __str__(self) -> str:
        return _("%(template)s to %(recipient)s", template=self.template, recipient=self.recipient)
