"""Read-only audit viewer (managers, admins)."""

from __future__ import annotations

import json

from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from console.admin_base import ConsoleModelView
from console.audit.models import AuditEvent
from console.domain import Role


def _changes(view, context, model, name) -> Markup:
    if not model.changes:
        return Markup("")
    text = json.dumps(model.changes, ensure_ascii=False, sort_keys=True)
    return Markup("<code>{}</code>").format(text[:400] + ("…" if len(text) > 400 else ""))


class AuditEventAdmin(ConsoleModelView):
    roles = frozenset({Role.MANAGER, Role.ADMIN})
    can_view_details = True
    column_list = [
        "seq",
        "occurred_at",
        "actor",
        "action",
        "object_type",
        "object_id",
        "purpose",
        "ip",
        "changes",
    ]
    column_details_exclude_list = ["hash", "prev_hash"]
    column_formatters = {"changes": _changes}
    column_filters = ["actor", "action", "object_type", "object_id", "occurred_at"]
    column_searchable_list = ["actor", "action", "object_id"]
    column_default_sort = ("seq", True)
    column_labels = {
        "seq": "#",
        "occurred_at": _l("When"),
        "actor": _l("Actor"),
        "action": _l("Action"),
        "object_type": _l("Object"),
        "object_id": _l("Id"),
        "purpose": _l("Purpose"),
        "ip": _l("IP address"),
        "changes": _l("Changes"),
        "user_agent": _l("Browser"),
    }
    simple_list_pager = True  # the trail grows without bound: no count(*) per page
    export_roles = frozenset({Role.ADMIN})

    column_export_exclude_list = ["hash", "prev_hash"]


def register(admin) -> None:
    admin.add_view(
        AuditEventAdmin(AuditEvent, name=_l("Audit trail"), endpoint="audit", category=_l("Administration"))
    )
