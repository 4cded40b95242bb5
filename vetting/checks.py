"""Vetting use cases for the three checks: assign, start, record evidence, complete; the
applicant's references and documents. The actor is a parameter; services flush, never commit.

The case's own steps (open, pause, decide) are in `vetting/services.py`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any, BinaryIO

from stdnum.fr import siret as stdnum_siret

from console import validation as v
from console.audit import services as audit
from console.auth.models import StaffUser
from console.business_time import PARIS, paris_today
from console.db import db
from console.domain import DomainError, _, ensure_version
from console.files import services as files
from vetting import workflow as wf
from vetting.background import background_failure
from vetting.models import (
    DocumentKind,
    Reference,
    ReferenceAttempt,
    VettingCase,
    VettingCheck,
    VettingDocument,
)
from vetting.services import clean_note, move, pass_mark, require_officer
from vetting.workflow import AttemptOutcome, B3Outcome, CaseStatus, CheckKind, DocumentType

# --- checks ------------------------------------------------------------------------------------


def assign_check(check: VettingCheck, *, assignee: StaffUser, actor: Any, now: datetime) -> VettingCheck:
    """Give a check to a vetting officer (completed checks keep who did them)."""
    person = require_officer(actor)
    if wf.check_completed(check.status):
        raise DomainError(
            _("The %(kind)s check is already %(status)s.", kind=check.kind.label, status=check.status.label)
        )
    if not isinstance(assignee, StaffUser) or not wf.may_be_assigned(
        active=assignee.active, roles=assignee.roles
    ):
        raise DomainError(_("Checks are assigned to an active vetting officer."))
    check.assignee_id, check.updated_at = assignee.id, now
    changes = audit.diff(check)
    db.session.flush()
    audit.record(person, "vetting.check_assign", check, changes=changes, now=now)
    return check


def assign_case(case: VettingCase, *, assignee: StaffUser, actor: Any, now: datetime) -> int:
    """Bulk assignment: every check of the case that is not completed goes to `assignee`."""
    if case.status in wf.FINAL:
        raise DomainError(
            _(
                "%(case)s is %(status)s; there is nothing to assign.",
                case=case.reference,
                status=case.status.label,
            )
        )
    todo = [c for c in case.checks if not wf.check_completed(c.status)]
    for check in todo:
        if check.assignee_id != getattr(assignee, "id", None):
            assign_check(check, assignee=assignee, actor=actor, now=now)
    return len(todo)


def _working(check: VettingCheck, actor: Any, expected_version: int | None = None) -> StaffUser:
    """The check must be open for evidence; the case active and not awaiting the provider."""
    person = require_officer(actor)
    ensure_version(check, expected_version)
    case = check.case
    if not wf.check_open(case.status, check.status):
        if case.status in wf.FINAL:
            raise DomainError(
                _(
                    "%(case)s is %(status)s; its checks are closed.",
                    case=case.reference,
                    status=case.status.label,
                )
            )
        raise DomainError(
            _("The %(kind)s check is already %(status)s.", kind=check.kind.label, status=check.status.label)
        )
    return person


def start_check(check: VettingCheck, *, actor: Any, now: datetime) -> VettingCheck:
    """Begin a check (its case moves into review); an unassigned check goes to whoever starts it."""
    person = _working(check, actor)
    check.status = wf.next_check_status(check.status, "start")
    check.started_at, check.updated_at = now, now
    if check.assignee_id is None and wf.may_be_assigned(active=person.active, roles=person.roles):
        check.assignee_id = person.id
    changes = audit.diff(check)
    db.session.flush()
    audit.record(person, "vetting.check_start", check, changes=changes, now=now)
    if check.case.status == CaseStatus.OPEN:
        move(check.case, "start_review", person, now)
    return check


def _evidence(check: VettingCheck, kind: CheckKind, actor: Any, expected_version: int | None) -> StaffUser:
    if check.kind != kind:
        raise DomainError(_("This evidence belongs to the %(kind)s check.", kind=kind.label))
    person = _working(check, actor, expected_version)
    if check.status == wf.CheckStatus.PENDING:
        raise DomainError(_("Start the %(kind)s check before recording evidence.", kind=kind.label))
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
        raise DomainError(_("Choose the type of identity document.")) from exc
    last4 = "".join((last4 or "").split()).upper()
    if not (1 <= len(last4) <= 4 and last4.isascii() and last4.isalnum()):
        raise DomainError(
            _("Enter only the last 4 letters or digits of the document number, never all of it.")
        )
    if not isinstance(expiry, date):
        raise DomainError(_("Enter the document's expiry date."))
    if expiry < paris_today(now):
        raise DomainError(_("This identity document has expired; ask the provider for a valid one."))
    check.document_type, check.document_expiry, check.document_last4 = document_type, expiry, last4
    return _save_evidence(check, "vetting.identity_verified", person, now)


def record_siret_active(
    check: VettingCheck, *, active: bool, actor: Any, now: datetime, expected_version: int | None = None
) -> VettingCheck:
    """The officer looked the SIRET up and states whether the establishment is active."""
    person = _evidence(check, CheckKind.BACKGROUND, actor, expected_version)
    if active and not stdnum_siret.is_valid(check.case.provider.siret):
        raise DomainError(
            _("The provider's SIRET fails its checksum; correct it before confirming it active.")
        )
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
        raise DomainError(_("Choose the outcome: compatible or incompatible.")) from exc
    if not isinstance(issue_date, date):
        raise DomainError(_("Enter the extract's issue date."))
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
    failure_reason: str | None = None,
) -> VettingCheck:
    """Pass (only when nothing is missing) or fail (with notes; a background check with a reason
    code, and no notes when the reason is the criminal record) a check.

    When the third check is completed the case becomes ready for decision.
    """
    person = _working(check, actor, expected_version)
    text = clean_note(notes, what=_("notes"))
    if passed:
        problems = check_problems(check, today=paris_today(now))
        if problems:
            raise DomainError(
                _(
                    "The %(kind)s check cannot pass yet: %(problems)s.",
                    kind=check.kind.label,
                    problems="; ".join(problems),
                )
            )
    elif check.kind == CheckKind.BACKGROUND:
        check.failure_reason = background_failure(failure_reason, text, check.b3_outcome)
    elif not text:
        raise DomainError(_("Say in the notes why the %(kind)s check failed.", kind=check.kind.label))
    check.status = wf.next_check_status(check.status, "pass" if passed else "fail")
    check.completed_by_id, check.completed_at, check.updated_at = person.id, now, now
    if text:
        check.notes = text
    changes = audit.diff(check)
    db.session.flush()
    audit.record(person, f"vetting.check_{check.status.value}", check, changes=changes, now=now)
    case = check.case
    done = all(wf.check_completed(c.status) for c in case.checks)
    if done and case.status == CaseStatus.IN_REVIEW:
        move(case, "checks_complete", person, now)
    return check


# --- references --------------------------------------------------------------------------------


def add_reference(case: VettingCase, *, fields: Mapping[str, Any], actor: Any, now: datetime) -> Reference:
    """A reference given by the applicant: name, relationship, phone and/or e-mail."""
    person = require_officer(actor)
    if case.status in wf.FINAL:
        raise DomainError(
            _("%(case)s is %(status)s; references are closed.", case=case.reference, status=case.status.label)
        )
    if wf.check_completed(case.check(CheckKind.REFERENCES).status):
        raise DomainError(_("The references check is already completed."))
    if len(case.references) >= 10:
        raise DomainError(_("At most 10 references per case."))
    phone = (fields.get("phone") or "").strip()
    email = (fields.get("email") or "").strip()
    if not phone and not email:
        raise v.InvalidField("phone", _("Give a phone number or an e-mail address to reach the reference."))
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
    if not wf.check_open(case.status, case.check(CheckKind.REFERENCES).status):
        raise DomainError(_("The references check is closed; no more attempts can be logged."))
    try:
        outcome = AttemptOutcome(outcome)
    except ValueError as exc:
        raise DomainError(_("Choose the outcome of the attempt.")) from exc
    if not wf.reference_open(reference.status):
        raise DomainError(_("This reference is already %(status)s.", status=reference.status.label))
    expected = len(reference.attempts) + 1
    if number is not None and number != expected:
        raise DomainError(_("Attempt %(number)s was already logged; reload to see it.", number=number))
    status, failed = wf.reference_after_attempt(reference.failed_attempts, outcome)
    attempt = ReferenceAttempt(
        reference=reference,
        number=expected,
        outcome=outcome,
        note=clean_note(note, 500),
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
        raise DomainError(_("Choose what the document is: identity document or certification.")) from exc
    if case.status in wf.FINAL:
        raise DomainError(
            _(
                "%(case)s is %(status)s; no more documents can be added.",
                case=case.reference,
                status=case.status.label,
            )
        )
    stored = files.store_upload(upload[0], upload[1], actor=person, now=now)
    document = VettingDocument(case=case, kind=kind, file=stored, added_at=now, added_by=person.audit_label)
    db.session.add(document)
    db.session.flush()
    changes = {"case": case.reference, "kind": kind.value, "sha256": stored.sha256}
    audit.record(person, "vetting.document_add", document, changes=changes, now=now)
    return document
