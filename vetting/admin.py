"""Vetting screens: the case page, where every step is a button (the lists are in `queues.py`).

Nothing is editable inline: each form posts to one endpoint that calls one service. Support
agents reach none of these pages (default deny), nor the documents.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from flask import abort, flash, redirect, request, url_for
from flask_admin import expose
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from console.access_log import views as access_log
from console.admin_base import attempt_decision, parse_id
from console.audit import services as audit
from console.auth.models import StaffUser
from console.db import db, utcnow
from console.domain import DomainError, _
from console.files.services import send_stored
from console.forms import form_errors
from console.i18n import lazy_gettext as _l
from marketplace.models import Provider, VettingStatus
from vetting import check_entry, checks, forms, services
from vetting import workflow as wf
from vetting.case_page import DOCUMENT_PURPOSES, CasePanel, case_panel
from vetting.models import Reference, VettingCase, VettingCheck, VettingDocument, VettingSweep
from vetting.outcomes import CheckOutcome
from vetting.queues import (
    OFFICERS,
    AwaitingQueue,
    CaseListBase,
    MyChecksAdmin,
    OverdueQueue,
    ReadyQueue,
    UnassignedQueue,
    VettingSweepAdmin,
    officers,
)
from vetting.workflow import Round

CASE_PURPOSE = "vetting_work"  # recorded in the audit trail; console.audit.labels says it in words


class VettingCaseAdmin(CaseListBase):
    """Every case; its page is where officers record evidence and decide."""

    method_roles = {
        name: OFFICERS
        for name in (
            "open_case",
            "assign_check",
            "submit_check",
            "add_reference",
            "log_attempt",
            "upload",
            "document",
            "await_provider",
            "provider_answered",
            "withdraw",
            "reopen",
            "approve",
            "reject",
        )
    }
    details_template = "vetting/case_details.html"

    # --- the page -------------------------------------------------------------------------------

    @expose("/details/")
    def details_view(self):
        case = self.get_one(request.args.get("id", ""))
        if case is not None:  # every opening of a vetting file is in the audit trail
            audit.record(current_user, "vetting.case_view", case, purpose=CASE_PURPOSE, now=utcnow())
            db.session.commit()
        return super().details_view()

    def case_panel(self, case: VettingCase) -> CasePanel:
        return case_panel(case, viewer=current_user, now=utcnow())

    # --- loading ----------------------------------------------------------------------------------

    def _case(self, case_id: int) -> VettingCase:
        case = self.get_one(str(case_id))
        return case if case is not None else abort(404)

    def _check(self, check_id: int) -> VettingCheck:
        key = parse_id(check_id)
        check = db.session.get(VettingCheck, key) if key else None
        return check if check is not None else abort(404)

    def _back(self, case_id: int, anchor: str = ""):
        return redirect(url_for(".details_view", id=case_id) + (f"#{anchor}" if anchor else ""))

    def _run(self, case_id: int, form, use_case: Callable[..., Any], success: str, anchor: str = ""):
        """Validate the form, run the use case with the acting person and commit, or explain."""
        if form.validate_on_submit():
            version = parse_id(form.expected_version.data) if hasattr(form, "expected_version") else None
            if hasattr(form, "expected_version") and version is None:
                flash(_("The form was incomplete; reload the page and try again."), "danger")
            else:
                attempt_decision(
                    lambda: use_case(form, actor=current_user, now=utcnow(), **_version(form, version)),
                    success,
                )
        else:
            flash(form_errors(form), "danger")
        return self._back(case_id, anchor)

    # --- case steps -----------------------------------------------------------------------------

    @expose("/open/<int:provider_id>", methods=("POST",))
    def open_case(self, provider_id: int):
        provider = db.session.get(Provider, parse_id(provider_id) or 0) or abort(404)
        form = forms.FlaskForm()
        if not form.validate_on_submit():
            flash(form_errors(form), "danger")
        else:
            round_ = Round.RENEWAL if provider.vetting_status == VettingStatus.APPROVED else Round.INITIAL
            if attempt_decision(
                lambda: services.open_case(provider, round=round_, actor=current_user, now=utcnow()),
                _(
                    "A %(round)s vetting case is open for %(provider)s.",
                    round=round_.label,
                    provider=provider.reference,
                ),
            ):
                case = services.active_case(provider.id)
                return self._back(case.id)
        return redirect(url_for("providers.details_view", id=provider.id))

    @expose("/await/<int:case_id>", methods=("POST",))
    def await_provider(self, case_id: int):
        case = self._case(case_id)
        return self._run(
            case.id,
            forms.TextForm(),
            lambda f, **kw: services.await_provider(case, request=f.text.data, **kw),
            _("The provider is asked; the deadline is paused until they answer."),
        )

    @expose("/answered/<int:case_id>", methods=("POST",))
    def provider_answered(self, case_id: int):
        case = self._case(case_id)
        return self._run(
            case.id,
            forms.VersionedForm(),
            lambda f, **kw: services.provider_answered(case, **kw),
            _("The provider answered; the deadline runs again."),
        )

    @expose("/withdraw/<int:case_id>", methods=("POST",))
    def withdraw(self, case_id: int):
        case = self._case(case_id)
        return self._run(
            case.id,
            forms.TextForm(),
            lambda f, **kw: services.withdraw_case(case, reason=f.text.data, **kw),
            _("%(case)s is withdrawn; the applicant is being told.", case=case.reference),
        )

    @expose("/reopen/<int:case_id>", methods=("POST",))
    def reopen(self, case_id: int):
        case = self._case(case_id)
        return self._run(
            case.id,
            forms.VersionedForm(),
            lambda f, **kw: services.reopen_case(case, **kw),
            _("%(case)s is back in review.", case=case.reference),
        )

    @expose("/approve/<int:case_id>", methods=("POST",))
    def approve(self, case_id: int):
        case = self._case(case_id)
        return self._run(
            case.id,
            forms.VersionedForm(),
            lambda f, **kw: services.approve_case(case, **kw),
            _(
                "Approved: %(provider)s can be booked (unless restricted); the provider is being told.",
                provider=case.provider,
            ),
        )

    @expose("/reject/<int:case_id>", methods=("POST",))
    def reject(self, case_id: int):
        case = self._case(case_id)
        return self._run(
            case.id,
            forms.RejectForm(),
            lambda f, **kw: services.reject_case(
                case, reason=f.reason.data, statement=f.statement.data, **kw
            ),
            _("Rejected: %(provider)s; the statement of reasons is being sent.", provider=case.provider),
        )

    # --- check steps ----------------------------------------------------------------------------

    @expose("/check/<int:check_id>/assign", methods=("POST",))
    def assign_check(self, check_id: int):
        check = self._check(check_id)
        form = forms.AssignForm()
        form.assignee.choices = [SelectChoice(str(o.id), o.full_name) for o in officers()]
        if not form.validate_on_submit():
            flash(_("Choose an active vetting officer."), "danger")
            return self._back(check.case_id, check.kind.value)
        assignee = db.session.get(StaffUser, int(form.assignee.data))
        attempt_decision(
            lambda: checks.assign_check(check, assignee=assignee, actor=current_user, now=utcnow()),
            _("The %(kind)s check is assigned to %(name)s.", kind=check.kind.label, name=assignee.full_name),
        )
        return self._back(check.case_id, check.kind.value)

    @expose("/check/<int:check_id>/submit", methods=("POST",))
    def submit_check(self, check_id: int):
        """One check in one form: its evidence and the outcome (the button pressed)."""
        check = self._check(check_id)
        form = forms.CHECK_FORMS[check.kind.value]()
        outcome = request.form.get("outcome", "")
        return self._run(
            check.case_id,
            form,
            lambda f, **kw: check_entry.submit_check(
                check,
                outcome=outcome,
                evidence=_evidence(check.kind, f),
                attempts=_attempts(request.form),
                notes=f.notes.data,
                failure_reason=getattr(f, "failure_reason", None) and f.failure_reason.data,
                provider_request=f.provider_request.data,
                **kw,
            ),
            _check_done(check.kind, outcome),
            check.kind.value,
        )

    # --- references and documents ---------------------------------------------------------------

    @expose("/reference/<int:case_id>", methods=("POST",))
    def add_reference(self, case_id: int):
        case, form = self._case(case_id), forms.ReferenceForm()
        if form.validate_on_submit():
            fields = {name: getattr(form, name).data for name in ("name", "relationship", "phone", "email")}
            attempt_decision(
                lambda: checks.add_reference(case, fields=fields, actor=current_user, now=utcnow()),
                _("Reference added."),
            )
        else:
            flash(form_errors(form), "danger")
        return self._back(case.id, "references")

    @expose("/attempt/<int:reference_id>", methods=("POST",))
    def log_attempt(self, reference_id: int):
        reference = db.session.get(Reference, parse_id(reference_id) or 0) or abort(404)
        form = forms.AttemptForm()
        if form.validate_on_submit():
            attempt_decision(
                lambda: checks.log_attempt(
                    reference,
                    outcome=form.outcome.data,
                    note=form.note.data,
                    number=parse_id(form.number.data) or -1,  # missing: refused as stale
                    actor=current_user,
                    now=utcnow(),
                ),
                _("Contact attempt logged."),
            )
        else:
            flash(form_errors(form), "danger")
        return self._back(reference.case_id, "references")

    @expose("/upload/<int:case_id>", methods=("POST",))
    def upload(self, case_id: int):
        case, form = self._case(case_id), forms.UploadForm()
        if form.validate_on_submit():
            upload = form.file.data
            attempt_decision(
                lambda: checks.upload_document(
                    case,
                    kind=form.kind.data,
                    upload=(upload.stream, upload.filename),
                    actor=current_user,
                    now=utcnow(),
                ),
                _("Document stored."),
            )
        else:
            flash(form_errors(form), "danger")
        return self._back(case.id, "documents")

    @expose("/document/<int:document_id>")
    def document(self, document_id: int):
        document = db.session.get(VettingDocument, parse_id(document_id) or 0) or abort(404)
        purpose = request.args.get("purpose", "")
        if purpose not in DOCUMENT_PURPOSES:
            flash(_("Choose why you open this document; each opening is recorded."), "danger")
            return self._back(document.case_id, "documents")
        try:
            access_log.record(
                access_log.subjects_of(document),
                record_type="VettingDocument",
                record_id=document.id,
                purpose=purpose,
            )
            return send_stored(document.file, actor=current_user, purpose=purpose, now=utcnow())
        except DomainError as exc:
            db.session.rollback()
            flash(str(exc), "danger")
            return self._back(document.case_id, "documents")


def _evidence(kind: wf.CheckKind, f) -> check_entry.BackgroundEntry | check_entry.SkillsEntry | None:
    """The evidence part of a check's form, as the use case takes it."""
    if kind == wf.CheckKind.BACKGROUND:
        return check_entry.BackgroundEntry(
            document_type=f.document_type.data or None,
            document_expiry=f.document_expiry.data,
            last4=f.last4.data or None,
            siret_active=None if not f.siret_active.data else f.siret_active.data == "1",
            b3_issue_date=f.b3_issue_date.data,
            b3_outcome=f.b3_outcome.data or None,
        )
    if kind == wf.CheckKind.SKILLS:
        rubric = {item: getattr(f, item).data for item in wf.RUBRIC}
        return check_entry.SkillsEntry(
            score=f.score.data,
            trial_passed=bool(f.trial_passed.data),
            rubric=rubric if any(mark is not None for mark in rubric.values()) else None,
        )
    return None


