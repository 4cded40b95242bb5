"""Complaints, with their status history, conversation and SLA alerts, and canned replies."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from console.auth.models import StaffUser
from console.db import UTCDateTime, db, enum_type, partial_index
from console.domain import _, translated_label
from console.privacy import RedactedText
from disputes.complaints.workflow import Category, Channel, Severity, Status, Then
from marketplace.models import Booking, Client, Provider

OPEN_SQL = "status NOT IN ('resolved', 'closed')"


class EntryKind(StrEnum):
    NOTE = "note"  # internal: never leaves the console
    TO_CLIENT = "to_client"
    TO_PROVIDER = "to_provider"
    FROM_CLIENT = "from_client"  # received from the marketplace's apps (the API) or by e-mail
    FROM_PROVIDER = "from_provider"

    @translated_label
    def label(self) -> str:
        return {
            EntryKind.NOTE: _("Internal note (never sent)"),
            EntryKind.TO_CLIENT: _("Message to the client"),
            EntryKind.TO_PROVIDER: _("Message to the provider"),
            EntryKind.FROM_CLIENT: _("Message from the client"),
            EntryKind.FROM_PROVIDER: _("Message from the provider"),
        }[self]


class Timer(StrEnum):
    FIRST_RESPONSE = "first_response"
    RESOLUTION = "resolution"

    @translated_label
    def label(self) -> str:
        return {Timer.FIRST_RESPONSE: _("First response"), Timer.RESOLUTION: _("Resolution")}[self]


class AlertLevel(StrEnum):
    AT_RISK = "at_risk"
    BREACHED = "breached"


class Complaint(db.Model):
    __tablename__ = "complaint"
    REFERENCE_PREFIX, REFERENCE_WIDTH = "CMP", 7

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(sa.ForeignKey("client.id"), index=True)
    booking_id: Mapped[int | None] = mapped_column(sa.ForeignKey("booking.id"), index=True)
    provider_id: Mapped[int | None] = mapped_column(sa.ForeignKey("provider.id"), index=True)
    channel: Mapped[Channel] = mapped_column(enum_type(Channel, "complaint_channel"))
    category: Mapped[Category] = mapped_column(enum_type(Category, "complaint_category"))
    severity: Mapped[Severity] = mapped_column(enum_type(Severity, "complaint_severity"))
    severity_reason: Mapped[str | None] = mapped_column(RedactedText(2000))
    status: Mapped[Status] = mapped_column(enum_type(Status, "complaint_status"), default=Status.NEW)
    subject: Mapped[str] = mapped_column(RedactedText(200))
    description: Mapped[str] = mapped_column(RedactedText())
    assignee_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(sa.String(254))
    status_changed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    first_response_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The SLA clock, recomputed by the services at every change (workflow.sla); the queues read it.
    first_response_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_response_at_risk_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_response_met: Mapped[bool | None]
    resolution_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolution_at_risk_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolution_met: Mapped[bool | None]
    next_breach_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the queues' default order
    # Set when this complaint was merged into another (the survivor): it is closed, its messages moved.
    merged_into_id: Mapped[int | None] = mapped_column(sa.ForeignKey("complaint.id"), index=True)
    version: Mapped[int] = mapped_column(default=1)

    client: Mapped[Client] = relationship()
    booking: Mapped[Booking | None] = relationship()
    provider: Mapped[Provider | None] = relationship()
    assignee: Mapped[StaffUser | None] = relationship()
    merged_into: Mapped[Complaint | None] = relationship(remote_side=[id])

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        sa.CheckConstraint("merged_into_id IS NULL OR status = 'closed'", name="merged_is_closed"),
        sa.CheckConstraint("merged_into_id IS NULL OR merged_into_id <> id", name="not_merged_into_itself"),
        sa.CheckConstraint("(status = 'closed') = (closed_at IS NOT NULL)", name="closed_when_closed"),
        sa.CheckConstraint(
            "status NOT IN ('resolved', 'closed') OR resolved_at IS NOT NULL", name="resolved_has_time"
        ),
        sa.CheckConstraint("booking_id IS NULL OR provider_id IS NOT NULL", name="booking_has_provider"),
        sa.Index("ix_complaint_status_created", "status", "created_at"),
        sa.Index("ix_complaint_assignee_status", "assignee_id", "status"),
        sa.Index("ix_complaint_resolved_at", "resolved_at"),
        sa.Index("ix_complaint_first_response_at", "first_response_at"),
        # Breached first, then least time left: every queue's default order (NULL once stopped).
        sa.Index("ix_complaint_next_breach", "next_breach_at", "id"),
        # The lists' other sorts (severity sorts by urgency within a queue: see queue_admin.py).
        sa.Index("ix_complaint_category", "category", "id"),
        sa.Index("ix_complaint_subject", "subject"),
        # The complaint page's suggested duplicates: the client's complaints around a date.
        sa.Index("ix_complaint_client_created", "client_id", "created_at"),
        # The SLA queues read open complaints only: small partial indexes over the deadlines.
        partial_index(
            "ix_complaint_open_resolution_due",
            "resolution_due_at",
            where=OPEN_SQL,
        ),
        partial_index(
            "ix_complaint_open_first_response_due",
            "first_response_due_at",
            where=OPEN_SQL + " AND first_response_met IS NULL",
        ),
        # The at-risk and breached queues: open complaints in breach order, with every SLA column the
        # queue conditions read, so a page and its count read this index and not the table.
        partial_index(
            "ix_complaint_open_sla",
            "next_breach_at",
            "id",
            "first_response_met",
            "first_response_at_risk_at",
            "first_response_due_at",
            "resolution_met",
            "resolution_at_risk_at",
            "resolution_due_at",
            where=OPEN_SQL,
        ),
        # The unassigned queue and each agent's own, in breach order: a page reads 25 index entries.
        partial_index(
            "ix_complaint_unassigned_breach",
            "next_breach_at",
            "id",
            where=OPEN_SQL + " AND assignee_id IS NULL",
        ),
        partial_index(
            "ix_complaint_assignee_breach",
            "assignee_id",
            "next_breach_at",
            "id",
            where=OPEN_SQL,
        ),
        partial_index(
            "ix_complaint_open_created",
            "created_at",
            where=OPEN_SQL,
        ),
    )

    @property
    def reference(self) -> str:
        return f"CMP-{self.id:07d}" if self.id is not None else "CMP-(new)"

    @property
    def is_open(self) -> bool:
        return self.status not in (Status.RESOLVED, Status.CLOSED)

    def __str__(self) -> str:
        return self.reference


class ComplaintStatusChange(db.Model):
    """Every status a complaint entered, with when: the SLA clock is computed from it."""

    __tablename__ = "complaint_status_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(sa.ForeignKey("complaint.id"))
    status: Mapped[Status] = mapped_column(enum_type(Status, "complaint_status"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(sa.String(254))

    __table_args__ = (sa.Index("ix_complaint_status_change_complaint", "complaint_id", "at"),)


class ComplaintEntry(db.Model):
    """The conversation: internal notes, and messages sent to the client or the provider."""

    __tablename__ = "complaint_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(sa.ForeignKey("complaint.id"))
    kind: Mapped[EntryKind] = mapped_column(enum_type(EntryKind, "complaint_entry_kind"))
    body: Mapped[str] = mapped_column(RedactedText())
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_user.id"))
    author: Mapped[str] = mapped_column(sa.String(254))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    notification_id: Mapped[int | None] = mapped_column(sa.ForeignKey("notification.id"))

    __table_args__ = (
        sa.Index("ix_complaint_entry_complaint", "complaint_id", "created_at"),
        sa.CheckConstraint(
            "(kind IN ('note', 'from_client', 'from_provider')) = (notification_id IS NULL)",
            name="messages_go_out",
        ),
    )


class SlaAlert(db.Model):
    """One alert per (complaint, timer, level): the unique key makes each go out once."""

    __tablename__ = "complaint_sla_alert"

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(sa.ForeignKey("complaint.id"))
    timer: Mapped[Timer] = mapped_column(enum_type(Timer, "sla_timer"))
    level: Mapped[AlertLevel] = mapped_column(enum_type(AlertLevel, "sla_alert_level"))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (
        sa.UniqueConstraint("complaint_id", "timer", "level", name="uq_complaint_sla_alert_once"),
    )


class SavedView(db.Model):
    """A support agent's own saved queue view: which queue, its filters and its order."""

    __tablename__ = "complaint_saved_view"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(sa.ForeignKey("staff_user.id"))
    name: Mapped[str] = mapped_column(RedactedText(60))
    queue: Mapped[str] = mapped_column(sa.String(40))
    query: Mapped[str] = mapped_column(sa.String(1000))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (sa.UniqueConstraint("owner_id", "name", name="uq_complaint_saved_view_name"),)


