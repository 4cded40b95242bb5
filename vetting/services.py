"""Vetting use cases for the case: open it, pause and resume its clock, decide it. The actor is a
parameter (the work on its three checks, references and documents is in `vetting/checks.py`).

Services flush, never commit. Each change is audited with before/after values. Decisions and
check completions are taken by a named staff member; jobs only chase, propose and purge
(`vetting/sweep.py`).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, BinaryIO

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale

from console import events, links
from console import validation as v
from console.audit import services as audit
from console.auth.models import StaffUser
from console.auth.services import active_staff
from console.business_time import business_hours_between, paris_today
from console.db import db
from console.domain import DomainError, Role, _, ensure_version
from console.files import services as files
from console.formatting import supported_language
from console.notifications.services import queue_notification
from marketplace.models import Provider, VettingStatus
from vetting import outcomes
from vetting import workflow as wf
from vetting.models import VettingCase, VettingCheck
from vetting.workflow import CaseStatus, CheckKind, CheckStatus, RejectionReason, Round

NOTE_MAX = 2000
AWAITING_NOTE_MAX = 500


def pass_mark() -> int:
    return int(current_app.config.get("VETTING_PASS_MARK", wf.DEFAULT_PASS_MARK))


def revetting_months() -> int:
    return int(current_app.config.get("REVETTING_MONTHS", wf.REVETTING_MONTHS))


def require_officer(actor: Any) -> StaffUser:
    """Vetting work is done by a named, active vetting officer or manager (never a job)."""
    from console.jobs import in_job

    is_person = not in_job() and isinstance(actor, StaffUser)
    problem = wf.worker_problem(
        is_person=is_person,
        active=is_person and actor.active,
        roles=actor.roles if is_person else (),
    )
    if problem:
        raise DomainError(problem)
    return actor


def clean_note(
    text: str | None, limit: int = NOTE_MAX, *, required: bool = False, what: str | None = None
) -> str | None:
    what = what or _("note")
    try:
        return v.text(what, text, limit=limit, required=required)
    except v.InvalidField as exc:
        raise DomainError(_("The %(what)s: %(problem)s", what=what, problem=exc)) from exc


# --- cases -------------------------------------------------------------------------------------


def open_case(provider: Provider, *, round: Round, actor: Any, now: datetime) -> VettingCase:
    """Open a case with its three pending checks; a provider has at most one active case."""
    active = active_case(provider.id)
    if active is not None:
        raise DomainError(
            _(
                "%(provider)s already has an active vetting case, %(case)s.",
                provider=provider.reference,
                case=active.reference,
            )
        )
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


def move(case: VettingCase, event: str, actor: Any, now: datetime, **extra: Any) -> None:
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
    text = clean_note(request, AWAITING_NOTE_MAX, required=True, what=_("request to the provider"))
    move(
        case,
        "await_provider",
        person,
        now,
        awaiting_since=now,
        awaiting_note=text,
        chases_sent=0,
        withdrawal_proposed_at=None,
    )
    notify(case, "vetting_awaiting", now, request=text)
    return case


def provider_answered(
    case: VettingCase, *, actor: Any, now: datetime, expected_version: int | None = None
) -> VettingCase:
    """The provider answered: the clock runs again and the deadline moves by the pause."""
    person = require_officer(actor)
    ensure_version(case, expected_version)
    wf.next_case_status(case.status, "provider_answered")  # refuse before reading the pause
    paused = case.paused_hours + business_hours_between(case.awaiting_since, now)
    move(
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


def provider_sent_documents(
    case: VettingCase,
    *,
    answer: str | None,
    uploads: list[tuple[str, tuple[BinaryIO, str]]],
    actor: str,
    now: datetime,
) -> VettingCase:
    """The provider answers a case awaiting them through the portal (`system:portal:PRV-…`) with
    documents (identity, certifications): the case leaves `awaiting_provider`, the clock runs again
    and the officers of its checks are told."""
    from vetting.models import DocumentKind, VettingDocument

    if actor != f"system:portal:{case.provider.reference}":
        raise DomainError(_("Only the provider of the case can answer it this way."))
    if case.status != wf.CaseStatus.AWAITING_PROVIDER:
        raise DomainError(_("%(case)s is not waiting for you any more.", case=case.reference))
    text = clean_note(answer, AWAITING_NOTE_MAX, required=False, what=_("answer"))
    if not uploads and not text:
        raise DomainError(_("Attach a document or write an answer."))
    for kind, upload in uploads:
        try:
            kind = DocumentKind(kind)
        except ValueError as exc:
            raise DomainError(_("Choose what the document is: identity document or certification.")) from exc
        stored = files.store_upload(upload[0], upload[1], actor=actor, now=now)
        db.session.add(VettingDocument(case=case, kind=kind, file=stored, added_at=now, added_by=actor))
        db.session.flush()
        audit.record(
            actor,
            "vetting.document_add",
            case,
            changes={"case": case.reference, "kind": kind.value, "sha256": stored.sha256},
            now=now,
        )
    paused = case.paused_hours + business_hours_between(case.awaiting_since, now)
    move(
        case,
        "provider_answered",
        actor,
        now,
        paused_hours=round(paused, 4),
        due_at=wf.case_due(case.opened_at, paused),
        awaiting_since=None,
        withdrawal_proposed_at=None,
    )
    officers = {
        check.assignee for check in case.checks if check.assignee is not None and check.assignee.active
    }
    for officer in officers or active_staff(Role.VETTING_OFFICER):
        queue_notification(
            recipient=officer.email,
            template="vetting_provider_answered",
            related=case,
            now=now,
            language=officer.language,
            context={
                "provider": case.provider.display_name,
                "case": case,
                "answer": text,
                "files": len(uploads),
            },
        )
    return case


def case_by_id(case_id: int | None) -> VettingCase | None:
    return db.session.get(VettingCase, case_id) if case_id else None


def withdraw_case(
    case: VettingCase, *, reason: str, actor: Any, now: datetime, expected_version: int | None = None
) -> VettingCase:
    """Close a case the applicant stopped answering (30 days awaiting) or asked to stop."""
    person = require_officer(actor)
    ensure_version(case, expected_version)
    text = clean_note(reason, required=True, what=_("reason for withdrawing"))
    if case.status == CaseStatus.AWAITING_PROVIDER and not wf.may_withdraw(case.awaiting_since, now):
        raise DomainError(
            _(
                "%(case)s has awaited the provider for less than %(days)s days; "
                "it cannot be withdrawn for silence yet.",
                case=case.reference,
                days=wf.WITHDRAW_AFTER_DAYS,
            )
        )
    move(
        case,
        "withdraw",
        person,
        now,
        decided_at=now,
        decided_by_id=person.id,
        decision_note=text,
        awaiting_since=None,
    )
    notify(case, "vetting_withdrawn", now)
    return case


_ASK = object()


def approval_problems(
    case: VettingCase, *, approver: Any, today: date, insurance: str | None | object = _ASK
) -> list[str]:
    """Why `approver` may not approve the case today (empty: they may). A list page passes the
    provider's `insurance` problem it read for all its rows at once."""
    from insurance.services import insurance_problem

    if insurance is _ASK:
        insurance = insurance_problem(case.provider, today)
    problems = []
    if case.status != CaseStatus.READY:
        problems.append(_("the case is %(status)s, not ready for decision", status=case.status.label))
    problems += wf.approval_problems(
        check_statuses={c.kind: c.status for c in case.checks},
        completer_ids=[c.completed_by_id for c in case.checks],
        approver_id=getattr(approver, "id", None),
        insurance_problem=insurance,
    )
    return problems


