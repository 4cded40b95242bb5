"""Console screens for webhooks (managers, admins): endpoints, the delivery log, the events."""

from __future__ import annotations

from flask import flash, redirect
from flask_admin import expose
from flask_admin.actions import action
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from flask_wtf import FlaskForm
from markupsafe import Markup
from wtforms import SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from api.webhooks import services
from api.webhooks.models import WebhookDelivery, WebhookEndpoint
from console import events, submissions
from console.admin_base import ConsoleModelView, parse_id
from console.counts import count_label
from console.db import db, utcnow
from console.domain import DomainError, Role

STAFF = frozenset({Role.MANAGER, Role.ADMIN})


class RegisterForm(FlaskForm):
    url = StringField(_l("URL"), validators=[DataRequired(), Length(max=2000)])
    description = StringField(_l("Description"), validators=[Optional(), Length(max=200)])
    event_types = SelectMultipleField(
        _l("Event types"),
        choices=[SelectChoice(kind, kind) for kind in events.EVENT_TYPES],
        default=[events.ELIGIBILITY_CHANGED],
        option_widget=CheckboxInput(),
        widget=ListWidget(prefix_label=False),
        validators=[DataRequired()],
    )
    submission_token = submissions.token_field()  # sent twice, registered once


def _types(view, context, model, name) -> str:
    return ", ".join(model.event_types or [])


class WebhookEndpointAdmin(ConsoleModelView):
    roles = STAFF
    action_roles = {"disable": STAFF, "enable": STAFF, "delete_endpoints": STAFF}
    method_roles = {"register": STAFF}
    column_list = ["id", "url", "description", "event_types", "active", "failing_since", "disabled_reason",
                   "created_at", "created_by"]  # fmt: skip
    column_details_exclude_list = ["secret_encrypted"]
    column_filters = ["active", "created_at"]
    column_searchable_list = ["url", "description"]
    column_default_sort = ("id", True)
    column_labels = {
        "id": _l("Id"), "url": _l("URL"), "description": _l("Description"), "event_types": _l("Event types"),
        "active": _l("Active"), "failing_since": _l("Failing since"), "disabled_at": _l("Disabled"),
        "disabled_reason": _l("Why disabled"), "created_at": _l("Registered"),
        "created_by": _l("Registered by"),
        "secret_prefix": _l("Secret starts with"), "api_client_id": _l("API client"),
    }  # fmt: skip
    column_formatters = {"event_types": _types}
    column_formatters_detail = column_formatters
    export_roles = frozenset()
    simple_list_pager = True
    list_template = "api/webhook_endpoint_list.html"

    @expose("/register/", methods=("GET", "POST"))
    def register(self):
        """Register an endpoint; the secret is shown on the answer page, once."""
        form = RegisterForm()
        if form.validate_on_submit():
            try:
                submissions.claim(form.submission_token.data, record_type=WebhookEndpoint, now=utcnow())
                endpoint, secret = services.register_endpoint(
                    url=form.url.data, event_types=form.event_types.data, description=form.description.data,
                    actor=current_user, now=utcnow(),
                )  # fmt: skip
                db.session.commit()
            except submissions.AlreadySubmitted as exc:  # its secret was shown to the first request
                db.session.rollback()
                flash(str(exc), "info")
                key = (
                    parse_id(exc.submission.object_id)
                    if exc.submission and exc.submission.object_id
                    else None
                )
                return redirect(self.get_url(".details_view", id=key) if key else self.get_url(".index_view"))
            except DomainError as exc:
                db.session.rollback()
                form.url.errors = [*form.url.errors, str(exc)]
            else:
                return self.render("api/webhook_secret.html", endpoint=endpoint, secret=secret)
        return self.render("api/webhook_register.html", form=form)

    @action("disable", _l("Disable"), _l("Stop sending to the selected endpoints?"))
    def action_disable(self, ids):
        self.run_for_each(ids, services.disable_endpoint, done=_("Disabled"))

    @action("enable", _l("Enable"), _l("Send to the selected endpoints again?"))
    def action_enable(self, ids):
        self.run_for_each(ids, services.enable_endpoint, done=_("Enabled"))

    @action("delete_endpoints", _l("Delete"), _l("Delete the selected endpoints and their delivery log?"))
    def action_delete_endpoints(self, ids):
        self.run_for_each(ids, services.delete_endpoint, done=_("Deleted"))


