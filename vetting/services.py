"""Vetting use cases: open a case, work its three checks, decide it. The actor is a parameter.

Services flush, never commit. Each change is audited with before/after values. Decisions and
check completions are taken by a named staff member; jobs only chase, propose and purge
(`vetting/sweep.py`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any, BinaryIO

import sqlalchemy as sa
from flask import current_app
from stdnum.fr import siret as stdnum_siret

from console import validation as v
from console.audit import services as audit
from console.auth.models import StaffUser
from console.business_time import PARIS, business_hours_between, paris_today
from console.db import db
from console.domain import DomainError, Role, ensure_version
from console.files import services as files
from console.notifications.services import queue_notification
from marketplace.models import Provider, VettingStatus
from vetting import workflow as wf
from vetting.models import (
    DocumentKind,
    Reference,
    ReferenceAttempt,
    VettingCase,
    VettingCheck,
    VettingDocument,
)
from vetting.workflow import (
    AttemptOutcome,
    B3Outcome,
    CaseStatus,
    CheckKind,
    CheckStatus,
    DocumentType,
    RejectionReason,
    Round,
)

NOTE_MAX = 2000
AWAITING_NOTE_MAX = 500


def pass_mark() -> int:
    return int(current_app.config.get("VETTING_PASS_MARK", wf.DEFAULT_PASS_MARK))


def revetting_months() -> int:
    return int(current_app.config.get("REVETTING_MONTHS", wf.REVETTING_MONTHS))


def require_officer(actor: Any) -> StaffUser:
    """Vetting work is done by a named, active vetting officer or manager (never a job)."""
    from console.jobs import in_job

    if in_job() or not isinstance(actor, StaffUser) or not actor.active:
        raise DomainError("Vetting work is recorded by a named, active staff member.")
    if not actor.roles & {Role.VETTING_OFFICER, Role.MANAGER}:
        raise DomainError("Only vetting officers and managers work on vetting cases.")
    return actor


def _note(
    text: str | None, limit: int = NOTE_MAX, *, required: bool = False, what: str = "note"
) -> str | None:
    try:
        return v.text(what, text, limit=limit, required=required)
    except v.InvalidField as exc:
        raise DomainError(f"The {what}: {exc}") from exc


# --- cases -------------------------------------------------------------------------------------


def open_case(provider: Provider, *, round: Round, actor: Any, now: datetime) -> VettingCase:
    """Open a case with its three pending checks; a provider has at most one active case."""
    active = active_case(provider.id)
    if active is not None:
        raise DomainError(f"{provider.reference} already has an active vetting case, {active.reference}.")
    case = VettingCase(
        provider=provider,
        round=Round(round),
        status=CaseStatus.OPEN,
        opened_at=now,
        opened_by=audit.actor_label(actor)[1],
        due_at=wf.case_due(now, 0.0),
        paused_hours=0.0,
        chases_sent=0,
    )
    case.checks = [VettingCheck(kind=kind, status=CheckStatus.PENDING, updated_at=now) for kind in CheckKind]
    db.session.add(case)
    db.session.flush()
    changes = {"provider": provider.reference, "round": case.round.value, "due_at": case.due_at}
    audit.record(actor, "vetting.open", case, changes=changes, now=now)
    return case


def open_initial_case(provider: Provider, *, actor: Any, now: datetime) -> VettingCase:
    """A new applicant's first case (registered in `app.extensions["provider_created"]`)."""
    return open_case(provider, round=Round.INITIAL, actor=actor, now=now)


def active_case(provider_id: int) -> VettingCase | None:
    return db.session.scalar(
        sa.select(VettingCase).where(
            VettingCase.provider_id == provider_id, VettingCase.status.in_([s.value for s in wf.ACTIVE])
        )
    )


