"""Read-only audit viewer (managers, admins)."""

from __future__ import annotations

import json
from datetime import datetime

from markupsafe import Markup
from sqlalchemy.orm import selectinload

from console.admin_base import ConsoleModelView
from console.audit.labels import action_label, field_label, object_label, purpose_label
from console.audit.models import AuditEvent
from console.domain import Role, _
from console.formatting import format_datetime
from console.i18n import lazy_gettext as _l


def _changes(view, context, model, name) -> Markup:
    """Each changed field by its name in words; the values as recorded (the stored JSON on hover)."""
    changes = model.shown_changes
    if not changes:
        return Markup("")
    if not isinstance(changes, dict):
        return Markup("<code>{}</code>").format(_short(json.dumps(changes, ensure_ascii=False)))
    parts = []
    for key, value in sorted(changes.items()):
        if isinstance(value, dict) and {"before", "after"} <= value.keys():
            shown = _(
                "%(field)s: %(before)s → %(after)s",
                field=field_label(key),
                before=_value(value["before"]),
                after=_value(value["after"]),
            )
        else:
            shown = _("%(field)s: %(value)s", field=field_label(key), value=_value(value, quoted=True))
        parts.append(shown)
    raw = json.dumps(changes, ensure_ascii=False, sort_keys=True)
    return Markup('<span title="{}">{}</span>').format(_short(raw), _short("; ".join(parts)))


def _value(value, *, quoted: bool = False) -> str:
    """A recorded value as read: a stored time (ISO, with its offset) in Paris time; others as
    recorded (JSON when `quoted`)."""
    if isinstance(value, str) and len(value) >= 19 and value[4:5] == "-" and value[10:11] in ("T", " "):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            moment = None
        if moment is not None and moment.tzinfo is not None:
            return format_datetime(moment)
    return json.dumps(value, ensure_ascii=False) if quoted else value


def _short(text: str) -> str:
    return text[:400] + ("…" if len(text) > 400 else "")


def _action(view, context, model, name) -> Markup:
    """The action in words, its code on hover (filters and searches use the code)."""
    return Markup('<span title="{}">{}</span>').format(model.action, action_label(model.action))


def _object(view, context, model, name) -> str:
    return object_label(model.object_type)


def _purpose(view, context, model, name) -> str:
    return purpose_label(model.purpose)


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
    column_formatters = {"changes": _changes, "action": _action, "object_type": _object, "purpose": _purpose}
    column_filters = ["actor", "action", "object_type", "object_id", "occurred_at"]
    column_searchable_list = ["actor", "action", "object_id"]
    column_default_sort = ("seq", True)
    column_sortable_list = ["seq", "occurred_at", "actor", "action", "object_type"]  # each one indexed
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

    column_export_exclude_list = ["hash", "prev_hash", "personal"]
    column_details_exclude_list = ["hash", "prev_hash", "personal"]
    column_formatters_export = {"changes": lambda view, context, model, name: json.dumps(model.shown_changes)}

    def get_query(self):
        return super().get_query().options(selectinload(AuditEvent.personal))  # no query per row


def register(admin) -> None:
    admin.add_view(
        AuditEventAdmin(AuditEvent, name=_l("Audit trail"), endpoint="audit", category=_l("Administration"))
    )
