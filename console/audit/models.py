"""The append-only audit trail."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Mapped, mapped_column

from console.db import UTCDateTime, db
from console.domain import _
from console.privacy import RedactedText


class AuditEvent(db.Model):
    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(unique=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_user.id", ondelete="SET NULL"))
    actor: Mapped[str] = mapped_column(sa.String(254), index=True)
    action: Mapped[str] = mapped_column(sa.String(80), index=True)
    object_type: Mapped[str | None] = mapped_column(sa.String(60))
    object_id: Mapped[str | None] = mapped_column(sa.String(60))
    changes: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    purpose: Mapped[str | None] = mapped_column(RedactedText(200))
    ip: Mapped[str | None] = mapped_column(sa.String(45))
    prev_hash: Mapped[str] = mapped_column(sa.String(64))
    hash: Mapped[str] = mapped_column(sa.String(64))

    __table_args__ = (sa.Index("ix_audit_event_object", "object_type", "object_id"),)

    def __str__(self) -> str:
        return _("#%(seq)s %(action)s by %(actor)s", seq=self.seq, action=self.action, actor=self.actor)


class AuditPurgePermit(db.Model):
    """While a row exists here (inside the purging transaction only), the database lets audit
    events be deleted; otherwise its triggers refuse every UPDATE and DELETE of an event."""

    __tablename__ = "audit_purge_permit"

    id: Mapped[int] = mapped_column(primary_key=True)


class AuditIsAppendOnly(RuntimeError):
    """Raised when code tries to change or delete a recorded audit event."""


@event.listens_for(AuditEvent, "before_update")
@event.listens_for(AuditEvent, "before_delete")
def _refuse_change(mapper, connection, target) -> None:
    raise AuditIsAppendOnly("audit events are append-only")
