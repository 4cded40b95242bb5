"""The outbox screen: what was sent, what failed, what stays unsent for lack of SMTP."""

from __future__ import annotations

from flask_admin.actions import action
from flask_login import current_user
from markupsafe import Markup

from console.admin_base import ConsoleModelView
from console.counts import count_label
from console.domain import Role
from console.i18n import gettext as _
from console.i18n import lazy_gettext as _l
from console.i18n import ngettext
from console.notifications import services
from console.notifications.models import Notification
from console.notifications.services import NO_SMTP


def _last_error(view, context, model, name) -> Markup | str:
    """What went wrong in words; the mail server's own answer on hover."""
    if model.last_error == NO_SMTP:
        return _("not sent: no SMTP configured")
    if not model.last_error:
        return ""
    return Markup('<span title="{}">{}</span>').format(
        model.last_error, services.error_words(model.last_error)
    )


class NotificationAdmin(ConsoleModelView):
    roles = frozenset({Role.MANAGER, Role.ADMIN, Role.SUPPORT_AGENT, Role.VETTING_OFFICER})
    column_list = [
        "created_at",
        "recipient",
        "template",
        "subject",
        "status",
        "attempts",
        "last_error",
        "sent_at",
    ]
    column_filters = ["status", "template", "recipient", "created_at"]
    column_searchable_list = ["recipient", "subject"]
    column_default_sort = ("created_at", True)
    column_sortable_list = ["created_at", "status"]  # indexed: the outbox grows with every message
    column_labels = {
        "created_at": _l("Created"),
        "recipient": _l("Recipient"),
        "template": _l("Template"),
        "subject": _l("Subject"),
        "status": _l("Status"),
        "attempts": _l("Attempts"),
        "last_error": _l("Last error"),
        "sent_at": _l("Sent"),
        "body": _l("Message"),
        "related_type": _l("Related record"),
        "related_id": _l("Related id"),
        "next_attempt_at": _l("Next attempt"),
        "retry_until": _l("Retried until"),
    }
    column_formatters = {"last_error": _last_error}
    column_formatters_detail = column_formatters
    export_roles = None  # the list roles; rows filtered by role and kind of message like the list
    simple_list_pager = True
    action_roles = {"resend": frozenset({Role.MANAGER, Role.ADMIN})}

    def home_badge(self) -> str | None:
        """Messages the outbox gave up on after its retry window: a manager decides to resend them."""
        failed = services.failed_count(current_user.roles)
        return (
            ngettext("%(num)s failed message", "%(num)s failed messages", failed, num=count_label(failed))
            if failed
            else None
        )

    def get_query(self):
        return super().get_query().filter(services.readable_by(current_user.roles))

    def get_count_query(self):
        return super().get_count_query().filter(services.readable_by(current_user.roles))

    @action("resend", _l("Resend"), _l("Send the selected failed messages again?"))
    def action_resend(self, ids):
        self.run_for_each(ids, services.resend, done=_("Put back in the outbox"))


def register(admin) -> None:
    admin.add_view(
        NotificationAdmin(Notification, name=_l("Outbox"), endpoint="outbox", category=_l("Administration"))
    )
