"""Subject requests: the register, a request's page (export, erasure with its legal holds)."""

from __future__ import annotations

import json
from datetime import date, datetime, time

from flask import Response, abort, flash, redirect, url_for
from flask_admin import expose
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from console.admin_base import ConsoleModelView, attempt_decision
from console.business_time import PARIS
from console.db import utcnow
from console.domain import Role
from console.forms import form_errors
from console.i18n import gettext as _
from console.i18n import lazy_gettext as _l
from privacy import services
from privacy import workflow as wf
from privacy.models import SubjectRequest
from privacy.workflow import RequestKind

OFFICERS = frozenset({Role.MANAGER, Role.ADMIN})


class RequestForm(FlaskForm):
    kind = SelectField(
        _l("Request"),
        choices=lambda: [
            SelectChoice("access", _("Access (a copy of the data)")),
            SelectChoice("erasure", _("Erasure")),
        ],
    )
    reference = StringField(_l("Client or provider reference"), validators=[DataRequired(), Length(max=20)])
    requested_by = StringField(_l("Who asked"), validators=[DataRequired(), Length(max=200)])
    identity_check = TextAreaField(
        _l("How their identity was checked"), validators=[DataRequired(), Length(max=500)]
    )
    received_on = DateField(_l("Received on"), validators=[DataRequired()])


class CloseForm(FlaskForm):
    outcome = TextAreaField(_l("Outcome"), validators=[DataRequired(), Length(max=2000)])
    decision = SelectField(
        _l("Decision"),
        choices=lambda: [SelectChoice("done", _("Answered")), SelectChoice("refused", _("Refused"))],
    )


class SubjectRequestAdmin(ConsoleModelView):
    """Managers and admins record requests and answer them within the month."""

    roles = OFFICERS
    access_kind = "subject_request"
    access_purpose = "subject_request"
    method_roles = {name: OFFICERS for name in ("open_request", "export_json", "erase", "confirm", "close")}
    can_view_details = True
    details_template = "privacy/request.html"
    column_list = ["id", "kind", "subject_type", "subject_id", "received_at", "due_on", "status"]
    column_default_sort = ("id", True)
    column_labels = {
        "id": _l("Reference"),
        "kind": _l("Request"),
        "subject_type": _l("Person"),
        "subject_id": _l("Record"),
        "received_at": _l("Received"),
        "due_on": _l("Due on"),
        "status": _l("Status"),
    }
    column_formatters = {
        "id": lambda view, context, model, name: model.reference,
        "subject_type": lambda view, context, model, name: wf.person_label(model.subject_type),
    }
    list_template = "privacy/request_list.html"

    def render(self, template, **kwargs):
        kwargs.setdefault("request_form", RequestForm(formdata=None))
        kwargs.setdefault("close_form", CloseForm(formdata=None))
        model = kwargs.get("model")
        if isinstance(model, SubjectRequest) and model.kind == RequestKind.ERASURE:
            kwargs.setdefault(
                "holds", services.erasure_holds(model.subject_type, model.subject_id, now=utcnow())
            )
            kwargs.setdefault("second_person", model.erasure_requested_by_id not in (None, current_user.id))
        if isinstance(model, SubjectRequest):
            kwargs.setdefault(
                "overdue", wf.is_overdue(model.due_on, model.status, utcnow().astimezone(PARIS).date())
            )
            kwargs.setdefault("person_label", wf.person_label)
            kwargs.setdefault("hold_label", wf.hold_label)
        return super().render(template, **kwargs)

    def _load(self, request_id: int) -> SubjectRequest:
        found = self.get_one(str(request_id))
        return found if found is not None else abort(404)

    def _back(self, request_id: int):
        return redirect(url_for(".details_view", id=request_id))

    @expose("/open", methods=("POST",))
    def open_request(self):
        form = RequestForm()
        if not form.validate_on_submit():
            flash(form_errors(form), "danger")
            return redirect(url_for(".index_view"))
        created: list[SubjectRequest] = []
        received = form.received_on.data
        ok = attempt_decision(
            lambda: created.append(
                services.open_request(
                    kind=form.kind.data,
                    reference=form.reference.data,
                    requested_by=form.requested_by.data,
                    identity_check=form.identity_check.data,
                    received_at=utcnow()
                    if received >= utcnow().astimezone(PARIS).date()
                    else _noon(received),
                    actor=current_user,
                    now=utcnow(),
                )
            ),
            _("Request recorded."),
        )
        return self._back(created[0].id) if ok else redirect(url_for(".index_view"))

    @expose("/export/<int:request_id>.json")
    def export_json(self, request_id: int):
        found = self._load(request_id)
        data = services.export(found.subject_type, found.subject_id, now=utcnow())
        body = json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True)
        name = f"{data['subject']['reference']}-{found.reference}.json"
        return Response(
            body, mimetype="application/json", headers={"Content-Disposition": f"attachment;filename={name}"}
        )

    @expose("/erase/<int:request_id>", methods=("POST",))
    def erase(self, request_id: int):
        found, form = self._load(request_id), FlaskForm()
        if form.validate_on_submit():
            done: list[bool] = []
            attempt_decision(
                lambda: done.append(services.ask_erasure(found, actor=current_user, now=utcnow())),
                _("Erasure done or waiting for a second person: see the request's status."),
            )
        return self._back(request_id)

    @expose("/confirm/<int:request_id>", methods=("POST",))
    def confirm(self, request_id: int):
        found, form = self._load(request_id), FlaskForm()
        if form.validate_on_submit():
            attempt_decision(
                lambda: services.confirm_erasure(found, actor=current_user, now=utcnow()), _("Erasure done.")
            )
        return self._back(request_id)

    @expose("/close/<int:request_id>", methods=("POST",))
    def close(self, request_id: int):
        found, form = self._load(request_id), CloseForm()
        if form.validate_on_submit():
            attempt_decision(
                lambda: services.close_request(
                    found,
                    outcome=form.outcome.data,
                    refused=form.decision.data == "refused",
                    actor=current_user,
                    now=utcnow(),
                ),
                _("Request closed."),
            )
        else:
            flash(form_errors(form), "danger")
        return self._back(request_id)


def _noon(day: date) -> datetime:
    return datetime.combine(day, time(12), tzinfo=PARIS)


def register(admin) -> None:
    admin.add_view(
        SubjectRequestAdmin(
            SubjectRequest,
            name=_l("Subject requests"),
            endpoint="privacy_requests",
            url="/privacy_requests",
            category=_l("Administration"),
        )
    )