def _status(view, context, model, name) -> str:
    return model.status.label


def _duration(view, context, model, name) -> str:
    return "" if model.last_duration_ms is None else _("%(ms)s ms", ms=model.last_duration_ms)


def _event(view, context, model, name) -> Markup:
    return Markup("<code>{}</code> {}").format(model.webhook_id, model.event.type)


class WebhookDeliveryAdmin(ConsoleModelView):
    roles = STAFF
    action_roles = {"replay": STAFF}
    column_list = ["created_at", "endpoint", "event", "sequence", "status", "attempts", "last_response_code",
                   "last_duration_ms", "last_attempt_at", "next_attempt_at", "last_error"]  # fmt: skip
    column_filters = ["status", "endpoint_id", "provider_id", "created_at"]
    column_default_sort = ("id", True)
    column_labels = {
        "created_at": _l("Created"), "endpoint": _l("Endpoint"), "endpoint_id": _l("Endpoint id"),
        "event": _l("Event"), "sequence": _l("Sequence"), "status": _l("Status"), "attempts": _l("Attempts"),
        "last_response_code": _l("Response code"), "last_duration_ms": _l("Time"),
        "last_attempt_at": _l("Last attempt"), "next_attempt_at": _l("Next attempt"),
        "last_error": _l("Last error"), "provider_id": _l("Provider id"), "finished_at": _l("Finished"),
    }  # fmt: skip
    column_formatters = {"status": _status, "last_duration_ms": _duration, "event": _event}
    column_formatters_detail = column_formatters
    column_sortable_list = ["created_at", "status"]  # indexed: the table grows with every event
    export_roles = frozenset()
    simple_list_pager = True

    def home_badge(self) -> str | None:
        failed = services.failed_count()
        return (
            ngettext("%(num)s failed webhook", "%(num)s failed webhooks", failed, num=count_label(failed))
            if failed
            else None
        )

    @action("replay", _l("Replay"), _l("Send the selected deliveries again?"))
    def action_replay(self, ids):
        self.run_for_each(ids, services.replay, done=_("Queued again"))


class IntegrationEventAdmin(ConsoleModelView):
    roles = STAFF
    column_list = ["id", "type", "provider_id", "sequence", "occurred_at", "fanned_out_at"]
    column_filters = ["type", "provider_id", "occurred_at"]
    column_default_sort = ("id", True)
    column_labels = {
        "id": _l("Id"), "type": _l("Type"), "provider_id": _l("Provider id"), "sequence": _l("Sequence"),
        "occurred_at": _l("Occurred"), "fanned_out_at": _l("Fanned out"), "payload": _l("Content"),
    }  # fmt: skip
    column_sortable_list = ["id"]  # events are numbered as they occur: id order is time order
    export_roles = frozenset()
    simple_list_pager = True


def register(admin) -> None:
    category = _l("Integration")
    admin.add_view(WebhookEndpointAdmin(WebhookEndpoint, name=_l("Webhook endpoints"),
                                        endpoint="webhook_endpoints", category=category))  # fmt: skip
    admin.add_view(WebhookDeliveryAdmin(WebhookDelivery, name=_l("Webhook deliveries"),
                                        endpoint="webhook_deliveries", category=category))  # fmt: skip
    admin.add_view(IntegrationEventAdmin(events.IntegrationEvent, name=_l("Integration events"),
                                         endpoint="integration_events", category=category))  # fmt: skip
