"""Vetting cases, their three checks, the evidence each check records, references and documents.

There is deliberately no column, file kind or free text for the criminal-record extract
(bulletin n°3) beyond "viewed", its issue date, the outcome, who viewed it and when: the console
may see the extract, never keep it.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from console.auth.models import StaffUser
from console.db import UTCDateTime, db, enum_type, partial_index
from console.domain import _, translated_label
from console.files.models import StoredFile
from console.privacy import RedactedText
from marketplace.models import Provider
from vetting import workflow
from vetting.background import BackgroundFailure
from vetting.workflow import (
    AttemptOutcome,
    B3Outcome,
    CaseStatus,
    CheckKind,
    CheckStatus,
    DocumentType,
    ReferenceStatus,
    RejectionReason,
    Round,
)

_ACTIVE = "status IN ('open', 'in_review', 'awaiting_provider', 'ready_for_decision')"


class DocumentKind(StrEnum):
    """What an uploaded vetting file is. The criminal-record extract is never one of them."""

    IDENTITY = "identity"
    CERTIFICATION = "certification"

    @translated_label
    def label(self) -> str:
        return {
            DocumentKind.IDENTITY: _("identity document"),
            DocumentKind.CERTIFICATION: _("certification"),
        }[self]


class VettingCase(db.Model):
    __tablename__ = "vetting_case"
    REFERENCE_PREFIX, REFERENCE_WIDTH = "VET", 6

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(sa.ForeignKey("provider.id"))
    round: Mapped[Round] = mapped_column(enum_type(Round, "vetting_round"))
    status: Mapped[CaseStatus] = mapped_column(enum_type(CaseStatus, "vetting_case_status"))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)  # a sort of the cases lists
    opened_by: Mapped[str] = mapped_column(sa.String(254))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    paused_hours: Mapped[float] = mapped_column(sa.Float, default=0.0)
    awaiting_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    awaiting_note: Mapped[str | None] = mapped_column(RedactedText(500))
    chases_sent: Mapped[int] = mapped_column(default=0)
    withdrawal_proposed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_user.id"))
    rejection_reason: Mapped[RejectionReason | None] = mapped_column(
        enum_type(RejectionReason, "vetting_rejection_reason")
    )
    decision_note: Mapped[str | None] = mapped_column(RedactedText(2000))
    revetting_due_on: Mapped[date | None]  # set on approval: when the next round is due
    revetting_proposed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # overdue: proposed once
    version: Mapped[int] = mapped_column(default=1)

    provider: Mapped[Provider] = relationship()
    decided_by: Mapped[StaffUser | None] = relationship()
    checks: Mapped[list[VettingCheck]] = relationship(
        back_populates="case", order_by="VettingCheck.id", cascade="all, delete-orphan"
    )
    references: Mapped[list[Reference]] = relationship(
        back_populates="case", order_by="Reference.id", cascade="all, delete-orphan"
    )
    documents: Mapped[list[VettingDocument]] = relationship(
        back_populates="case", order_by="VettingDocument.id", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        partial_index(
            "uq_vetting_case_active_per_provider",
            "provider_id",
            unique=True,
            where=_ACTIVE,
        ),
        sa.Index("ix_vetting_case_status_due", "status", "due_at"),
        # The queues in order of arrival (awaiting provider, unassigned), read from the index alone.
        sa.Index("ix_vetting_case_status_opened", "status", "opened_at", "id"),
        # The lists sort by deadline: all cases, and the active ones (every queue) apart.
        sa.Index("ix_vetting_case_due", "due_at", "id"),
        partial_index(
            "ix_vetting_case_active_due",
            "due_at",
            "id",
            where=_ACTIVE,
        ),
        # The oldest active case of a queue past the count cap (home cards): walked in arrival order.
        partial_index(
            "ix_vetting_case_active_opened",
            "opened_at",
            "id",
            where=_ACTIVE,
        ),
        sa.Index("ix_vetting_case_provider_decided", "provider_id", "decided_at"),
        sa.Index("ix_vetting_case_decided_at", "decided_at"),  # the home page's decisions per week
        sa.Index("ix_vetting_case_revetting_due", "revetting_due_on"),
        sa.CheckConstraint(
            "(status IN ('approved', 'rejected', 'withdrawn')) "
            "= (decided_at IS NOT NULL AND decided_by_id IS NOT NULL)",
            name="decision_has_person",
        ),
        sa.CheckConstraint(
            "(status = 'rejected') = (rejection_reason IS NOT NULL)", name="rejection_has_reason"
        ),
        sa.CheckConstraint(
            "(status = 'approved') = (revetting_due_on IS NOT NULL)", name="approval_sets_due"
        ),
        sa.CheckConstraint(
            "(status = 'awaiting_provider') = (awaiting_since IS NOT NULL)", name="awaiting_has_start"
        ),
        sa.CheckConstraint("paused_hours >= 0 AND chases_sent BETWEEN 0 AND 3", name="counters_in_range"),
    )

    @property
    def reference(self) -> str:
        return f"VET-{self.id:06d}" if self.id is not None else "VET-(new)"

    @property
    def is_final(self) -> bool:
        """Decided or withdrawn: a new case may be opened for the provider."""
        return self.status in workflow.FINAL

    def check(self, kind: CheckKind) -> VettingCheck:
        return next(c for c in self.checks if c.kind == kind)

    def __str__(self) -> str:
        return f"{self.reference} ({self.round.label})"


class VettingCheck(db.Model):
    __tablename__ = "vetting_check"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("vetting_case.id"))
    kind: Mapped[CheckKind] = mapped_column(enum_type(CheckKind, "vetting_check_kind"))
    status: Mapped[CheckStatus] = mapped_column(
        enum_type(CheckStatus, "vetting_check_status"), default=CheckStatus.PENDING
    )
    assignee_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_user.id"))
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_user.id"))
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    notes: Mapped[str | None] = mapped_column(RedactedText(2000))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(default=1)

    # background evidence (kind = background)
    document_type: Mapped[DocumentType | None] = mapped_column(
        enum_type(DocumentType, "identity_document_type")
    )
    document_expiry: Mapped[date | None]
    document_last4: Mapped[str | None] = mapped_column(sa.String(4))
    siret_active: Mapped[bool | None]
    b3_viewed: Mapped[bool] = mapped_column(default=False)
    b3_issue_date: Mapped[date | None]
    b3_outcome: Mapped[B3Outcome | None] = mapped_column(enum_type(B3Outcome, "b3_outcome"))
    b3_viewed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_user.id"))
    b3_viewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # why a failed background check failed: a code, no free text about the criminal record
    failure_reason: Mapped[BackgroundFailure | None] = mapped_column(
        enum_type(BackgroundFailure, "background_failure")
    )
    # skills evidence (kind = skills)
    score: Mapped[int | None]
    pass_mark: Mapped[int | None]
    trial_passed: Mapped[bool | None]
    rubric: Mapped[dict | None] = mapped_column(sa.JSON)

    case: Mapped[VettingCase] = relationship(back_populates="checks")
    assignee: Mapped[StaffUser | None] = relationship(foreign_keys=[assignee_id])
    completed_by: Mapped[StaffUser | None] = relationship(foreign_keys=[completed_by_id])
    b3_viewed_by: Mapped[StaffUser | None] = relationship(foreign_keys=[b3_viewed_by_id])

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        sa.UniqueConstraint("case_id", "kind", name="uq_vetting_check_kind"),
        sa.Index("ix_vetting_check_assignee_status", "assignee_id", "status"),
        sa.Index("ix_vetting_check_status_case", "status", "case_id"),
        # "My checks": the cases of an officer's open checks, read from this index alone.
        partial_index(
            "ix_vetting_check_open_assignee",
            "assignee_id",
            "case_id",
            where="status IN ('pending', 'in_progress')",
        ),
        # The unassigned queue's test "a check nobody has taken", answered from this index alone.
        partial_index(
            "ix_vetting_check_unassigned",
            "case_id",
            where="assignee_id IS NULL AND status IN ('pending', 'in_progress')",
        ),
        sa.CheckConstraint(
            "(status IN ('passed', 'failed')) = (completed_by_id IS NOT NULL AND completed_at IS NOT NULL)",
            name="completion_has_person",
        ),
        sa.CheckConstraint("score IS NULL OR score BETWEEN 0 AND 100", name="score_range"),
        sa.CheckConstraint("pass_mark IS NULL OR pass_mark BETWEEN 0 AND 100", name="pass_mark_range"),
        sa.CheckConstraint("document_last4 IS NULL OR length(document_last4) <= 4", name="last4_only"),
        sa.CheckConstraint(
            "b3_viewed = (b3_outcome IS NOT NULL AND b3_issue_date IS NOT NULL "
            "AND b3_viewed_by_id IS NOT NULL AND b3_viewed_at IS NOT NULL)",
            name="b3_viewing_complete",
        ),
        sa.CheckConstraint(
            "failure_reason IS NULL OR (kind = 'background' AND status = 'failed')",
            name="failure_reason_of_failed_background",
        ),
        sa.CheckConstraint(
            "failure_reason IS NULL OR failure_reason <> 'criminal_record' OR notes IS NULL",
            name="no_notes_on_criminal_record",
        ),
    )

    @translated_label
    def label(self) -> str:
        return self.kind.title


class Reference(db.Model):
    """A professional or personal reference given by the applicant."""

    __tablename__ = "vetting_reference"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("vetting_case.id"), index=True)
    name: Mapped[str] = mapped_column(RedactedText(200))
    relationship_to_provider: Mapped[str] = mapped_column(RedactedText(100))
    phone: Mapped[str | None] = mapped_column(sa.String(16))
    email: Mapped[str | None] = mapped_column(sa.String(254))
    status: Mapped[ReferenceStatus] = mapped_column(
        enum_type(ReferenceStatus, "reference_status"), default=ReferenceStatus.PENDING
    )
    failed_attempts: Mapped[int] = mapped_column(default=0)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime)
    added_by: Mapped[str] = mapped_column(sa.String(254))
    version: Mapped[int] = mapped_column(default=1)

    case: Mapped[VettingCase] = relationship(back_populates="references")
    attempts: Mapped[list[ReferenceAttempt]] = relationship(
        back_populates="reference", order_by="ReferenceAttempt.number", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        sa.CheckConstraint("phone IS NOT NULL OR email IS NOT NULL", name="has_contact"),
        sa.CheckConstraint("failed_attempts BETWEEN 0 AND 3", name="attempts_in_range"),
    )


class ReferenceAttempt(db.Model):
    """One contact attempt; (reference, number) is unique, so an attempt cannot be logged twice."""

    __tablename__ = "vetting_reference_attempt"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference_id: Mapped[int] = mapped_column(sa.ForeignKey("vetting_reference.id"))
    number: Mapped[int]
    outcome: Mapped[AttemptOutcome] = mapped_column(enum_type(AttemptOutcome, "reference_attempt_outcome"))
    note: Mapped[str | None] = mapped_column(RedactedText(500))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    by_id: Mapped[int] = mapped_column(sa.ForeignKey("staff_user.id"))

    reference: Mapped[Reference] = relationship(back_populates="attempts")
    by: Mapped[StaffUser] = relationship()

    __table_args__ = (
        sa.UniqueConstraint("reference_id", "number", name="uq_reference_attempt_number"),
        sa.CheckConstraint("number BETWEEN 1 AND 10", name="number_in_range"),
    )


class VettingDocument(db.Model):
    """An uploaded identity document or certification (the bytes live in StoredFile)."""

    __tablename__ = "vetting_document"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("vetting_case.id"), index=True)
    kind: Mapped[DocumentKind] = mapped_column(enum_type(DocumentKind, "vetting_document_kind"))
    file_id: Mapped[int] = mapped_column(sa.ForeignKey("stored_file.id"), unique=True)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime)
    added_by: Mapped[str] = mapped_column(sa.String(254))

    case: Mapped[VettingCase] = relationship(back_populates="documents")
    file: Mapped[StoredFile] = relationship()


class VettingSweep(db.Model):
    """What one daily vetting sweep did (chasing, withdrawals, renewals, overdue, purges)."""

    __tablename__ = "vetting_sweep"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(index=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    counts: Mapped[dict] = mapped_column(sa.JSON, default=dict)
