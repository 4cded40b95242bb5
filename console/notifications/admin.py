"""The outbox screen: what was sent, what failed, what stays unsent for lack of SMTP."""

from __future__ import annotations

from console.admin_base import ConsoleModelView
from console.domain import Role
from console.notifications.models import Notification


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
    column_labels = {"last_error": "Last error"}
    export_roles = frozenset()
    simple_list_pager = True


def register(admin) -> None:
    admin.add_view(
        NotificationAdmin(Notification, name="Outbox", endpoint="outbox", category="Administration")
    )
