"""Restriction proposals (opened by signals or people) and restrictions (decided by people)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from console.auth.models import StaffUser
from console.db import UTCDateTime, db, enum_type, partial_index, utcnow
from console.domain import _
from console.privacy import RedactedText
from marketplace.models import Provider
from restrictions.workflow import REASONS, ProposalStatus, ReviewOutcome, Source, short_label


def reason_label(code: str) -> str:
    """A reason code as people read it ("RC Pro insurance lapsed"), in the reader's language."""
    return REASONS[code].label if code in REASONS else code


class RestrictionProposal(db.Model):
    __tablename__ = "restriction_proposal"

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(sa.ForeignKey("provider.id"), index=True)
    source: Mapped[Source] = mapped_column(enum_type(Source, "proposal_source"))
    reason_code: Mapped[str] = mapped_column(sa.String(40))
    statement: Mapped[str] = mapped_column(RedactedText())
    evidence: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)  # sorts of the proposals list
    status: Mapped[ProposalStatus] = mapped_column(
        enum_type(ProposalStatus, "proposal_status"), default=ProposalStatus.OPEN
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    created_by: Mapped[str] = mapped_column(sa.String(254))
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_user.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_note: Mapped[str | None] = mapped_column(RedactedText(2000))
    restriction_id: Mapped[int | None] = mapped_column(sa.ForeignKey("restriction.id"))
    version: Mapped[int] = mapped_column(default=1)

    provider: Mapped[Provider] = relationship()
    decided_by: Mapped[StaffUser | None] = relationship()

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        sa.Index("ix_restriction_proposal_status_due", "status", "due_at"),
        # A signal that fires again while its proposal is open must not open a second one.
        partial_index(
            "uq_restriction_proposal_open",
            "provider_id",
            "reason_code",
            unique=True,
            where="status = 'open'",
        ),
        sa.CheckConstraint("(status = 'open') = (decided_at IS NULL)", name="decided_when_closed"),
    )

    def __str__(self) -> str:
        return _("proposal #%(id)s (%(reason)s)", id=self.id, reason=reason_label(self.reason_code))


class Restriction(db.Model):
    __tablename__ = "restriction"

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(sa.ForeignKey("provider.id"))
    reason_code: Mapped[str] = mapped_column(sa.String(40))
    statement: Mapped[str] = mapped_column(RedactedText())
    decided_by_id: Mapped[int] = mapped_column(sa.ForeignKey("staff_user.id"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)  # sorts of the restrictions list
    proposal_id: Mapped[int | None] = mapped_column(sa.ForeignKey("restriction_proposal.id", use_alter=True))
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    ended_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_user.id"))
    end_reason: Mapped[str | None] = mapped_column(RedactedText(2000))
    review_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    review_request: Mapped[str | None] = mapped_column(RedactedText())
    review_decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_user.id"))
    review_decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    review_outcome: Mapped[ReviewOutcome | None] = mapped_column(enum_type(ReviewOutcome, "review_outcome"))
    review_reasons: Mapped[str | None] = mapped_column(RedactedText())
    version: Mapped[int] = mapped_column(default=1)

    provider: Mapped[Provider] = relationship()
    decided_by: Mapped[StaffUser] = relationship(foreign_keys=[decided_by_id])
    ended_by: Mapped[StaffUser | None] = relationship(foreign_keys=[ended_by_id])
    review_decided_by: Mapped[StaffUser | None] = relationship(foreign_keys=[review_decided_by_id])

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        sa.Index("ix_restriction_provider_active", "provider_id", "ended_at"),
        sa.CheckConstraint("(ended_at IS NULL) = (ended_by_id IS NULL)", name="ended_by_a_person"),
        sa.CheckConstraint(
            "review_decided_by_id IS NULL OR review_decided_by_id <> decided_by_id",
            name="review_by_another_person",
        ),
        sa.CheckConstraint(
            "review_decided_at IS NULL OR review_requested_at IS NOT NULL", name="review_after_request"
        ),
    )

    @property
    def active(self) -> bool:
        return self.ended_at is None

    def __str__(self) -> str:
        return _("restriction #%(id)s (%(reason)s)", id=self.id, reason=reason_label(self.reason_code))


# The provider's eligibility panel names its restrictions in the reader's language (marketplace
# sits below restrictions and cannot import them).
Provider.restriction_reason_text = staticmethod(short_label)
