"""The managers' restriction queue and the restrictions register."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, request, url_for
from flask_admin import expose
from flask_admin.actions import action
from flask_admin.contrib.sqla.filters import BaseSQLAFilter
from flask_login import current_user
from flask_wtf import FlaskForm
from markupsafe import Markup
from sqlalchemy.orm import selectinload
from wtforms import HiddenField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from console.admin_base import ConsoleModelView, attempt_decision, parse_id
from console.db import db, utcnow
from console.domain import Role
from console.formatting import format_datetime, format_relative
from console.i18n import gettext as _
from console.i18n import lazy_gettext as _l
from console.i18n import ngettext
from marketplace.models import Provider
from restrictions import reporting, services
from restrictions import workflow as wf
from restrictions.models import Restriction, RestrictionProposal
from restrictions.workflow import ReviewOutcome

VETTING, SUPPORT, MANAGER = Role.VETTING_OFFICER, Role.SUPPORT_AGENT, Role.MANAGER
DECIDERS = frozenset({MANAGER, VETTING})


def _due(view, context, model, name) -> Markup:
    """'dans 2 h' or 'il y a 3 h' with the exact Paris time on hover; overdue rows get a badge."""
    now = utcnow()
    when = Markup('<span title="{}">{}</span>').format(
        format_datetime(model.due_at), format_relative(model.due_at, now)
    )
    if wf.is_overdue(model.due_at, now):
        return Markup('<span class="badge badge-danger overdue" data-testid="overdue">{}</span> {}').format(
            _("Overdue"), when
        )
    return when


def _reason(view, context, model, name) -> str:
    return wf.REASONS[model.reason_code].label if model.reason_code in wf.REASONS else model.reason_code


def _statement(view, context, model, name) -> str:
    return model.statement[:160] + ("…" if len(model.statement) > 160 else "")


def _decide_link(view, context, model, name) -> Markup:
    url = url_for(".decide", proposal_id=model.id)
    return Markup('<a class="btn btn-sm btn-primary" href="{}" data-testid="decide-{}">{}</a>').format(
        url, model.id, _("Decide")
    )


def _source(view, context, model, name) -> str:
    return model.source.label


def _status(view, context, model, name) -> str:
    return model.status.label


def _review_outcome(view, context, model, name) -> str:
    return model.review_outcome.label if model.review_outcome else ""


class DecisionForm(FlaskForm):
    statement = TextAreaField(
        _l("Statement of reasons sent to the provider"),
        validators=[DataRequired(), Length(max=wf.STATEMENT_MAX)],
    )
    note = TextAreaField(_l("Internal note (optional)"), validators=[Optional(), Length(max=wf.NOTE_MAX)])
    expected_version = HiddenField()


def _reason_choices() -> list[SelectChoice]:
    """The reasons in the staff member's language (asked at each request)."""
    return [SelectChoice(r.code, r.label) for r in wf.REASONS.values()]


class RestrictForm(FlaskForm):
    reason_code = SelectField(_l("Reason"), choices=_reason_choices)
    statement = TextAreaField(
        _l("Statement of reasons sent to the provider"),
        validators=[DataRequired(), Length(max=wf.STATEMENT_MAX)],
    )


class TextForm(FlaskForm):
    text = TextAreaField(_l("Text"), validators=[DataRequired(), Length(max=wf.STATEMENT_MAX)])


class ReviewDecisionForm(FlaskForm):
    outcome = SelectField(
        _l("Outcome"), choices=lambda: [SelectChoice(o.value, o.label) for o in ReviewOutcome]
    )
    text = TextAreaField(
        _l("Reasons sent to the provider"), validators=[DataRequired(), Length(max=wf.STATEMENT_MAX)]
    )


