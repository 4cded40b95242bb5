"""The reports page: request a report, follow its run live, download or retry it.

Every route checks the run's kind against the staff member's roles: another role's report is a
403. State changes go through `reports.services`.
"""

from __future__ import annotations

from flask import abort, flash, jsonify, redirect, request, url_for
from flask_admin import expose
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectField, StringField
from wtforms.validators import NumberRange, Optional

from console import submissions
from console import validation as v
from console.admin_base import ConsoleBaseView, attempt_decision, parse_id
from console.db import db, utcnow
from console.domain import DomainError, _, ngettext
from console.i18n import lazy_gettext as _l
from insurance.reporting import EXPIRING_WITHIN_DAYS
from marketplace.models import Provider
from reports import services
from reports import workflow as wf
from reports.models import ReportRun
from reports.workflow import ReportKind, RunStatus


class RequestForm(FlaskForm):
    kind = SelectField(_l("Report"))
    starts_on = DateField(_l("Period from"), validators=[Optional()])
    ends_on = DateField(_l("to (inclusive)"), validators=[Optional()])
    days = IntegerField(
        _l("Days ahead"),
        default=EXPIRING_WITHIN_DAYS,
        validators=[Optional(), NumberRange(1, EXPIRING_WITHIN_DAYS)],
    )
    provider_reference = StringField(_l("Provider reference"), description=_l("e.g. PRV-000123"))
    subject_reference = StringField(_l("Client or provider reference"), description=_l("e.g. CLI-0000123"))
    submission_token = submissions.token_field()  # a double click requests one report


def _kinds() -> list[ReportKind]:
    return wf.kinds_for(current_user.roles)


def _parameters(form: RequestForm, kind: ReportKind) -> dict:
    if kind == ReportKind.PROVIDER_DOSSIER:
        key = v.parse_reference(form.provider_reference.data or "", Provider.REFERENCE_PREFIX)
        if key is None:
            raise wf.InvalidParameters(_("Enter a provider reference such as PRV-000123."))
        return {"provider_id": key}
    if kind == ReportKind.SUBJECT_ACCESS:
        return {"subject_reference": form.subject_reference.data or ""}
    return {"starts_on": form.starts_on.data, "ends_on": form.ends_on.data, "days": form.days.data}


def run_facts(run: ReportRun) -> str:
    """ "3 pages, 120 KB" for a finished run, in the reader's language."""
    if not run.page_count:
        return ""
    return ngettext(
        "%(num)s page, %(size)s KB",
        "%(num)s pages, %(size)s KB",
        run.page_count,
        size=(run.byte_size or 0) // 1024 or 1,
    )


def run_state(run: ReportRun) -> dict:
    """What the page shows of a run, for the live updates (the words come from here, translated)."""
    return {
        "id": run.id,
        "status": run.status.value,
        "status_label": run.status.label,
        "facts": run_facts(run),
        "progress": run.progress,
        "error": run.error,
        "pages": run.page_count,
        "size_kb": (run.byte_size or 0) // 1024,
        "download": url_for(".download", run_id=run.id) if run.status == RunStatus.SUCCEEDED else None,
    }


class ReportsView(ConsoleBaseView):
    roles = wf.REPORT_ROLES

    def _form(self) -> RequestForm:
        form = RequestForm()
        form.kind.choices = [(k.value, k.label) for k in _kinds()]
        return form

    def _run(self, run_id: int) -> ReportRun:
        run = db.session.get(ReportRun, run_id) if parse_id(run_id) else None
        if run is None:
            abort(404)
        if run.kind not in _kinds():
            abort(403)
        return run

    def home_badge(self) -> str | None:
        counts = services.open_counts(_kinds())
        words = {
            "in progress": lambda n: ngettext("%(num)s in progress", "%(num)s in progress", n),
            "failed": lambda n: ngettext("%(num)s failed", "%(num)s failed", n),
        }
        return ", ".join(words[key](n) for key, n in counts.items() if n) or None

    @expose("/")
    def index(self):
        runs = services.visible_runs(_kinds())
        return self.render(
            "reports/screen/runs.html",
            form=self._form(),
            runs=runs,
            retried=services.retried_ids([run.id for run in runs]),
            kinds=_kinds(),
            queued=services.queue_depth(),
            run_facts=run_facts,
        )

    @expose("/request", methods=("POST",))
    def request_report(self):
        form = self._form()
        if not form.validate_on_submit():
            errors = " ".join(f"{field.label.text}: {e}" for field in form for e in field.errors)
            flash(
                _(
                    "The request was not valid. %(errors)s",
                    errors=errors or _("Reload the page and try again."),
                ),
                "danger",
            )
            return redirect(url_for(".index"))
        kind = ReportKind(form.kind.data)

        def request_once():
            submissions.claim(form.submission_token.data, record_type=ReportRun, now=utcnow())
            services.request_report(
                kind, parameters=_parameters(form, kind), actor=current_user, now=utcnow()
            )

        attempt_decision(
            request_once,
            _("Requested: %(report)s. It is being built; this page follows it.", report=kind.label),
        )
        return redirect(url_for(".index"))

    @expose("/retry/<int:run_id>", methods=("POST",))
    def retry(self, run_id: int):
        run = self._run(run_id)
        if FlaskForm().validate_on_submit():
            attempt_decision(
                lambda: services.retry_run(run, actor=current_user, now=utcnow()),
                _("%(reference)s is being tried again as a new attempt.", reference=run.reference),
            )
        else:
            flash(_("The form expired; reload the page and try again."), "danger")
        return redirect(url_for(".index"))

    @expose("/download/<int:run_id>")
    def download(self, run_id: int):
        run = self._run(run_id)
        try:
            return services.download(run, actor=current_user, now=utcnow())
        except DomainError as exc:
            db.session.rollback()
            flash(str(exc), "danger")
            return redirect(url_for(".index"))

    @expose("/status")
    def status(self):
        ids = [parse_id(part) for part in request.args.get("ids", "").split(",")[:100]]
        wanted = [i for i in ids if i is not None]
        runs = db.session.scalars(
            db.select(ReportRun).where(ReportRun.id.in_(wanted), ReportRun.kind.in_(_kinds()))
        ).all()
        retried = services.retried_ids([run.id for run in runs])
        response = jsonify({str(run.id): run_state(run) | {"retried": run.id in retried} for run in runs})
        response.headers["Cache-Control"] = "no-store"
        return response


def register(admin) -> None:
    admin.add_view(ReportsView(name=_l("Compliance reports"), endpoint="reports", url="/reports"))