def approval_hint(
    case: VettingCase, *, approver: Any, today: date, insurance: str | None | object = _ASK
) -> tuple[outcomes.ApprovalHint, list[str]]:
    """What a queue tells `approver` about approving the case, and why: `approval_problems`, the
    rule the approve action refuses with."""
    problems = approval_problems(case, approver=approver, today=today, insurance=insurance)
    hint = outcomes.approval_hint(
        problems=problems,
        approver_id=getattr(approver, "id", None),
        completer_ids=[c.completed_by_id for c in case.checks],
        ready=case.status == CaseStatus.READY,
    )
    return hint, problems


def approve_case(
    case: VettingCase, *, actor: Any, now: datetime, expected_version: int | None = None
) -> VettingCase:
    """Approve once all checks passed, RC Pro is valid today and a second person decides."""
    person = require_officer(actor)
    ensure_version(case, expected_version)
    problems = approval_problems(case, approver=person, today=paris_today(now))
    if problems:
        raise DomainError(
            _("%(case)s cannot be approved: %(problems)s.", case=case.reference, problems="; ".join(problems))
        )
    due = wf.revetting_due(paris_today(now), revetting_months())
    move(case, "approve", person, now, decided_at=now, decided_by_id=person.id, revetting_due_on=due)
    _set_provider_status(case.provider, VettingStatus.APPROVED, person, now)
    _publish(events.VETTING_APPROVED, case, now)
    _close_moot_revetting_proposals(case.provider, actor=person, now=now)
    notify(case, "vetting_approved", now)
    return case


