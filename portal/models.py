"""Signed links, inbound e-mails, the files that came with a portal answer, and satisfaction."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from console.db import UTCDateTime, db, enum_type
from console.files.models import StoredFile
from console.privacy import RedactedText
from portal.workflow import PersonKind, Purpose


class PortalLink(db.Model):
    """One signed link: only the token's digest is kept, bound to a person, a purpose and a record."""

    __tablename__ = "portal_link"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_digest: Mapped[str] = mapped_column(sa.String(64), unique=True)
    purpose: Mapped[Purpose] = mapped_column(enum_type(Purpose, "portal_purpose"))
    person_kind: Mapped[PersonKind] = mapped_column(enum_type(PersonKind, "portal_person_kind"))
    person_id: Mapped[int]
    record_type: Mapped[str | None] = mapped_column(sa.String(60))
    record_id: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(sa.String(254))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        sa.Index("ix_portal_link_person", "person_kind", "person_id", "purpose"),
        sa.Index("ix_portal_link_record", "record_type", "record_id"),
        sa.CheckConstraint("expires_at > created_at", name="expires_after_creation"),
    )

    def __str__(self) -> str:
        return f"LNK-{self.id:07d}"


class InboundEmail(db.Model):
    """A message received at the support address: threaded into a complaint, or kept for triage."""

    __tablename__ = "inbound_email"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[str] = mapped_column(sa.String(255), unique=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    sender: Mapped[str] = mapped_column(RedactedText(254))
    recipient: Mapped[str] = mapped_column(sa.String(254))
    subject: Mapped[str] = mapped_column(RedactedText(300))
    body: Mapped[str] = mapped_column(RedactedText())
    size: Mapped[int]
    status: Mapped[str] = mapped_column(sa.String(10))
    reason: Mapped[str | None] = mapped_column(sa.String(40))
    complaint_id: Mapped[int | None] = mapped_column(sa.ForeignKey("complaint.id"), index=True)
    entry_id: Mapped[int | None] = mapped_column(sa.ForeignKey("complaint_entry.id"))
    handled_by: Mapped[str | None] = mapped_column(sa.String(254))

    __table_args__ = (
        sa.CheckConstraint(
            "status IN ('threaded', 'triage', 'ignored', 'handled')", name="inbound_status_known"
        ),
        sa.Index("ix_inbound_email_status", "status", "received_at"),
    )

    def __str__(self) -> str:
        return f"MSG-{self.id:07d}"


class PortalAttachment(db.Model):
    """A file a provider or a client sent through the portal or by e-mail, and what it belongs to."""

    __tablename__ = "portal_attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    stored_file_id: Mapped[int] = mapped_column(sa.ForeignKey("stored_file.id"))
    record_type: Mapped[str] = mapped_column(sa.String(60))
    record_id: Mapped[int]
    entry_id: Mapped[int | None] = mapped_column(sa.ForeignKey("complaint_entry.id"))
    inbound_id: Mapped[int | None] = mapped_column(sa.ForeignKey("inbound_email.id"))
    link_id: Mapped[int | None] = mapped_column(sa.ForeignKey("portal_link.id"))
    kind: Mapped[str] = mapped_column(sa.String(30), default="evidence")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    stored_file: Mapped[StoredFile] = relationship()

    __table_args__ = (sa.Index("ix_portal_attachment_record", "record_type", "record_id"),)
