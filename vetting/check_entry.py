"""A check in one submission: the check's evidence and its outcome (pass, fail with its reason, or
needs provider documents) recorded together. The actor is a parameter; services flush, never commit.

Each piece of evidence goes through the same use case as before (`vetting/checks.py`), so its rules
and audit events are unchanged; a refusal anywhere leaves the whole submission unsaved (the caller
rolls back).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from console.domain import DomainError, _, ensure_version
from vetting import checks, services
from vetting import workflow as wf
from vetting.models import Reference, VettingCheck
from vetting.outcomes import CheckOutcome
from vetting.workflow import CheckKind, CheckStatus


@dataclass(frozen=True)
class BackgroundEntry:
    """What the background form holds; None where the officer left a part empty."""

    document_type: str | None = None
    document_expiry: date | None = None
    last4: str | None = None
    siret_active: bool | None = None
    b3_issue_date: date | None = None
    b3_outcome: str | None = None


@dataclass(frozen=True)
class SkillsEntry:
    score: Any = None
    trial_passed: bool = False
    rubric: Mapping[str, Any] | None = None


def submit_check(
    check: VettingCheck,
    *,
    outcome: CheckOutcome | str,
    evidence: BackgroundEntry | SkillsEntry | None = None,
    attempts: Mapping[int, str] | None = None,
    notes: str | None = None,
    failure_reason: str | None = None,
    provider_request: str | None = None,
    actor: Any,
    now: datetime,
    expected_version: int | None = None,
) -> VettingCheck:
    """Start the check if needed, record its evidence (and, for references, the contact attempts
    made), then pass it, fail it, or ask the provider for documents (the case's clock pauses)."""
    person = services.require_officer(actor)
    ensure_version(check, expected_version)
    try:
        outcome = CheckOutcome(outcome)
    except ValueError as exc:
        raise DomainError(_("Choose the outcome: pass, fail or needs provider documents.")) from exc
    if not wf.check_workable(check.case.status, check.status):
        raise DomainError(
            _(
                "The %(kind)s check cannot be worked on now (the case is %(status)s).",
                kind=check.kind.label,
                status=check.case.status.label,
            )  # fmt: skip
        )
    if check.status == CheckStatus.PENDING:
        checks.start_check(check, actor=person, now=now)
    _record(check, evidence, person, now)
    for reference_id, attempt in (attempts or {}).items():
        _log_attempt(check, reference_id, attempt, person, now)
    if outcome == CheckOutcome.NEEDS_DOCUMENTS:
        services.await_provider(check.case, request=provider_request or "", actor=person, now=now)
        return check
    return checks.complete_check(
        check,
        passed=outcome == CheckOutcome.PASS,
        notes=notes,
        failure_reason=failure_reason,
        actor=person,
        now=now,
    )


def _record(check: VettingCheck, evidence: Any, person: Any, now: datetime) -> None:
    if isinstance(evidence, BackgroundEntry):
        if check.kind != CheckKind.BACKGROUND:
            raise DomainError(
                _("This evidence belongs to the %(kind)s check.", kind=CheckKind.BACKGROUND.label)
            )
        _record_background(check, evidence, person, now)
    elif isinstance(evidence, SkillsEntry):
        if check.kind != CheckKind.SKILLS:
            raise DomainError(_("This evidence belongs to the %(kind)s check.", kind=CheckKind.SKILLS.label))
        if evidence.score is not None or evidence.rubric:
            checks.record_skills(
                check,
                score=evidence.score,
                trial_passed=evidence.trial_passed,
                rubric=evidence.rubric or {},
                actor=person,
                now=now,
            )


def _record_background(check: VettingCheck, e: BackgroundEntry, person: Any, now: datetime) -> None:
    """Each part the officer filled in is recorded (a part already recorded identically is left)."""
    identity = (e.document_type or None, e.document_expiry, (e.last4 or "").strip().upper() or None)
    if any(identity) and identity != (check.document_type, check.document_expiry, check.document_last4):
        checks.record_identity(
            check, document_type=e.document_type or "", expiry=e.document_expiry, last4=e.last4 or "",
            actor=person, now=now,
        )  # fmt: skip
    if e.siret_active is not None and e.siret_active != check.siret_active:
        checks.record_siret_active(check, active=e.siret_active, actor=person, now=now)
    if (e.b3_issue_date or e.b3_outcome) and (e.b3_issue_date, e.b3_outcome) != (
        check.b3_issue_date,
        check.b3_outcome,
    ):
        checks.record_b3_viewing(
            check, issue_date=e.b3_issue_date, outcome=e.b3_outcome or "", actor=person, now=now
        )


def _log_attempt(check: VettingCheck, reference_id: int, outcome: str, person: Any, now: datetime) -> None:
    if check.kind != CheckKind.REFERENCES:
        raise DomainError(_("Contact attempts belong to the references check."))
    reference = next((r for r in check.case.references if r.id == reference_id), None)
    if not isinstance(reference, Reference):
        raise DomainError(_("This reference is not one of the case's; reload the page."))
    checks.log_attempt(
        reference, outcome=outcome, note=None, number=len(reference.attempts) + 1, actor=person, now=now
    )
