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
from sqlalchemy.orm import joinedload
from wtforms import HiddenField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from console.admin_base import ConsoleModelView, attempt_decision, parse_id
from console.db import db, utcnow
from console.domain import Role
from marketplace.models import Provider
from restrictions import services
from restrictions import workflow as wf
from restrictions.models import Restriction, RestrictionProposal
from restrictions.workflow import ProposalStatus, ReviewOutcome, Source

VETTING, SUPPORT, MANAGER = Role.VETTING_OFFICER, Role.SUPPORT_AGENT, Role.MANAGER
DECIDERS = frozenset({MANAGER, VETTING})


def _due(view, context, model, name) -> Markup:
    when = model.due_at.strftime("%Y-%m-%d %H:%M UTC")
    if wf.is_overdue(model.due_at, utcnow()):
        return Markup(
            '<span class="badge badge-danger overdue" data-testid="overdue">Overdue</span> {}'
        ).format(when)
    return Markup("{}").format(when)


def _reason(view, context, model, name) -> str:
    return wf.REASONS[model.reason_code].label if model.reason_code in wf.REASONS else model.reason_code


def _statement(view, context, model, name) -> str:
    return model.statement[:160] + ("…" if len(model.statement) > 160 else "")


def _decide_link(view, context, model, name) -> Markup:
    url = url_for(".decide", proposal_id=model.id)
    return Markup('<a class="btn btn-sm btn-primary" href="{}" data-testid="decide-{}">Decide</a>').format(
        url, model.id
    )


class DecisionForm(FlaskForm):
    statement = TextAreaField(
        "Statement of reasons sent to the provider", validators=[DataRequired(), Length(max=wf.STATEMENT_MAX)]
    )
    note = TextAreaField("Internal note (optional)", validators=[Optional(), Length(max=wf.NOTE_MAX)])
    expected_version = HiddenField()


class RestrictForm(FlaskForm):
    reason_code = SelectField("Reason", choices=[SelectChoice(r.code, r.label) for r in wf.REASONS.values()])
    statement = TextAreaField(
        "Statement of reasons sent to the provider", validators=[DataRequired(), Length(max=wf.STATEMENT_MAX)]
    )


class TextForm(FlaskForm):
    text = TextAreaField("Text", validators=[DataRequired(), Length(max=wf.STATEMENT_MAX)])


class ReviewDecisionForm(FlaskForm):
    outcome = SelectField(
        "Outcome", choices=[SelectChoice(o.value, o.value.capitalize()) for o in ReviewOutcome]
    )
    text = TextAreaField(
        "Reasons sent to the provider", validators=[DataRequired(), Length(max=wf.STATEMENT_MAX)]
    )