class RestrictionProposalAdmin(ConsoleModelView):
    """Open proposals, the most urgent first; vetting officers see those with a vetting reason."""

    access_kind = "restriction"
    access_methods = ("details_view", "edit_view", "decide")

    roles = DECIDERS
    action_roles = {"confirm": DECIDERS, "dismiss": DECIDERS}
    method_roles = {"decide": DECIDERS}
    export_roles = frozenset()
    list_template = "console/proposal_list.html"
    column_list = [
        "due_at",
        "provider",
        "source",
        "reason_code",
        "statement",
        "created_by",
        "created_at",
        "decide",
    ]
    column_details_list = [
        "id",
        "provider",
        "source",
        "reason_code",
        "statement",
        "evidence",
        "due_at",
        "status",
        "created_by",
        "created_at",
        "decided_by",
        "decided_at",
        "decision_note",
    ]
    column_labels = {
        "id": _l("Id"),
        "due_at": _l("Due"),
        "provider": _l("Provider"),
        "source": _l("Source"),
        "reason_code": _l("Reason"),
        "statement": _l("Statement of reasons"),
        "evidence": _l("Evidence"),
        "status": _l("Status"),
        "created_by": _l("Opened by"),
        "created_at": _l("Opened"),
        "decided_by": _l("Decided by"),
        "decided_at": _l("Decided"),
        "decision_note": _l("Internal note"),
        "decide": "",
    }
    column_formatters = {
        "due_at": _due,
        "source": _source,
        "reason_code": _reason,
        "statement": _statement,
        "decide": _decide_link,
    }
    column_formatters_detail = {"due_at": _due, "source": _source, "status": _status, "reason_code": _reason}
    column_sortable_list = ["due_at", "created_at"]
    column_default_sort = "due_at"
    column_filters = ["source", "reason_code", "due_at"]
    reference_searches = {"PRV": "provider_id"}

    def _visible(self, query):
        return query.filter(reporting.open_proposals_condition(current_user.roles))

    def get_query(self):
        return self._visible(super().get_query()).options(selectinload(RestrictionProposal.provider))

    def get_count_query(self):
        return self._visible(super().get_count_query())

    def home_badge(self) -> str | None:
        """'3 open, 1 overdue' for the home page."""
        query = self._visible(sa.select(sa.func.count()).select_from(RestrictionProposal))
        total = db.session.scalar(query)
        if not total:
            return None
        overdue = db.session.scalar(query.where(RestrictionProposal.due_at <= utcnow()))
        if overdue:
            return ngettext(
                "%(num)s open, %(overdue)s overdue",
                "%(num)s open, %(overdue)s overdue",
                total,
                overdue=overdue,
            )
        return ngettext("%(num)s open", "%(num)s open", total)

    @staticmethod
    def _why_not_open(proposal_id: int) -> str:
        key = parse_id(proposal_id)  # an id out of the database's range is no proposal either
        decided = db.session.get(RestrictionProposal, key) if key else None
        if decided is None or not wf.may_decide(current_user.roles, decided.source):
            return _("There is no open proposal you can decide at this address.")
        return _("%(decided)s Nothing was changed.", decided=services.already_decided(decided))

    @action("confirm", _l("Confirm (restrict)"), _l("Restrict the providers of the selected proposals?"))
    def action_confirm(self, ids):
        self.run_for_each(ids, services.confirm_proposal, done=_("Confirmed"))

    @action("dismiss", _l("Dismiss"), _l("Dismiss the selected proposals (no restriction)?"))
    def action_dismiss(self, ids):
        self.run_for_each(ids, services.dismiss_proposal, done=_("Dismissed"))

    @expose("/decide/<int:proposal_id>", methods=("GET", "POST"))
    def decide(self, proposal_id: int):
        proposal = self.get_one(proposal_id)
        if proposal is None:
            flash(self._why_not_open(proposal_id), "warning")
            return redirect(url_for(".index_view"))
        form = DecisionForm(obj=proposal if request.method == "GET" else None)
        if request.method == "GET":
            form.expected_version.data = proposal.version
        elif ("confirm" in request.form) == ("dismiss" in request.form):
            flash(_("Choose either Confirm or Dismiss."), "danger")
        elif form.validate_on_submit():
            version = parse_id(form.expected_version.data) or -1  # a missing version counts as stale
            confirm = "confirm" in request.form
            if attempt_decision(
                lambda: (services.confirm_proposal if confirm else services.dismiss_proposal)(
                    proposal,
                    actor=current_user,
                    now=utcnow(),
                    note=form.note.data,
                    expected_version=version,
                    **({"statement": form.statement.data} if confirm else {}),
                ),
                (
                    _("Confirmed: %(provider)s.", provider=proposal.provider)
                    if confirm
                    else _("Dismissed: %(provider)s.", provider=proposal.provider)
                ),
            ):
                return redirect(url_for(".index_view"))
        return self.render(
            "console/proposal_decide.html",
            access_record=proposal,
            proposal=proposal,
            form=form,
            overdue=wf.is_overdue(proposal.due_at, utcnow()),
        )


class ActiveFilter(BaseSQLAFilter):
    def __init__(self):
        super().__init__(Restriction.ended_at, _l("Active"), options=(("1", _l("Yes")), ("0", _l("No"))))

    def apply(self, query, value, alias=None):
        return query.filter(
            Restriction.ended_at.is_(None) if value == "1" else Restriction.ended_at.is_not(None)
        )

    def operation(self):
        return _l("is")


def _active(view, context, model, name) -> Markup:
    if model.active:
        return Markup('<span class="badge badge-danger">{}</span>').format(_("Active"))
    return Markup('<span class="badge badge-secondary">{}</span>').format(_("Ended"))


