"""RC Pro policies, the reminders sent for them, and a summary of each sweep."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from console.auth.models import StaffUser
from console.db import UTCDateTime, db, enum_type, partial_index
from console.files.models import StoredFile
from console.privacy import RedactedText
from insurance.workflow import Verification
from marketplace.models import Provider


class InsurancePolicy(db.Model):
    __tablename__ = "insurance_policy"

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(sa.ForeignKey("provider.id"), index=True)
    insurer: Mapped[str] = mapped_column(RedactedText(120))
    policy_number: Mapped[str] = mapped_column(sa.String(60), index=True)
    insured_name: Mapped[str] = mapped_column(RedactedText(200))
    insured_siret: Mapped[str] = mapped_column(sa.String(14))
    activities: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    coverage_per_claim_cents: Mapped[int] = mapped_column(sa.BigInteger)
    deductible_cents: Mapped[int] = mapped_column(sa.BigInteger)
    currency: Mapped[str] = mapped_column(sa.String(3), default="EUR")
    starts_on: Mapped[date] = mapped_column(index=True)  # sorts of the policies and certificates lists
    ends_on: Mapped[date] = mapped_column(index=True)
    certificate_id: Mapped[int | None] = mapped_column(sa.ForeignKey("stored_file.id"))
    verification: Mapped[Verification] = mapped_column(
        enum_type(Verification, "policy_verification"), default=Verification.PENDING
    )
    verified_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_user.id"))
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rejection_reason: Mapped[str | None] = mapped_column(RedactedText(1000))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    created_by: Mapped[str] = mapped_column(sa.String(254))
    version: Mapped[int] = mapped_column(default=1)

    provider: Mapped[Provider] = relationship()
    certificate: Mapped[StoredFile | None] = relationship()
    verified_by: Mapped[StaffUser | None] = relationship()

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        sa.CheckConstraint("ends_on >= starts_on", name="dates_in_order"),
        sa.CheckConstraint("coverage_per_claim_cents > 0", name="coverage_positive"),
        sa.CheckConstraint("deductible_cents >= 0", name="deductible_not_negative"),
        sa.CheckConstraint(
            "(verification = 'rejected') = (rejection_reason IS NOT NULL)", name="rejection_has_reason"
        ),
        sa.Index("ix_insurance_policy_verified_end", "verification", "ends_on"),
        # The certificates queue: pending, oldest first, ties by id (the page stops at its 25 rows).
        # Partial: on a (verification, created_at) index PostgreSQL preferred walking all policies
        # by date hoping to meet pending ones early, but they are the newest (0.3 s at 1.4 M).
        partial_index(
            "ix_insurance_policy_pending",
            "created_at",
            "id",
            where="verification = 'pending'",
        ),
    )

    def __str__(self) -> str:
        return f"{self.insurer} {self.policy_number}"


class PolicyReminder(db.Model):
    """One reminder step claimed for one policy by the sweep (the unique key makes each step go out
    once); its message is written afterwards, in batches."""

    __tablename__ = "policy_reminder"

    id: Mapped[int] = mapped_column(primary_key=True)
    policy_id: Mapped[int] = mapped_column(sa.ForeignKey("insurance_policy.id"))
    step: Mapped[int]  # days relative to the end of cover: -30, -14, -7, -1, +2, +4, ...
    sent_on: Mapped[date]
    notification_id: Mapped[int | None] = mapped_column(sa.ForeignKey("notification.id"))

    __table_args__ = (
        sa.UniqueConstraint("policy_id", "step", name="uq_policy_reminder_step"),
        # The reminders whose message is still to write (insurance.sweep.write_reminders).
        partial_index(
            "ix_policy_reminder_unwritten",
            "id",
            where="notification_id IS NULL",
        ),
    )


class InsuranceSweep(db.Model):
    """What one daily sweep did, for the console."""

    __tablename__ = "insurance_sweep"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(index=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime] = mapped_column(UTCDateTime)
    counts: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    # The provider id the next batch starts after; None once the day is swept.
    resume_after: Mapped[int | None]


class InsuranceCover(db.Model):
    """Continuous cover per provider, merged from its verified policies (rebuilt when they change).

    Lets the expiry board and the exposure list answer with indexed queries instead of
    recomputing every provider's chain of policies on each request.
    """

    __tablename__ = "insurance_cover"

    provider_id: Mapped[int] = mapped_column(sa.ForeignKey("provider.id"), primary_key=True)
    # indexed for the covers started since the last sweep (insurance.sweep.start_sweep)
    starts_on: Mapped[date] = mapped_column(primary_key=True, index=True)
    ends_on: Mapped[date] = mapped_column(index=True)
    policy_id: Mapped[int] = mapped_column(sa.ForeignKey("insurance_policy.id"))  # the one ending the cover
