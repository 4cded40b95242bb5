"""Review screens: the read-only review list, reviews waiting for moderation, the flag queue, a
review's page.

The review's text is shown, never editable; publishing, hiding and restoring go through
`reviews.services`.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask import abort, flash, g, redirect, request, url_for
from flask_admin import expose
from flask_admin.actions import action
from flask_babel import LazyString
from flask_login import current_user
from flask_wtf import FlaskForm
from markupsafe import Markup
from sqlalchemy.orm import selectinload
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, DataRequired, Length, Optional

from console.admin_base import ConsoleModelView, EnumEqual, EnumNotEqual, attempt_decision, parse_id
from console.counts import count_label
from console.db import db, utcnow
from console.domain import Role, _, ngettext
from console.forms import form_errors
from console.i18n import lazy_gettext as _l
from reviews import services
from reviews import workflow as wf
from reviews.models import Review, ReviewFlag
from reviews.workflow import ModerationStatus

AGENTS = frozenset({Role.SUPPORT_AGENT, Role.MANAGER})


def _reason_choices() -> list[SelectChoice]:
    return [SelectChoice("", "—")] + [
        SelectChoice(code, LazyString(lambda code=code: wf.hide_reasons()[code]))
        for code in wf.HIDE_REASON_CODES
    ]


def _moderation_status(view, context, model, name) -> str:
    return model.moderation_status.label


MODERATION_FILTER_OPTIONS = [(m.value, LazyString(lambda m=m: m.label)) for m in ModerationStatus]


class ModerationForm(FlaskForm):
    event = StringField(validators=[DataRequired(), Length(max=10)])
    expected_status = HiddenField(
        validators=[
            Optional(),
            AnyOf([m.value for m in ModerationStatus], message=_l("Reload the page and try again.")),
        ]
    )
    reason_code = SelectField(
        _l("Reason (sent to the author)"),
        choices=_reason_choices(),
        validate_choice=False,
    )
    note = TextAreaField(_l("Internal note (optional)"), validators=[Optional(), Length(max=wf.REASON_MAX)])


class ReportForm(FlaskForm):
    detail = TextAreaField(
        _l("What the person reporting it says"), validators=[DataRequired(), Length(max=500)]
    )


def _reference(view, context, model, name) -> Markup:
    return Markup('<a href="{}" data-testid="moderate-{}">{}</a>').format(
        url_for("moderation.review", review_id=model.id), model.id, model.reference
    )


def _excerpt(view, context, model, name) -> str:
    text = model.text or ""
    return text[:160] + ("…" if len(text) > 160 else "")


def _provider(view, context, model, name) -> str:
    return model.provider.reference


def _flags(view, context, model, name) -> str:
    return ", ".join(f.rule.label for f in context.get("open_flags", {}).get(model.id, []))


@dataclass(frozen=True)
class ReviewPanel:
    review: Review
    rules: dict
    flags: list[ReviewFlag]
    history: list
    reasons: dict[str, str]
    events: list[str]
    event_labels: dict[str, str]


class ModerationQueueAdmin(ConsoleModelView):
    """Reviews waiting for moderation, oldest first; bulk publish, or open one to hide it."""

    access_kind = "review"
    access_purpose = "moderation"
    access_methods = ("details_view", "edit_view", "review")

    roles = AGENTS
    export_roles = frozenset()
    action_roles = {"publish": AGENTS}
    method_roles = {"review": AGENTS, "moderate": AGENTS, "report": AGENTS, "keep": AGENTS}
    can_view_details = False
    column_display_actions = False
    column_list = ["id", "submitted_at", "rating", "text", "provider", "flags"]
    column_labels = {
        "id": _l("Reference"),
        "submitted_at": _l("Submitted"),
        "rating": _l("Rating"),
        "text": _l("Text"),
        "provider": _l("Provider"),
        "flags": _l("Open flags"),
    }
    column_formatters = {"id": _reference, "text": _excerpt, "provider": _provider, "flags": _flags}
    column_sortable_list = ["submitted_at", "rating"]
    column_default_sort = [("submitted_at", False), ("id", False)]
    column_filters = ["rating"]
    reference_searches = {"REV": "id", "PRV": "provider_id"}

    def _only(self, query):
        return query.filter(Review.moderation_status == ModerationStatus.PENDING)

    def get_query(self):
        return self._only(super().get_query()).options(selectinload(Review.provider))

    def get_count_query(self):
        return self._only(super().get_count_query())

    def get_list(self, *args, **kwargs):
        count, rows = super().get_list(*args, **kwargs)
        ids = [r.id for r in rows]
        flags: dict[int, list[ReviewFlag]] = {}
        if ids:
            for flag in db.session.scalars(
                sa.select(ReviewFlag).where(ReviewFlag.review_id.in_(ids), ReviewFlag.resolved_at.is_(None))
            ):
                flags.setdefault(flag.review_id, []).append(flag)
        g.open_review_flags = flags  # per request: views are shared between threads
        return count, rows

    def render(self, template: str, **kwargs):
        kwargs.setdefault("open_flags", g.get("open_review_flags", {}))
        return super().render(template, **kwargs)

    def home_badge(self) -> str | None:
        count = self.get_count_query().scalar()
        return (
            ngettext("%(num)s to moderate", "%(num)s to moderate", count, num=count_label(count))
            if count
            else None
        )

    @action("publish", _l("Publish"), _l("Publish the selected reviews as they are?"))
    def action_publish(self, ids):
        self.run_for_each(
            ids,
            lambda review, actor, now: services.moderate(review, "publish", actor=actor, now=now),
            done=_("Published"),
        )

    # -- a review's page --

    def _load(self, review_id: int) -> Review:
        key = parse_id(review_id)
        review = db.session.get(Review, key) if key else None
        if review is None:
            abort(404)
        return review

    def _back(self, review: Review):
        return redirect(url_for(".review", review_id=review.id))

    @expose("/review/<int:review_id>")
    def review(self, review_id: int):
        review = self._load(review_id)
        panel = ReviewPanel(
            review=review,
            rules=wf.flag_rules(review.text),
            flags=services.open_flags(review.id),
            history=services.moderation_history(review.id),
            reasons=wf.hide_reasons(),
            events=wf.allowed_events(review.moderation_status),
            event_labels={event: wf.event_label(event) for event in wf.MODERATION_EVENTS},
        )
        return self.render("reviews/review_moderate.html", panel=panel, access_record=review)

    @expose("/moderate/<int:review_id>", methods=("POST",))
    def moderate(self, review_id: int):
        review, form = self._load(review_id), ModerationForm()
        if form.validate_on_submit():
            event = form.event.data
            attempt_decision(
                lambda: services.moderate(
                    review,
                    services.parse_event(event),
                    actor=current_user,
                    now=utcnow(),
                    reason_code=form.reason_code.data or None,
                    note=form.note.data,
                    expected_status=form.expected_status.data or None,
                ),
                _("%(reference)s hidden. The author is being told why.", reference=review.reference)
                if event == "hide"
                else _(
                    "%(reference)s: %(step)s done.",
                    reference=review.reference,
                    step=wf.event_label(event).lower(),
                ),
            )
        else:
            flash(form_errors(form), "danger")
        if request.form.get("next") == "queue":
            return redirect(url_for(".index_view"))
        return self._back(review)

    @expose("/keep/<int:review_id>", methods=("POST",))
    def keep(self, review_id: int):
        review = self._load(review_id)
        if FlaskForm().validate_on_submit():
            attempt_decision(
                lambda: services.dismiss_flags(review, actor=current_user, now=utcnow()),
                _(
                    "%(reference)s stays %(status)s; its flags are closed.",
                    reference=review.reference,
                    status=review.moderation_status.label.lower(),
                ),
            )
        return self._back(review)

    @expose("/report/<int:review_id>", methods=("POST",))
    def report(self, review_id: int):
        review, form = self._load(review_id), ReportForm()
        if form.validate_on_submit():
            attempt_decision(
                lambda: services.report_review(
                    review, detail=form.detail.data, actor=current_user, now=utcnow()
                ),
                _("%(reference)s is in the flag queue.", reference=review.reference),
            )
        else:
            flash(form_errors(form), "danger")
        return self._back(review)


class FlagQueueAdmin(ModerationQueueAdmin):
    """Reviews reported by users or matching a rule (contact details, insults, card numbers)."""

    action_roles = {"publish": AGENTS}
    method_roles: dict = {}

    def _only(self, query):
        return query.filter(Review.has_open_flag)  # read from its partial indexes, in either sort

    def home_badge(self) -> str | None:
        count = self.get_count_query().scalar()
        return (
            ngettext("%(num)s flagged", "%(num)s flagged", count, num=count_label(count)) if count else None
        )


# --- the review records (read-only) -----------------------------------------------------------


def _record_reference(view, context, model, name) -> str:
    return model.reference


def _record_excerpt(view, context, model, name) -> str:
    text = model.text or ""
    return text[:140] + ("…" if len(text) > 140 else "")


class ReviewAdmin(ConsoleModelView):
    """Read-only here; moderation is in the moderation queue and on a review's page."""

    access_kind = "review"

    roles = AGENTS
    export_roles = frozenset()
    simple_list_pager = True
    column_list = ["id", "submitted_at", "rating", "text", "provider", "booking", "moderation_status"]
    column_details_list = [
        "id",
        "submitted_at",
        "rating",
        "text",
        "provider",
        "client",
        "booking",
        "moderation_status",
    ]
    column_labels = {
        "id": _l("Reference"),
        "submitted_at": _l("Submitted"),
        "rating": _l("Rating"),
        "text": _l("Text"),
        "provider": _l("Provider"),
        "client": _l("Client"),
        "booking": _l("Booking"),
        "moderation_status": _l("Moderation"),
    }
    column_formatters = {
        "id": _record_reference,
        "text": _record_excerpt,
        "moderation_status": _moderation_status,
    }
    column_formatters_detail = {"id": _record_reference, "moderation_status": _moderation_status}
    column_sortable_list = ["id", "submitted_at", "rating"]
    column_default_sort = ("id", True)
    column_searchable_list = ["text"]
    reference_searches = {"REV": "id", "PRV": "provider_id", "BKG": "booking_id", "CLI": "client_id"}
    column_filters = [
        "rating",
        EnumEqual(Review.moderation_status, _l("Moderation"), options=MODERATION_FILTER_OPTIONS),
        EnumNotEqual(Review.moderation_status, _l("Moderation"), options=MODERATION_FILTER_OPTIONS),
        "submitted_at",
    ]

    def get_query(self):
        return (
            super()
            .get_query()
            .options(selectinload(Review.provider), selectinload(Review.booking), selectinload(Review.client))
        )


def register(admin) -> None:
    category = _l("Disputes and reviews")
    admin.add_view(ReviewAdmin(Review, name=_l("Reviews"), endpoint="reviews", category=category))
    admin.add_view(
        ModerationQueueAdmin(Review, name=_l("Reviews to moderate"), endpoint="moderation", category=category)
    )
    admin.add_view(FlagQueueAdmin(Review, name=_l("Flagged reviews"), endpoint="flags", category=category))
