"""Disputes (money claims raised from a complaint) and their evidence."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from console.auth.models import StaffUser
from console.db import UTCDateTime, db, enum_type
from console.files.models import StoredFile
from console.privacy import RedactedText
from disputes.complaints.models import Complaint
from disputes.disputes.workflow import DisputeKind, DisputeStatus, EvidenceSide, Outcome
from marketplace.models import Booking


class Dispute(db.Model):
    """A money claim raised from a complaint, decided against the booking's price and terms."""

    __tablename__ = "dispute"
    REFERENCE_PREFIX, REFERENCE_WIDTH = "DSP", 6

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(sa.ForeignKey("complaint.id"), index=True)
    booking_id: Mapped[int] = mapped_column(sa.ForeignKey("booking.id"))
    kind: Mapped[DisputeKind] = mapped_column(enum_type(DisputeKind, "dispute_kind"))
    status: Mapped[DisputeStatus] = mapped_column(
        enum_type(DisputeStatus, "dispute_status"), default=DisputeStatus.OPEN
    )
    amount_claimed_cents: Mapped[int] = mapped_column(index=True)  # sorts of the disputes lists
    currency: Mapped[str] = mapped_column(sa.String(3), default="EUR")
    claim: Mapped[str] = mapped_column(RedactedText())
    provider_response: Mapped[str | None] = mapped_column(RedactedText())
    provider_responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    insurance_policy_id: Mapped[int | None] = mapped_column(sa.ForeignKey("insurance_policy.id"))
    insurer_claim_reference: Mapped[str | None] = mapped_column(sa.String(60))
    proposed_outcome: Mapped[Outcome | None] = mapped_column(enum_type(Outcome, "dispute_proposed_outcome"))
    proposed_amount_cents: Mapped[int | None]
    proposed_reasons: Mapped[str | None] = mapped_column(RedactedText())
    proposed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_user.id"))
    proposed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outcome: Mapped[Outcome | None] = mapped_column(enum_type(Outcome, "dispute_outcome"))
    amount_awarded_cents: Mapped[int | None]
    reasons: Mapped[str | None] = mapped_column(RedactedText())
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_user.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    payment_transaction_id: Mapped[str | None] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    created_by: Mapped[str] = mapped_column(sa.String(254))
    version: Mapped[int] = mapped_column(default=1)

    complaint: Mapped[Complaint] = relationship()
    booking: Mapped[Booking] = relationship()
    proposed_by: Mapped[StaffUser | None] = relationship(foreign_keys=[proposed_by_id])
    decided_by: Mapped[StaffUser | None] = relationship(foreign_keys=[decided_by_id])
    evidence: Mapped[list[DisputeEvidence]] = relationship(
        back_populates="dispute", order_by="DisputeEvidence.id"
    )

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        sa.CheckConstraint("amount_claimed_cents > 0", name="claim_positive"),
        sa.CheckConstraint(
            "amount_awarded_cents IS NULL OR amount_awarded_cents >= 0", name="award_not_negative"
        ),
        sa.CheckConstraint(
            "(status = 'decided') = (decided_at IS NOT NULL AND outcome IS NOT NULL "
            "AND reasons IS NOT NULL AND amount_awarded_cents IS NOT NULL)",
            name="decided_with_reasons",
        ),
        sa.CheckConstraint(
            "decided_by_id IS NULL OR proposed_by_id IS NULL OR decided_by_id <> proposed_by_id "
            "OR status <> 'decided' OR proposed_at IS NULL",
            name="decider_not_proposer",
        ),
        sa.Index("ix_dispute_status_created", "status", "created_at"),
    )

    @property
    def reference(self) -> str:
        return f"DSP-{self.id:06d}" if self.id is not None else "DSP-(new)"

    def __str__(self) -> str:
        return self.reference


class DisputeEvidence(db.Model):
    __tablename__ = "dispute_evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    dispute_id: Mapped[int] = mapped_column(sa.ForeignKey("dispute.id"), index=True)
    side: Mapped[EvidenceSide] = mapped_column(enum_type(EvidenceSide, "evidence_side"))
    file_id: Mapped[int] = mapped_column(sa.ForeignKey("stored_file.id"))
    description: Mapped[str | None] = mapped_column(RedactedText(500))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime)
    added_by: Mapped[str] = mapped_column(sa.String(254))

    dispute: Mapped[Dispute] = relationship(back_populates="evidence")
    file: Mapped[StoredFile] = relationship()
