"""What the case page shows: one panel per check, what the viewer may do now, and the timeline.

Every "may the page offer this step?" is asked of `vetting/workflow.py` here, so the template
tests booleans and event names, never status strings.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from console.audit.labels import PURPOSES as PURPOSE_WORDS
from console.audit.labels import action_label
from console.audit.models import AuditEvent
from console.auth.models import StaffUser
from console.business_time import paris_today
from console.db import db
from console.domain import _
from console.i18n import lazy_gettext as _l
from insurance.services import insurance_problem
from vetting import checks, forms, services
from vetting import workflow as wf
from vetting.models import VettingCase, VettingCheck
from vetting.queues import STATUS_CLASSES, due_markup, officers

DOCUMENT_PURPOSES = {key: _l(PURPOSE_WORDS[key]) for key in ("vetting", "renewal", "audit")}


@dataclass(frozen=True)
class CheckPanel:
    check: VettingCheck
    problems: list[str]
    badge: str  # the Bootstrap colour of the check's status
    may_work: bool  # assign, and (references) add and contact references
    may_record: bool  # submit the check's one form: evidence and outcome


@dataclass(frozen=True)
class TimelineRow:
    at: Any
    who: str
    what: str


@dataclass(frozen=True)
class CasePanel:
    today: date
    checks: dict[str, CheckPanel]
    allowed: frozenset[str]  # the case steps the workflow allows now (`wf.allowed_events`)
    clock_running: bool  # the deadline runs: show it, and the decision card
    active: bool  # not decided: documents may still be added
    shows_decision_note: bool
    positive_references: int
    open_references: frozenset[int]  # ids of the references still to be contacted
    references_needed: int
    approval_problems: list[str]
    insurance_problem: str | None
    officers: list[StaffUser]
    timeline: list[TimelineRow]
    forms: dict[str, Any]
    purposes: dict[str, str]
    may_withdraw_for_silence: bool
    due: Any  # the deadline: "dans 2 j" or "en retard de 3 h", the exact Paris time in its title


def check_panel(check: VettingCheck, case_status: wf.CaseStatus, today: date) -> CheckPanel:
    may_work = wf.check_workable(case_status, check.status)
    problems = checks.check_problems(check, today=today) if check.status == wf.CheckStatus.IN_PROGRESS else []
    return CheckPanel(check, problems, STATUS_CLASSES[check.status], may_work, may_record=may_work)


def case_panel(case: VettingCase, *, viewer: Any, now: datetime) -> CasePanel:
    today = paris_today(now)
    skills = case.check(wf.CheckKind.SKILLS)
    return CasePanel(
        today=today,
        checks={c.kind.value: check_panel(c, case.status, today) for c in case.checks},
        allowed=wf.allowed_events(case.status),
        clock_running=case.status in wf.CLOCK_RUNNING,
        active=case.status in wf.ACTIVE,
        shows_decision_note=bool(case.decision_note) and case.status in wf.CLOSED_WITHOUT_APPROVAL,
        positive_references=wf.positive_references(r.status for r in case.references),
        open_references=frozenset(r.id for r in case.references if wf.reference_open(r.status)),
        references_needed=wf.MIN_POSITIVE_REFERENCES,
        approval_problems=services.approval_problems(case, approver=viewer, today=today),
        insurance_problem=insurance_problem(case.provider, today),
        officers=officers(),
        timeline=case_timeline(case),
        forms={
            "background": background_form(case.check(wf.CheckKind.BACKGROUND)),
            "skills": forms.SkillsCheckForm(
                formdata=None,
                score=skills.score,
                trial_passed=skills.trial_passed,
                **(skills.rubric or {}),
            ),
            "references": forms.ReferencesCheckForm(formdata=None),
            "reference": forms.ReferenceForm(formdata=None),
            "attempt": forms.AttemptForm(formdata=None),
            "upload": forms.UploadForm(formdata=None),
            "reject": forms.RejectForm(formdata=None),
        },
        purposes=DOCUMENT_PURPOSES,
        may_withdraw_for_silence=wf.may_withdraw(case.awaiting_since, now),
        due=due_markup(case, now),
    )


def background_form(check: VettingCheck) -> forms.BackgroundCheckForm:
    """The background form, holding what was already recorded (after the provider sent documents)."""
    return forms.BackgroundCheckForm(
        formdata=None,
        document_type=check.document_type.value if check.document_type else "",
        document_expiry=check.document_expiry,
        last4=check.document_last4,
        siret_active=None if check.siret_active is None else ("1" if check.siret_active else "0"),
        b3_issue_date=check.b3_issue_date,
        b3_outcome=check.b3_outcome.value if check.b3_outcome else None,
    )


# --- the timeline -------------------------------------------------------------------------------


def case_timeline(case: VettingCase) -> list[TimelineRow]:
    """What happened to the case, its checks, references and documents, newest first.

    Each opening of the page is in the audit trail too, but left out here: it would bury the steps.
    """
    names = {c.id: c.kind.label for c in case.checks}
    keys = [("VettingCase", case.id)]
    keys += [("VettingCheck", c.id) for c in case.checks]
    keys += [("Reference", r.id) for r in case.references]
    keys += [("VettingDocument", d.id) for d in case.documents]
    conditions = [
        sa.and_(AuditEvent.object_type == kind, AuditEvent.object_id == str(key)) for kind, key in keys
    ]
    events = db.session.scalars(
        sa.select(AuditEvent)
        .where(sa.or_(*conditions), AuditEvent.action != "vetting.case_view")
        .order_by(AuditEvent.seq.desc())
    ).all()
    staff_ids = {e.actor_id for e in events if e.actor_id}
    people = {
        s.id: s.full_name for s in db.session.scalars(sa.select(StaffUser).where(StaffUser.id.in_(staff_ids)))
    }
    rows = []
    for e in events:
        what = action_label(e.action)
        if e.object_type == "VettingCheck" and int(e.object_id) in names:
            what = _("%(kind)s: %(what)s", kind=names[int(e.object_id)], what=what)
        rows.append(TimelineRow(e.occurred_at, people.get(e.actor_id, e.actor), what))
    return rows