def _attempts(formdata) -> dict[int, str]:
    """The contact attempts made, from `attempt-<reference id>` selects ("" = not contacted now)."""
    made = {}
    for name, value in formdata.items():
        key = parse_id(name.removeprefix("attempt-")) if name.startswith("attempt-") else None
        if key is not None and value:
            made[key] = value
    return made


def _check_done(kind: wf.CheckKind, outcome: str) -> str:
    if outcome == CheckOutcome.NEEDS_DOCUMENTS:
        return _("The provider is asked for documents; the deadline is paused until they answer.")
    if outcome == CheckOutcome.FAIL:
        return _("The %(kind)s check is failed.", kind=kind.label)
    return _("The %(kind)s check is passed.", kind=kind.label)


def _version(form, version: int | None) -> dict[str, int]:
    return {"expected_version": version} if hasattr(form, "expected_version") else {}


def cases_of(provider_id: int) -> list[VettingCase]:
    """A provider's cases, the latest first (the provider page's vetting panel)."""
    query = (
        sa.select(VettingCase).where(VettingCase.provider_id == provider_id).order_by(VettingCase.id.desc())
    )
    return list(db.session.scalars(query))


def register(admin) -> None:
    admin.app.jinja_env.globals["vetting_cases_of"] = cases_of
    category = _l("Vetting")
    queues = [
        (MyChecksAdmin, VettingCase, _l("My checks"), "vetting_mine"),
        (UnassignedQueue, VettingCase, _l("Cases to assign"), "vetting_unassigned"),
        (AwaitingQueue, VettingCase, _l("Awaiting provider"), "vetting_awaiting"),
        (ReadyQueue, VettingCase, _l("Ready for decision"), "vetting_ready"),
        (OverdueQueue, VettingCase, _l("Overdue"), "vetting_overdue"),
        (VettingCaseAdmin, VettingCase, _l("All cases"), "vetting_cases"),
        (VettingSweepAdmin, VettingSweep, _l("Vetting sweeps"), "vetting_sweeps"),
    ]
    for view, model, name, endpoint in queues:
        admin.add_view(view(model, name=name, endpoint=endpoint, category=category))