def _close_moot_revetting_proposals(provider: Provider, *, actor: Any, now: datetime) -> int:
    """An approval answers an open 're-vetting overdue' proposal (a restriction already decided
    stays until a person lifts it)."""
    from restrictions.services import close_moot_proposals, open_proposals_of

    proposals = open_proposals_of(provider.id, reason_code="revetting_overdue")
    note = _("Closed automatically: the re-vetting was approved.")
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
        raise DomainError(_("Choose a reason for the rejection.")) from exc
    written = clean_note(statement, what=_("statement of reasons"))
    text = wf.rejection_statement(reason, written)  # refused in the officer's language
    if reason == RejectionReason.CRIMINAL_RECORD:  # the generic wording, in the applicant's language
        with force_locale(supported_language(case.provider.language)):
            text = wf.rejection_statement(reason, written)
    move(
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
    _publish(events.VETTING_REJECTED, case, now)
    notify(case, "vetting_rejected", now, statement=text)
    return case


def reopen_case(case: VettingCase, *, actor: Any, now: datetime, expected_version: int | None = None) -> None:
    """Send a case that is ready for decision back into review (a new fact came in)."""
    person = require_officer(actor)
    ensure_version(case, expected_version)
    move(case, "reopen", person, now)


def _set_provider_status(provider: Provider, status: VettingStatus, actor: Any, now: datetime) -> None:
    before = provider.vetting_status
    provider.vetting_status = status
    db.session.flush()
    changes = {"vetting_status": {"before": before, "after": status}}
    audit.record(actor, "provider.vetting_status", provider, changes=changes, now=now)


def _publish(kind: str, case: VettingCase, now: datetime) -> None:
    """Tell the marketplace of the decision (never the rejection's reason: it may be the record)."""
    payload = {"provider": case.provider.reference, "case": case.reference, "round": case.round.value,
               "decided_at": now.isoformat()}  # fmt: skip
    events.publish(kind, provider_id=case.provider_id, payload=payload, now=now)


def notify(case: VettingCase, template: str, now: datetime, **context: Any) -> None:
    provider = case.provider
    if template in ("vetting_awaiting", "vetting_chase"):  # what is asked, and where to send it
        context["link"] = links.signed_link("vetting_documents", provider, case, now=now)
    queue_notification(
        recipient=provider.email,
        template=template,
        related=case,
        now=now,
        language=provider.language,
        context={"provider": provider.display_name, "reference": provider.reference, "case": case} | context,
    )


def erase_provider_by_id(provider_id: int, *, actor: Any, now: datetime) -> None:
    """Erasure on request: the applicant purge (identity, references, notes, documents, policy
    names and certificates), whatever the vetting outcome."""
    from vetting.sweep import purge_applicant  # the sweep imports these services

    purge_applicant(db.session.get(Provider, provider_id), now=now, actor=actor)
