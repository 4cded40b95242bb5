"""The append-only audit trail."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Mapped, mapped_column, relationship

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
    # The personal values live in `audit_personal` (console/audit/personal.py); the HMAC covers
    # this reference and digest, so erasing the values never breaks the chain.
    personal_id: Mapped[int | None] = mapped_column(index=True)  # ix_audit_event_personal_id
    personal_digest: Mapped[str | None] = mapped_column(sa.String(64))
    prev_hash: Mapped[str] = mapped_column(sa.String(64))
    hash: Mapped[str] = mapped_column(sa.String(64))

    personal: Mapped[AuditPersonal | None] = relationship(
        primaryjoin="foreign(AuditEvent.personal_id) == AuditPersonal.id", viewonly=True, lazy="select"
    )

    __table_args__ = (sa.Index("ix_audit_event_object", "object_type", "object_id"),)

    @property
    def shown_changes(self) -> dict[str, Any] | None:
        """The changes with their personal values put back ("[erased]" where erased)."""
        if self.personal_id is None:
            return self.changes
        from console.audit.personal import intact, resolve

        kept = (
            self.personal
            if self.personal is not None and intact(self.personal, self.personal_digest)
            else None
        )
        return resolve(self.changes, kept.value if kept is not None else None)

    def __str__(self) -> str:
        return _("#%(seq)s %(action)s by %(actor)s", seq=self.seq, action=self.action, actor=self.actor)


class AuditPersonal(db.Model):
    """The personal values of one audit event, outside the chain: erasable."""

    __tablename__ = "audit_personal"

    id: Mapped[int] = mapped_column(primary_key=True)
    salt: Mapped[str] = mapped_column(sa.String(32))
    value: Mapped[list[Any]] = mapped_column(sa.JSON)
    object_type: Mapped[str | None] = mapped_column(sa.String(60))
    object_id: Mapped[str | None] = mapped_column(sa.String(60))

    __table_args__ = (
        sa.Index("ix_audit_personal_object", "object_type", "object_id"),
        {"sqlite_autoincrement": True},  # an erased row's id is never given to another event's values
    )


class AuditLegacyHash(db.Model):
    """An event's HMAC before its personal values were moved out of the chain (the migration
    re-sealed the chain): heads written to the head file before then still match."""

    __tablename__ = "audit_legacy_hash"

    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    hash: Mapped[str] = mapped_column(sa.String(64))


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