class Macro(db.Model):
    """A macro: a reply with placeholders plus optional actions, applied in one click.

    Shared macros (no owner) are written by managers; an agent may keep macros of their own."""

    __tablename__ = "complaint_macro"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(RedactedText(120), unique=True)
    body: Mapped[str] = mapped_column(RedactedText())
    active: Mapped[bool] = mapped_column(default=True)
    owner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_user.id"), index=True)
    recipient: Mapped[EntryKind] = mapped_column(
        enum_type(EntryKind, "complaint_entry_kind"), default=EntryKind.TO_CLIENT, server_default="to_client"
    )
    then: Mapped[Then] = mapped_column(
        enum_type(Then, "complaint_macro_then"), default=Then.SEND, server_default="send"
    )
    set_category: Mapped[Category | None] = mapped_column(enum_type(Category, "complaint_category"))
    set_severity: Mapped[Severity | None] = mapped_column(enum_type(Severity, "complaint_severity"))
    note: Mapped[str | None] = mapped_column(RedactedText())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_by: Mapped[str] = mapped_column(sa.String(254))
    version: Mapped[int] = mapped_column(default=1)

    owner: Mapped[StaffUser | None] = relationship()

    __mapper_args__ = {"version_id_col": version}

    def __str__(self) -> str:
        return self.title


class Satisfaction(db.Model):
    """The client's rating of a resolved complaint (asked by the portal a day after resolution):
    once per complaint; the row exists from the asking, the score from the answer."""

    __tablename__ = "complaint_satisfaction"

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(sa.ForeignKey("complaint.id"), unique=True)
    score: Mapped[int | None]
    comment: Mapped[str | None] = mapped_column(RedactedText(2000))
    asked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        sa.CheckConstraint("score IS NULL OR score BETWEEN 1 AND 5", name="score_1_to_5"),
        sa.CheckConstraint("(score IS NULL) = (answered_at IS NULL)", name="answered_has_score"),
    )
