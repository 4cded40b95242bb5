"""The background check's failure rule (DESIGN §3): a reason code, never what the criminal-record
extract says. Pure Python, like workflow.py."""

from __future__ import annotations

from enum import StrEnum

from console.domain import DomainError, _, translated_label
from vetting.workflow import B3Outcome


class BackgroundFailure(StrEnum):
    """Why a background check failed: a code, never what the criminal-record extract says."""

    IDENTITY_DOCUMENT = "identity_document"
    SIRET = "siret"
    CRIMINAL_RECORD = "criminal_record"
    OTHER = "other"

    @translated_label
    def label(self) -> str:
        return {
            BackgroundFailure.IDENTITY_DOCUMENT: _("identity document missing, invalid or expired"),
            BackgroundFailure.SIRET: _("SIRET invalid or not active"),
            BackgroundFailure.CRIMINAL_RECORD: _("criminal-record extract incompatible"),
            BackgroundFailure.OTHER: _("other reason (explained in the notes)"),
        }[self]


def background_failure(
    reason: BackgroundFailure | str | None, notes: str | None, b3_outcome: B3Outcome | None
) -> BackgroundFailure:
    """The reason code of a failed background check, refused when it does not fit.

    DESIGN §3: nothing of the criminal-record extract is written down. When the failure concerns
    it (the reason, or an extract recorded as incompatible) the check takes no notes at all; the
    reason code says it, and the applicant's statement stays the generic one.
    """
    try:
        reason = BackgroundFailure(reason) if reason else None
    except ValueError:
        reason = None
    if reason is None:
        raise DomainError(_("Choose why the background check failed."))
    if b3_outcome == B3Outcome.INCOMPATIBLE and reason != BackgroundFailure.CRIMINAL_RECORD:
        raise DomainError(_("The criminal-record extract was recorded as incompatible: choose that reason."))
    if reason == BackgroundFailure.CRIMINAL_RECORD:
        if b3_outcome != B3Outcome.INCOMPATIBLE:
            raise DomainError(
                _("Record the extract as incompatible before failing the check on the criminal record.")
            )
        if notes:
            raise DomainError(
                _(
                    "No notes when the check fails on the criminal record: the extract is viewed, never "
                    "written down. Choose the reason only and leave the notes empty."
                )
            )
    if reason == BackgroundFailure.OTHER and not notes:
        raise DomainError(_("Say in the notes why the background check failed."))
    return reason