def _move(case: VettingCase, event: str, actor: Any, now: datetime, **extra: Any) -> None:
    case.status = wf.next_case_status(case.status, event)
    for name, value in extra.items():
        setattr(case, name, value)
    changes = audit.diff(case)
    db.session.flush()  # the version check happens here: a concurrent change loses
    audit.record(actor, f"vetting.{event}", case, changes=changes, now=now)


def await_provider(
    case: VettingCase, *, request: str, actor: Any, now: datetime, expected_version: int | None = None
) -> VettingCase:
    """Ask the provider for something; the deadline pauses until they answer."""
    person = require_officer(actor)
    ensure_version(case, expected_version)
    text = _note(request, AWAITING_NOTE_MAX, required=True, what="request to the provider")
    _move(
        case,
        "await_provider",
        person,
        now,
        awaiting_since=now,
        awaiting_note=text,
        chases_sent=0,
        withdrawal_proposed_at=None,
    )
    _notify(case, "vetting_awaiting", now, request=text)
    return case


def provider_answered(
    case: VettingCase, *, actor: Any, now: datetime, expected_version: int | None = None
) -> VettingCase:
    """The provider answered: the clock runs again and the deadline moves by the pause."""
    person = require_officer(actor)
    ensure_version(case, expected_version)
    wf.next_case_status(case.status, "provider_answered")  # refuse before reading the pause
    paused = case.paused_hours + business_hours_between(case.awaiting_since, now)
    _move(
        case,
        "provider_answered",
        person,
        now,
        paused_hours=round(paused, 4),
        due_at=wf.case_due(case.opened_at, paused),
        awaiting_since=None,
        withdrawal_proposed_at=None,
    )
    return case


def withdraw_case(
    case: VettingCase, *, reason: str, actor: Any, now: datetime, expected_version: int | None = None
) -> VettingCase:
    """Close a case the applicant stopped answering (30 days awaiting) or asked to stop."""
    person = require_officer(actor)
    ensure_version(case, expected_version)
    text = _note(reason, required=True, what="reason for withdrawing")
    if case.status == CaseStatus.AWAITING_PROVIDER and not wf.may_withdraw(case.awaiting_since, now):
        raise DomainError(
            f"{case.reference} has awaited the provider for less than {wf.WITHDRAW_AFTER_DAYS} days; "
            "it cannot be withdrawn for silence yet."
        )
    _move(
        case,
        "withdraw",
        person,
        now,
        decided_at=now,
        decided_by_id=person.id,
        decision_note=text,
        awaiting_since=None,
    )
    _notify(case, "vetting_withdrawn", now)
    return case


def approval_problems(case: VettingCase, *, approver: Any, today: date) -> list[str]:
    """Why `approver` may not approve the case today (empty: they may)."""
    from insurance.services import insurance_problem

    problems = []
    if case.status != CaseStatus.READY:
        problems.append(f"the case is {case.status.value.replace('_', ' ')}, not ready for decision")
    problems += wf.approval_problems(
        check_statuses={c.kind: c.status for c in case.checks},
        completer_ids=[c.completed_by_id for c in case.checks],
        approver_id=getattr(approver, "id", None),
        insurance_problem=insurance_problem(case.provider, today),
    )
    return problems


def approve_case(
    case: VettingCase, *, actor: Any, now: datetime, expected_version: int | None = None
) -> VettingCase:
    """Approve once all checks passed, RC Pro is valid today and a second person decides."""
    person = require_officer(actor)
    ensure_version(case, expected_version)
    problems = approval_problems(case, approver=person, today=paris_today(now))
    if problems:
        raise DomainError(f"{case.reference} cannot be approved: " + "; ".join(problems) + ".")
    due = wf.revetting_due(paris_today(now), revetting_months())
    _move(case, "approve", person, now, decided_at=now, decided_by_id=person.id, revetting_due_on=due)
    _set_provider_status(case.provider, VettingStatus.APPROVED, person, now)
    _close_moot_revetting_proposals(case.provider, actor=person, now=now)
    _notify(case, "vetting_approved", now)
    return case


