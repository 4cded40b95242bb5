"""Console screens for policy versions, cancellation terms and announcement campaigns, and the
public pages of each published version (no sign-in: the marketplace links to them)."""

from __future__ import annotations

from datetime import UTC, datetime, time

from flask import Blueprint, abort, flash, redirect, render_template
from flask_admin import expose
from flask_admin.actions import action
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from console.access import public
from console.admin_base import ConsoleModelView, attempt_decision
from console.business_time import PARIS
from console.db import db, utcnow
from console.domain import DomainError, Role
from policy import campaign, reporting, services
from policy.models import CancellationTerms, PolicyCampaign, PolicyVersion

MANAGERS = frozenset({Role.MANAGER})
READERS = frozenset({Role.MANAGER, Role.ADMIN})


def _paris_midnight(day) -> datetime:
    """The start of `day` in Paris, as a UTC instant."""
    return datetime.combine(day, time(0, 0), PARIS).astimezone(UTC)


class VersionForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    body = TextAreaField(_l("Text (French, Markdown)"), validators=[DataRequired()])
    summary = TextAreaField(_l("Summary of changes"), validators=[DataRequired()])
    effective_on = DateField(_l("Takes effect on"), validators=[InputRequired()])
    significant = BooleanField(_l("Significant change (announced to every active client)"))


class TermsForm(FlaskForm):
    label = StringField(
        _l("Version (as the marketplace names it, e.g. 2026-03)"), validators=[DataRequired()]
    )
    effective_on = DateField(_l("Takes effect on"), validators=[InputRequired()])
    free_hours = IntegerField(_l("Free when cancelled at least this many hours before"),
                              validators=[InputRequired(), NumberRange(0, 24 * 30)])  # fmt: skip
    late_percent = IntegerField(
        _l("Fee after that (percent of the price)"), validators=[InputRequired(), NumberRange(0, 100)]
    )
    no_show_percent = IntegerField(
        _l("No-show fee (percent of the price)"), validators=[InputRequired(), NumberRange(0, 100)]
    )
    summary = TextAreaField(_l("Summary"), validators=[Optional()])


def _status(view, context, model, name) -> str:
    return model.status.label


class PolicyVersionAdmin(ConsoleModelView):
    """Versions of the customer protection policy: a manager drafts, another publishes."""

    roles = READERS
    action_roles = {"submit": MANAGERS, "send_back": MANAGERS, "publish": MANAGERS, "announce": MANAGERS}
    method_roles = {"draft": MANAGERS}
    column_list = ["number", "title", "status", "significant", "effective_at", "published_at", "drafted_by",
                   "published_by"]  # fmt: skip
    column_labels = {
        "number": _l("Version"), "title": _l("Title"), "status": _l("Status"),
        "significant": _l("Significant"),
        "effective_at": _l("Takes effect"), "published_at": _l("Published"), "drafted_by": _l("Drafted by"),
        "published_by": _l("Published by"),
    }  # fmt: skip
    column_formatters = {"status": _status}
    column_default_sort = ("number", True)
    details_template = "policy/version_details.html"
    list_template = "policy/version_list.html"

    def render(self, template, **kwargs):
        model = kwargs.get("model")
        if template == self.details_template and model is not None:
            kwargs |= {
                "rendered": services.render_markdown(model.body),
                "diff": services.version_diff(model),
                "campaign": db.session.query(PolicyCampaign)
                .filter_by(policy_version_id=model.id)
                .one_or_none(),
            }
        return super().render(template, **kwargs)

    @expose("/draft/", methods=("GET", "POST"))
    def draft(self):
        form = VersionForm()
        if form.validate_on_submit():
            try:
                version = services.draft_version(
                    title=form.title.data, body=form.body.data, summary=form.summary.data,
                    effective_at=_paris_midnight(form.effective_on.data), significant=form.significant.data,
                    actor=current_user, now=utcnow(),
                )  # fmt: skip
                db.session.commit()
            except DomainError as exc:
                db.session.rollback()
                flash(str(exc), "danger")
            else:
                return redirect(self.get_url(".details_view", id=version.id))
        return self.render("policy/version_form.html", form=form)

    @action("submit", _l("Submit for review"), _l("Hand the selected drafts over for review?"))
    def action_submit(self, ids):
        self.run_for_each(ids, services.submit_version, done=_("Submitted"))

    @action("send_back", _l("Send back to draft"), _l("Send the selected versions back to draft?"))
    def action_send_back(self, ids):
        self.run_for_each(ids, services.return_version, done=_("Sent back"))

    @action("publish", _l("Publish"), _l("Publish the selected versions? This cannot be undone."))
    def action_publish(self, ids):
        self.run_for_each(ids, services.publish_version, done=_("Published"))

    @action(
        "announce", _l("Announce to clients"), _l("E-mail every active client about the selected versions?")
    )
    def action_announce(self, ids):
        self.run_for_each(ids, campaign.start_campaign, done=_("Announcement started"))


