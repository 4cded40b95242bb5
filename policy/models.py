"""Policy versions, cancellation terms, and the announcement of a significant version to clients."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from console.db import UTCDateTime, db, enum_type, utcnow
from console.privacy import RedactedText
from policy.workflow import CampaignStatus, FeeTier, VersionStatus


class PolicyVersion(db.Model):
    """One numbered version of the *Politique de Protection du Client* (French Markdown)."""

    __tablename__ = "policy_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(unique=True)
    title: Mapped[str] = mapped_column(RedactedText(200))
    body: Mapped[str] = mapped_column(RedactedText())
    summary: Mapped[str] = mapped_column(RedactedText())
    effective_at: Mapped[datetime] = mapped_column(UTCDateTime)
    significant: Mapped[bool] = mapped_column(default=False)
    status: Mapped[VersionStatus] = mapped_column(
        enum_type(VersionStatus, "policy_version_status"), default=VersionStatus.DRAFT, index=True
    )
    drafted_by_id: Mapped[int] = mapped_column(sa.ForeignKey("staff_user.id"))
    drafted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_user.id"))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    version: Mapped[int] = mapped_column(default=1)

    drafted_by = relationship("StaffUser", foreign_keys=[drafted_by_id])
    published_by = relationship("StaffUser", foreign_keys=[published_by_id])

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        sa.CheckConstraint("published_by_id IS NULL OR published_by_id <> drafted_by_id", name="four_eyes"),
        sa.CheckConstraint(
            "(status = 'published') = (published_at IS NOT NULL AND published_by_id IS NOT NULL)",
            name="published_has_publisher",
        ),
    )

    def __str__(self) -> str:
        return f"v{self.number} {self.title}"


class CancellationTerms(db.Model):
    """A version of the cancellation terms: fees by notice period, in force from `effective_at`."""

    __tablename__ = "cancellation_terms"

    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(sa.String(20), unique=True)  # as the marketplace names it: 2026-03
    effective_at: Mapped[datetime] = mapped_column(UTCDateTime)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # [{"notice_hours": 24, "percent": 0}, {"notice_hours": 0, "percent": 50}]
    fee_tiers: Mapped[list] = mapped_column(sa.JSON, default=list)
    no_show_percent: Mapped[int] = mapped_column(default=100)
    summary: Mapped[str | None] = mapped_column(RedactedText())
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        sa.CheckConstraint("no_show_percent >= 0 AND no_show_percent <= 100", name="no_show_percent_range"),
    )

    @property
    def tiers(self) -> list[FeeTier]:
        return [FeeTier(int(t["notice_hours"]), int(t["percent"])) for t in self.fee_tiers or []]

    def __str__(self) -> str:
        return self.label


class PolicyCampaign(db.Model):
    """The announcement of one significant version to every active client, chunk by chunk."""

    __tablename__ = "policy_campaign"

    id: Mapped[int] = mapped_column(primary_key=True)
    policy_version_id: Mapped[int] = mapped_column(sa.ForeignKey("policy_version.id"), unique=True)
    status: Mapped[CampaignStatus] = mapped_column(
        enum_type(CampaignStatus, "policy_campaign_status"), default=CampaignStatus.RUNNING
    )
    started_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_user.id"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    progressed_at: Mapped[datetime] = mapped_column(UTCDateTime)  # the last chunk written
    next_slot_at: Mapped[datetime] = mapped_column(UTCDateTime)  # the next message's sending slot
    # Keyset: clients up to this id have been claimed (committed with their outbox rows).
    cursor_client_id: Mapped[int] = mapped_column(default=0)
    audience: Mapped[int] = mapped_column(default=0)  # active clients when it started
    queued: Mapped[int] = mapped_column(default=0)
    chunks: Mapped[int] = mapped_column(default=0)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    policy_version: Mapped[PolicyVersion] = relationship()

    def __str__(self) -> str:
        return f"v{self.policy_version.number}"


class PolicyNotice(db.Model):
    """One client told of one version: the unique key makes each client's message go out once."""

    __tablename__ = "policy_notice"

    id: Mapped[int] = mapped_column(primary_key=True)
    policy_version_id: Mapped[int] = mapped_column(sa.ForeignKey("policy_version.id"))
    client_id: Mapped[int] = mapped_column(sa.ForeignKey("client.id"), index=True)
    campaign_id: Mapped[int] = mapped_column(sa.ForeignKey("policy_campaign.id"))
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the client said they read it

    policy_version: Mapped[PolicyVersion] = relationship()

    __table_args__ = (sa.UniqueConstraint("policy_version_id", "client_id", name="uq_policy_notice_client"),)