def _close_moot_revetting_proposals(provider: Provider, *, actor: Any, now: datetime) -> int:
    """An approval answers an open 're-vetting overdue' proposal (a restriction already decided
    stays until a person lifts it)."""
    from restrictions.models import RestrictionProposal
    from restrictions.services import close_moot_proposals
    from restrictions.workflow import ProposalStatus

    proposals = db.session.scalars(
        sa.select(RestrictionProposal).where(
            RestrictionProposal.provider_id == provider.id,
            RestrictionProposal.reason_code == "revetting_overdue",
            RestrictionProposal.status == ProposalStatus.OPEN,
        )
    ).all()
    note = "Closed automatically: the re-vetting was approved."
    return close_moot_proposals(proposals, note=note, actor=actor, now=now)


def reject_case(
    case: VettingCase,
    *,
    reason: RejectionReason | str,
    statement: str | None,
    actor: Any,
    now: datetime,
    expected_version: int | None = None,
) -> VettingCase:
    """Reject with a reason code; the applicant receives a statement of reasons."""
    person = require_officer(actor)
    ensure_version(case, expected_version)
    try:
        reason = RejectionReason(reason)
    except ValueError as exc:
        raise DomainError("Choose a reason for the rejection.") from exc
    text = wf.rejection_statement(reason, _note(statement, what="statement of reasons"))
    _move(
        case,
        "reject",
        person,
        now,
        decided_at=now,
        decided_by_id=person.id,
        rejection_reason=reason,
        decision_note=text,
        awaiting_since=None,
    )
    _set_provider_status(case.provider, VettingStatus.REJECTED, person, now)
    _notify(case, "vetting_rejected", now, statement=text)
    return case


def _set_provider_status(provider: Provider, status: VettingStatus, actor: Any, now: datetime) -> None:
    before = provider.vetting_status
    provider.vetting_status = status
    db.session.flush()
    changes = {"vetting_status": {"before": before, "after": status}}
    audit.record(actor, "provider.vetting_status", provider, changes=changes, now=now)


def _notify(case: VettingCase, template: str, now: datetime, **context: Any) -> None:
    provider = case.provider
    queue_notification(
        recipient=provider.email,
        template=template,
        related=case,
        now=now,
        context={"provider": provider.display_name, "reference": provider.reference, "case": case} | context,
    )


# --- checks ------------------------------------------------------------------------------------


def assign_check(check: VettingCheck, *, assignee: StaffUser, actor: Any, now: datetime) -> VettingCheck:
    """Give a check to a vetting officer (completed checks keep who did them)."""
    person = require_officer(actor)
    if check.status in (CheckStatus.PASSED, CheckStatus.FAILED):
        raise DomainError(f"The {check.kind.value} check is already {check.status.value}.")
    if (
        not isinstance(assignee, StaffUser)
        or not assignee.active
        or Role.VETTING_OFFICER not in assignee.roles
    ):
        raise DomainError("Checks are assigned to an active vetting officer.")
    check.assignee_id, check.updated_at = assignee.id, now
    changes = audit.diff(check)
    db.session.flush()
    audit.record(person, "vetting.check_assign", check, changes=changes, now=now)
    return check


def assign_case(case: VettingCase, *, assignee: StaffUser, actor: Any, now: datetime) -> int:
    """Bulk assignment: every check of the case that is not completed goes to `assignee`."""
    if case.status in wf.FINAL:
        raise DomainError(f"{case.reference} is {case.status.value}; there is nothing to assign.")
    todo = [c for c in case.checks if c.status not in (CheckStatus.PASSED, CheckStatus.FAILED)]
    for check in todo:
        if check.assignee_id != getattr(assignee, "id", None):
            assign_check(check, assignee=assignee, actor=actor, now=now)
    return len(todo)