class CancellationTermsAdmin(ConsoleModelView):
    roles = READERS
    method_roles = {"add": MANAGERS}
    column_list = ["label", "effective_at", "fee_tiers", "no_show_percent", "published_at", "summary"]
    column_labels = {
        "label": _l("Version"), "effective_at": _l("Takes effect"), "fee_tiers": _l("Fees by notice"),
        "no_show_percent": _l("No-show fee (%)"), "published_at": _l("Recorded"), "summary": _l("Summary"),
    }  # fmt: skip
    column_formatters = {
        "fee_tiers": lambda v, c, m, n: ", ".join(
            _("%(percent)s %% from %(hours)s h before", percent=t.percent, hours=t.notice_hours)
            for t in m.tiers
        )
    }
    column_default_sort = ("effective_at", True)
    list_template = "policy/terms_list.html"

    @expose("/add/", methods=("GET", "POST"))
    def add(self):
        form = TermsForm()
        if form.validate_on_submit():
            ok = attempt_decision(
                lambda: services.create_terms(
                    label=form.label.data.strip(), effective_at=_paris_midnight(form.effective_on.data),
                    tiers=[(form.free_hours.data, 0), (0, form.late_percent.data)],
                    no_show_percent=form.no_show_percent.data, summary=form.summary.data,
                    actor=current_user, now=utcnow(),
                ),
                _("Cancellation terms recorded."),
            )  # fmt: skip
            if ok:
                return redirect(self.get_url(".index_view"))
        return self.render("policy/terms_form.html", form=form)


class PolicyCampaignAdmin(ConsoleModelView):
    """Announcements of significant versions: progress, counts, failures."""

    roles = READERS
    column_list = ["policy_version", "status", "audience", "queued", "chunks", "started_at", "finished_at"]
    column_labels = {
        "policy_version": _l("Version"), "status": _l("Status"), "audience": _l("Active clients"),
        "queued": _l("Messages written"), "chunks": _l("Chunks"), "started_at": _l("Started"),
        "finished_at": _l("Finished"), "progressed_at": _l("Last chunk written"),
        "next_slot_at": _l("Next sending slot"),
    }  # fmt: skip
    column_details_list = ["policy_version", "status", "audience", "queued", "chunks", "started_at",
                           "progressed_at", "next_slot_at", "finished_at"]  # fmt: skip
    column_formatters = {"status": _status}
    column_default_sort = ("started_at", True)
    details_template = "policy/campaign_details.html"

    def render(self, template, **kwargs):
        model = kwargs.get("model")
        if template == self.details_template and model is not None:
            kwargs |= {
                "counts": reporting.campaign_counts(model),
                "failures": reporting.campaign_failures(model),
            }
        return super().render(template, **kwargs)


bp = Blueprint("policy_public", __name__, url_prefix="/policy")


@bp.get("/versions/<int:number>")
@public
def public_version(number: int):
    version = services.published_version(number)
    if version is None:
        abort(404)
    return render_template(
        "policy/public_version.html", version=version, rendered=services.render_markdown(version.body)
    )


@bp.get("/versions/<int:number>/changes")
@public
def public_diff(number: int):
    version = services.published_version(number)
    if version is None:
        abort(404)
    previous = services.previous_published(version)
    return render_template(
        "policy/public_diff.html", version=version, previous=previous, diff=services.version_diff(version)
    )


def register(admin) -> None:
    category = _l("Client policy")
    admin.add_view(PolicyVersionAdmin(PolicyVersion, name=_l("Policy versions"), endpoint="policy_versions",
                                      category=category))  # fmt: skip
    admin.add_view(CancellationTermsAdmin(CancellationTerms, name=_l("Cancellation terms"),
                                          endpoint="cancellation_terms", category=category))  # fmt: skip
    admin.add_view(PolicyCampaignAdmin(PolicyCampaign, name=_l("Announcements"), endpoint="policy_campaigns",
                                       category=category))  # fmt: skip
    admin.app.register_blueprint(bp)