class RestrictionAdmin(ConsoleModelView):
    access_kind = "restriction"
    roles = frozenset({MANAGER, VETTING, SUPPORT})
    export_roles = frozenset({MANAGER})
    method_roles = {
        "restrict": frozenset({MANAGER}),
        "lift": DECIDERS,
        "request_review": frozenset({SUPPORT, MANAGER}),
        "decide_review": frozenset({MANAGER}),
    }
    details_template = "console/restriction_details.html"
    column_list = [
        "provider",
        "reason_code",
        "started_at",
        "decided_by",
        "active",
        "review_requested_at",
        "review_outcome",
        "ended_at",
    ]
    column_details_list = [
        "id",
        "provider",
        "reason_code",
        "statement",
        "decided_by",
        "started_at",
        "active",
        "ended_at",
        "ended_by",
        "end_reason",
        "review_requested_at",
        "review_request",
        "review_outcome",
        "review_decided_by",
        "review_decided_at",
        "review_reasons",
    ]
    column_labels = {
        "id": _l("Id"),
        "provider": _l("Provider"),
        "reason_code": _l("Reason"),
        "statement": _l("Statement of reasons"),
        "started_at": _l("Started"),
        "decided_by": _l("Decided by"),
        "active": _l("Active"),
        "ended_at": _l("Ended"),
        "ended_by": _l("Ended by"),
        "end_reason": _l("Reason for ending"),
        "review_requested_at": _l("Review requested"),
        "review_request": _l("Review request"),
        "review_outcome": _l("Review"),
        "review_decided_by": _l("Review decided by"),
        "review_decided_at": _l("Review decided"),
        "review_reasons": _l("Reasons of the review"),
    }
    column_formatters = {"reason_code": _reason, "active": _active, "review_outcome": _review_outcome}
    column_formatters_detail = column_formatters
    column_formatters_export = {
        "reason_code": _reason,
        "active": lambda v, c, m, n: _("yes") if m.active else _("no"),
        "review_outcome": _review_outcome,
    }
    column_sortable_list = ["started_at", "ended_at"]
    column_default_sort = ("started_at", True)
    column_filters = [ActiveFilter(), "reason_code", "started_at", "review_outcome"]
    reference_searches = {"PRV": "provider_id"}

    def get_query(self):
        return (
            super()
            .get_query()
            .options(selectinload(Restriction.provider), selectinload(Restriction.decided_by))
        )

    def _load(self, restriction_id: int) -> Restriction:
        restriction = self.get_one(str(restriction_id))
        if restriction is None:
            abort(404)
        return restriction

    def _back(self, restriction: Restriction):
        return redirect(url_for(".details_view", id=restriction.id))

    @expose("/restrict/<int:provider_id>", methods=("GET", "POST"))
    def restrict(self, provider_id: int):
        key = parse_id(provider_id)
        provider = (db.session.get(Provider, key) if key else None) or abort(404)
        form = RestrictForm()
        if form.validate_on_submit() and attempt_decision(
            lambda: services.restrict_provider(
                provider,
                reason_code=form.reason_code.data,
                statement=form.statement.data,
                actor=current_user,
                now=utcnow(),
            ),
            _("%(provider)s is restricted; the provider is being notified.", provider=provider),
        ):
            return redirect(url_for("providers.details_view", id=provider.id))
        return self.render("console/restrict_provider.html", provider=provider, form=form)

    @expose("/lift/<int:restriction_id>", methods=("POST",))
    def lift(self, restriction_id: int):
        restriction, form = self._load(restriction_id), TextForm()
        if form.validate_on_submit():
            attempt_decision(
                lambda: services.lift_restriction(
                    restriction, reason=form.text.data, actor=current_user, now=utcnow()
                ),
                _("Restriction lifted."),
            )
        else:
            flash(_("Give the reason for lifting (at most 5000 characters)."), "danger")
        return self._back(restriction)

    @expose("/request-review/<int:restriction_id>", methods=("POST",))
    def request_review(self, restriction_id: int):
        restriction, form = self._load(restriction_id), TextForm()
        if form.validate_on_submit():
            attempt_decision(
                lambda: services.request_review(
                    restriction, text=form.text.data, actor=current_user, now=utcnow()
                ),
                _("Review request recorded."),
            )
        else:
            flash(_("Write down what the provider asks (at most 5000 characters)."), "danger")
        return self._back(restriction)

    @expose("/decide-review/<int:restriction_id>", methods=("POST",))
    def decide_review(self, restriction_id: int):
        restriction, form = self._load(restriction_id), ReviewDecisionForm()
        if form.validate_on_submit():
            attempt_decision(
                lambda: services.decide_review(
                    restriction,
                    outcome=form.outcome.data,
                    reasons=form.text.data,
                    actor=current_user,
                    now=utcnow(),
                ),
                _("Review decided; the provider is being notified."),
            )
        else:
            flash(_("Choose an outcome and give the reasons (at most 5000 characters)."), "danger")
        return self._back(restriction)


def register(admin) -> None:
    admin.add_view(
        RestrictionProposalAdmin(
            RestrictionProposal,
            name=_l("Restriction queue"),
            endpoint="proposals",
            category=_l("Trust & safety"),
        )
    )
    admin.add_view(
        RestrictionAdmin(
            Restriction, name=_l("Restrictions"), endpoint="restrictions", category=_l("Trust & safety")
        )
    )