def _working(check: VettingCheck, actor: Any, expected_version: int | None = None) -> StaffUser:
    """The check must be open for evidence; the case active and not awaiting the provider."""
    person = require_officer(actor)
    ensure_version(check, expected_version)
    case = check.case
    if case.status in wf.FINAL:
        raise DomainError(f"{case.reference} is {case.status.value}; its checks are closed.")
    if check.status in (CheckStatus.PASSED, CheckStatus.FAILED):
        raise DomainError(f"The {check.kind.value} check is already {check.status.value}.")
    return person


def start_check(check: VettingCheck, *, actor: Any, now: datetime) -> VettingCheck:
    """Begin a check (its case moves into review); an unassigned check goes to whoever starts it."""
    person = _working(check, actor)
    check.status = wf.next_check_status(check.status, "start")
    check.started_at, check.updated_at = now, now
    if check.assignee_id is None and Role.VETTING_OFFICER in person.roles:
        check.assignee_id = person.id
    changes = audit.diff(check)
    db.session.flush()
    audit.record(person, "vetting.check_start", check, changes=changes, now=now)
    if check.case.status == CaseStatus.OPEN:
        _move(check.case, "start_review", person, now)
    return check


def _evidence(check: VettingCheck, kind: CheckKind, actor: Any, expected_version: int | None) -> StaffUser:
    if check.kind != kind:
        raise DomainError(f"This evidence belongs to the {kind.value} check.")
    person = _working(check, actor, expected_version)
    if check.status == CheckStatus.PENDING:
        raise DomainError(f"Start the {kind.value} check before recording evidence.")
    return person


def _save_evidence(check: VettingCheck, action: str, person: StaffUser, now: datetime) -> VettingCheck:
    check.updated_at = now
    changes = audit.diff(check)
    db.session.flush()
    audit.record(person, action, check, changes=changes, now=now)
    return check


def record_identity(
    check: VettingCheck,
    *,
    document_type: DocumentType | str,
    expiry: date | None,
    last4: str,
    actor: Any,
    now: datetime,
    expected_version: int | None = None,
) -> VettingCheck:
    """The identity document was seen: its type, expiry and last 4 characters only."""
    person = _evidence(check, CheckKind.BACKGROUND, actor, expected_version)
    try:
        document_type = DocumentType(document_type)
    except ValueError as exc:
        raise DomainError("Choose the type of identity document.") from exc
    last4 = "".join((last4 or "").split()).upper()
    if not (1 <= len(last4) <= 4 and last4.isascii() and last4.isalnum()):
        raise DomainError("Enter only the last 4 letters or digits of the document number, never all of it.")
    if not isinstance(expiry, date):
        raise DomainError("Enter the document's expiry date.")
    if expiry < paris_today(now):
        raise DomainError("This identity document has expired; ask the provider for a valid one.")
    check.document_type, check.document_expiry, check.document_last4 = document_type, expiry, last4
    return _save_evidence(check, "vetting.identity_verified", person, now)


def record_siret_active(
    check: VettingCheck, *, active: bool, actor: Any, now: datetime, expected_version: int | None = None
) -> VettingCheck:
    """The officer looked the SIRET up and states whether the establishment is active."""
    person = _evidence(check, CheckKind.BACKGROUND, actor, expected_version)
    if active and not stdnum_siret.is_valid(check.case.provider.siret):
        raise DomainError("The provider's SIRET fails its checksum; correct it before confirming it active.")
    check.siret_active = bool(active)
    return _save_evidence(check, "vetting.siret_checked", person, now)


def record_b3_viewing(
    check: VettingCheck,
    *,
    issue_date: date | None,
    outcome: B3Outcome | str,
    actor: Any,
    now: datetime,
    expected_version: int | None = None,
) -> VettingCheck:
    """The criminal-record extract was VIEWED: only that, its issue date, outcome, who and when.

    Nothing of the extract itself is kept: there is no file, no text, no number.
    """
    person = _evidence(check, CheckKind.BACKGROUND, actor, expected_version)
    try:
        outcome = B3Outcome(outcome)
    except ValueError as exc:
        raise DomainError("Choose the outcome: compatible or incompatible.") from exc
    if not isinstance(issue_date, date):
        raise DomainError("Enter the extract's issue date.")
    wf.ensure_b3_date(issue_date, paris_today(now))
    check.b3_viewed, check.b3_issue_date, check.b3_outcome = True, issue_date, outcome
    check.b3_viewed_by_id, check.b3_viewed_at = person.id, now
    return _save_evidence(check, "vetting.b3_viewed", person, now)