class RestrictionProposalAdmin(ConsoleModelView):
    """Open proposals, the most urgent first; vetting officers see those with a vetting reason."""

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
        "due_at": "Due",
        "reason_code": "Reason",
        "created_by": "Opened by",
        "created_at": "Opened",
        "decide": "",
    }
    column_formatters = {
        "due_at": _due,
        "reason_code": _reason,
        "statement": _statement,
        "decide": _decide_link,
    }
    column_formatters_detail = {"due_at": _due, "reason_code": _reason}
    column_sortable_list = ["due_at", "created_at"]
    column_default_sort = "due_at"
    column_filters = ["source", "reason_code", "due_at"]
    reference_searches = {"PRV": "provider_id"}

    def _visible(self, query):
        query = query.filter(RestrictionProposal.status == ProposalStatus.OPEN)
        sources = wf.decidable_sources(current_user.roles)  # the same rule as services.may_decide
        if sources != frozenset(Source):
            query = query.filter(RestrictionProposal.source.in_(sources))
        return query

    def get_query(self):
        return self._visible(super().get_query()).options(joinedload(RestrictionProposal.provider))

    def get_count_query(self):
        return self._visible(super().get_count_query())

    def home_badge(self) -> str | None:
        """'3 open, 1 overdue' for the home page."""
        query = self._visible(sa.select(sa.func.count()).select_from(RestrictionProposal))
        total = db.session.scalar(query)
        if not total:
            return None
        overdue = db.session.scalar(query.where(RestrictionProposal.due_at <= utcnow()))
        return f"{total} open" + (f", {overdue} overdue" if overdue else "")

    @staticmethod
    def _why_not_open(proposal_id: int) -> str:
        decided = db.session.get(RestrictionProposal, proposal_id)
        if decided is None or not wf.may_decide(current_user.roles, decided.source):
            return "There is no open proposal you can decide at this address."
        who = decided.decided_by.full_name if decided.decided_by else "someone"
        return f"{decided} was already {decided.status.value} by {who}; nothing was changed."

    @action("confirm", "Confirm (restrict)", "Restrict the providers of the selected proposals?")
    def action_confirm(self, ids):
        self.run_for_each(ids, services.confirm_proposal, done="Confirmed")

    @action("dismiss", "Dismiss", "Dismiss the selected proposals (no restriction)?")
    def action_dismiss(self, ids):
        self.run_for_each(ids, services.dismiss_proposal, done="Dismissed")

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
            flash("Choose either Confirm or Dismiss.", "danger")
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
                f"{'Confirmed' if confirm else 'Dismissed'}: {proposal.provider}.",
            ):
                return redirect(url_for(".index_view"))
        return self.render(
            "console/proposal_decide.html",
            proposal=proposal,
            form=form,
            overdue=wf.is_overdue(proposal.due_at, utcnow()),
        )


class ActiveFilter(BaseSQLAFilter):
    def __init__(self):
        super().__init__(Restriction.ended_at, "Active", options=(("1", "Yes"), ("0", "No")))

    def apply(self, query, value, alias=None):
        return query.filter(
            Restriction.ended_at.is_(None) if value == "1" else Restriction.ended_at.is_not(None)
        )

    def operation(self):
        return "is"


def _active(view, context, model, name) -> Markup:
    if model.active:
        return Markup('<span class="badge badge-danger">Active</span>')
    return Markup('<span class="badge badge-secondary">Ended</span>')


class RestrictionAdmin(ConsoleModelView):
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
        "reason_code": "Reason",
        "started_at": "Started",
        "decided_by": "Decided by",
        "review_requested_at": "Review requested",
        "review_outcome": "Review",
    }
    column_formatters = {"reason_code": _reason, "active": _active}
    column_formatters_detail = column_formatters
    column_formatters_export = {
        "reason_code": _reason,
        "active": lambda v, c, m, n: "yes" if m.active else "no",
    }
    column_sortable_list = ["started_at", "ended_at"]
    column_default_sort = ("started_at", True)
    column_filters = [ActiveFilter(), "reason_code", "started_at", "review_outcome"]
    reference_searches = {"PRV": "provider_id"}

    def get_query(self):
        return (
            super().get_query().options(joinedload(Restriction.provider), joinedload(Restriction.decided_by))
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
            f"{provider} is restricted; the provider is being notified.",
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
                "Restriction lifted.",
            )
        else:
            flash("Give the reason for lifting (at most 5000 characters).", "danger")
        return self._back(restriction)

    @expose("/request-review/<int:restriction_id>", methods=("POST",))
    def request_review(self, restriction_id: int):
        restriction, form = self._load(restriction_id), TextForm()
        if form.validate_on_submit():
            attempt_decision(
                lambda: services.request_review(
                    restriction, text=form.text.data, actor=current_user, now=utcnow()
                ),
                "Review request recorded.",
            )
        else:
            flash("Write down what the provider asks (at most 5000 characters).", "danger")
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
                "Review decided; the provider is being notified.",
            )
        else:
            flash("Choose an outcome and give the reasons (at most 5000 characters).", "danger")
        return self._back(restriction)


def register(admin) -> None:
    admin.add_view(
        RestrictionProposalAdmin(
            RestrictionProposal, name="Restriction queue", endpoint="proposals", category="Trust & safety"
        )
    )
    admin.add_view(
        RestrictionAdmin(Restriction, name="Restrictions", endpoint="restrictions", category="Trust & safety")
    )
