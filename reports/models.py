"""One row per attempt at building a report; a retry is a new row pointing at the failed one."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from console.auth.models import StaffUser
from console.db import UTCDateTime, db, enum_type
from console.domain import _, ngettext
from console.files.models import StoredFile
from console.formatting import format_date
from console.privacy import RedactedText
from marketplace.models import Provider
from reports.workflow import ReportKind, RunStatus, run_reference


class ReportRun(db.Model):
    __tablename__ = "report_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[ReportKind] = mapped_column(enum_type(ReportKind, "report_kind"))
    parameters: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    status: Mapped[RunStatus] = mapped_column(
        enum_type(RunStatus, "report_run_status"), default=RunStatus.QUEUED
    )
    progress: Mapped[int] = mapped_column(sa.SmallInteger, default=0)
    requested_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_user.id"))  # None: scheduled
    language: Mapped[str] = mapped_column(sa.String(2), default="fr", server_default="fr")  # of the PDF
    requested_by: Mapped[str] = mapped_column(sa.String(254))  # audit label: e-mail or system:<job>
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime)
    attempt: Mapped[int] = mapped_column(default=1)
    retry_of_id: Mapped[int | None] = mapped_column(sa.ForeignKey("report_run.id"), unique=True)
    job_id: Mapped[str] = mapped_column(sa.String(64), unique=True)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    data_as_of: Mapped[datetime | None] = mapped_column(UTCDateTime)
    error: Mapped[str | None] = mapped_column(RedactedText(1000))
    file_id: Mapped[int | None] = mapped_column(sa.ForeignKey("stored_file.id"), unique=True)
    sha256: Mapped[str | None] = mapped_column(sa.String(64))
    page_count: Mapped[int | None]
    byte_size: Mapped[int | None] = mapped_column(sa.BigInteger)
    build_seconds: Mapped[float | None] = mapped_column(sa.Float)
    render_seconds: Mapped[float | None] = mapped_column(sa.Float)
    peak_memory_kib: Mapped[int | None] = mapped_column(sa.BigInteger)  # the work horse's peak RSS
    version: Mapped[int] = mapped_column(default=1)

    requester: Mapped[StaffUser | None] = relationship()
    file: Mapped[StoredFile | None] = relationship()
    retry_of: Mapped[ReportRun | None] = relationship(remote_side=[id])

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        sa.Index("ix_report_run_kind_requested", "kind", "requested_at"),
        sa.Index("ix_report_run_status", "status"),
        sa.CheckConstraint("progress BETWEEN 0 AND 100", name="progress_range"),
        sa.CheckConstraint("attempt >= 1", name="attempt_positive"),
        sa.CheckConstraint(
            "(status = 'succeeded') = (file_id IS NOT NULL AND sha256 IS NOT NULL "
            "AND page_count IS NOT NULL AND byte_size IS NOT NULL AND finished_at IS NOT NULL)",
            name="succeeded_has_file",
        ),
        sa.CheckConstraint("(status = 'failed') = (error IS NOT NULL)", name="failed_has_error"),
        sa.CheckConstraint("(retry_of_id IS NULL) = (attempt = 1)", name="retry_counts_attempts"),
    )

    @property
    def reference(self) -> str:
        return run_reference(self.id)

    @property
    def parameters_label(self) -> str:
        """The parameters as people read them: a period, a provider reference, days ahead."""
        p = self.parameters or {}
        if "starts_on" in p:
            starts, ends = date.fromisoformat(p["starts_on"]), date.fromisoformat(p["ends_on"])
            return f"{format_date(starts)} – {format_date(ends)}"
        if "provider_id" in p:
            reference = f"{Provider.REFERENCE_PREFIX}-{p['provider_id']:0{Provider.REFERENCE_WIDTH}d}"
            return _("provider %(reference)s", reference=reference)
        if "days" in p:
            return ngettext("next %(num)s day", "next %(num)s days", p["days"])
        return _("as of the run")

    @property
    def language_label(self) -> str:
        """The PDF's language, as the run list shows it."""
        return {"fr": _("French"), "en": _("English")}.get(self.language, self.language)

    @property
    def title(self) -> str:
        return self.kind.label

    def __str__(self) -> str:
        return f"{self.reference} {self.kind.label}"