def record_skills(
    check: VettingCheck,
    *,
    score: Any,
    trial_passed: bool,
    rubric: Mapping[str, Any],
    actor: Any,
    now: datetime,
    expected_version: int | None = None,
) -> VettingCheck:
    """Assessment score (0-100) against the pass mark, and the trial clean with its rubric."""
    person = _evidence(check, CheckKind.SKILLS, actor, expected_version)
    check.score = wf.ensure_score(score)
    check.rubric = wf.ensure_rubric(dict(rubric))
    check.trial_passed = bool(trial_passed)
    check.pass_mark = pass_mark()
    return _save_evidence(check, "vetting.skills_recorded", person, now)


def check_problems(check: VettingCheck, *, today: date) -> list[str]:
    """What still prevents this check from passing (empty: it may pass)."""
    match check.kind:
        case CheckKind.BACKGROUND:
            b3_viewed_on = check.b3_viewed_at.astimezone(PARIS).date() if check.b3_viewed_at else None
            return wf.background_problems(
                wf.Background(
                    document_type=check.document_type,
                    document_expiry=check.document_expiry,
                    document_last4=check.document_last4,
                    siret_valid=stdnum_siret.is_valid(check.case.provider.siret),
                    siret_active=check.siret_active,
                    b3_issue_date=check.b3_issue_date,
                    b3_viewed_on=b3_viewed_on,
                    b3_outcome=check.b3_outcome,
                ),
                today,
            )
        case CheckKind.SKILLS:
            return wf.skills_problems(check.score, check.trial_passed, check.pass_mark or pass_mark())
        case CheckKind.REFERENCES:
            return wf.references_problems(r.status for r in check.case.references)
    return []


def complete_check(
    check: VettingCheck,
    *,
    passed: bool,
    notes: str | None,
    actor: Any,
    now: datetime,
    expected_version: int | None = None,
) -> VettingCheck:
    """Pass (only when nothing is missing) or fail (with notes) a check.

    When the third check is completed the case becomes ready for decision.
    """
    person = _working(check, actor, expected_version)
    text = _note(notes, what="notes")
    if passed:
        problems = check_problems(check, today=paris_today(now))
        if problems:
            raise DomainError(f"The {check.kind.value} check cannot pass yet: " + "; ".join(problems) + ".")
    elif not text:
        raise DomainError(f"Say in the notes why the {check.kind.value} check failed.")
    check.status = wf.next_check_status(check.status, "pass" if passed else "fail")
    check.completed_by_id, check.completed_at, check.updated_at = person.id, now, now
    if text:
        check.notes = text
    changes = audit.diff(check)
    db.session.flush()
    audit.record(person, f"vetting.check_{check.status.value}", check, changes=changes, now=now)
    case = check.case
    done = all(c.status in (CheckStatus.PASSED, CheckStatus.FAILED) for c in case.checks)
    if done and case.status == CaseStatus.IN_REVIEW:
        _move(case, "checks_complete", person, now)
    return check


def reopen_case(case: VettingCase, *, actor: Any, now: datetime, expected_version: int | None = None) -> None:
    """Send a case that is ready for decision back into review (a new fact came in)."""
    person = require_officer(actor)
    ensure_version(case, expected_version)
    _move(case, "reopen", person, now)


# --- references --------------------------------------------------------------------------------


def add_reference(case: VettingCase, *, fields: Mapping[str, Any], actor: Any, now: datetime) -> Reference:
    """A reference given by the applicant: name, relationship, phone and/or e-mail."""
    person = require_officer(actor)
    if case.status in wf.FINAL:
        raise DomainError(f"{case.reference} is {case.status.value}; references are closed.")
    if case.check(CheckKind.REFERENCES).status in (CheckStatus.PASSED, CheckStatus.FAILED):
        raise DomainError("The references check is already completed.")
    if len(case.references) >= 10:
        raise DomainError("At most 10 references per case.")
    phone = (fields.get("phone") or "").strip()
    email = (fields.get("email") or "").strip()
    if not phone and not email:
        raise v.InvalidField("phone", "Give a phone number or an e-mail address to reach the reference.")
    reference = Reference(
        case=case,
        name=v.text("name", fields.get("name"), limit=200),
        relationship_to_provider=v.text("relationship", fields.get("relationship"), limit=100),
        phone=v.phone(phone) if phone else None,
        email=v.email(email) if email else None,
        added_at=now,
        added_by=person.audit_label,
    )
    db.session.add(reference)
    db.session.flush()
    changes = {"case": case.reference, "relationship": reference.relationship_to_provider}
    audit.record(person, "vetting.reference_add", reference, changes=changes, now=now)
    return reference


def log_attempt(
    reference: Reference,
    *,
    outcome: AttemptOutcome | str,
    note: str | None,
    number: int | None,
    actor: Any,
    now: datetime,
) -> ReferenceAttempt:
    """Log one contact attempt; three failed attempts make the reference unreachable.

    `number` is the attempt the officer believes they are logging (from the form): a second
    submission of the same attempt is refused, never counted twice.
    """
    person = require_officer(actor)
    case = reference.case
    if case.status in wf.FINAL or case.check(CheckKind.REFERENCES).status in (
        CheckStatus.PASSED,
        CheckStatus.FAILED,
    ):
        raise DomainError("The references check is closed; no more attempts can be logged.")
    try:
        outcome = AttemptOutcome(outcome)
    except ValueError as exc:
        raise DomainError("Choose the outcome of the attempt.") from exc
    if reference.status != wf.ReferenceStatus.PENDING:
        raise DomainError(f"This reference is already {reference.status.value.replace('_', ' ')}.")
    expected = len(reference.attempts) + 1
    if number is not None and number != expected:
        raise DomainError(f"Attempt {number} was already logged; reload to see it.")
    status, failed = wf.reference_after_attempt(reference.failed_attempts, outcome)
    attempt = ReferenceAttempt(
        reference=reference,
        number=expected,
        outcome=outcome,
        note=_note(note, 500),
        at=now,
        by_id=person.id,
    )
    reference.status, reference.failed_attempts = status, failed
    db.session.add(attempt)
    changes = audit.diff(reference)
    db.session.flush()
    changes |= {"attempt": expected, "outcome": outcome.value}
    audit.record(person, "vetting.reference_attempt", reference, changes=changes, now=now)
    return attempt


# --- documents ---------------------------------------------------------------------------------


def upload_document(
    case: VettingCase, *, kind: DocumentKind | str, upload: tuple[BinaryIO, str], actor: Any, now: datetime
) -> VettingDocument:
    """An identity document or a certification: PDF, JPEG or PNG, checked from the content."""
    person = require_officer(actor)
    try:
        kind = DocumentKind(kind)
    except ValueError as exc:
        raise DomainError("Choose what the document is: identity document or certification.") from exc
    if case.status in wf.FINAL:
        raise DomainError(f"{case.reference} is {case.status.value}; no more documents can be added.")
    stored = files.store_upload(upload[0], upload[1], actor=person, now=now)
    document = VettingDocument(case=case, kind=kind, file=stored, added_at=now, added_by=person.audit_label)
    db.session.add(document)
    db.session.flush()
    changes = {"case": case.reference, "kind": kind.value, "sha256": stored.sha256}
    audit.record(person, "vetting.document_add", document, changes=changes, now=now)
    return document
