"""The macros' screens: managers write the team's and see all; an agent the team's and their own."""

from __future__ import annotations

from flask import abort, flash, request
from flask_admin.model.template import EditRowAction
from flask_login import current_user

from console.admin_base import ConsoleModelView, parse_id
from console.db import db, utcnow
from console.domain import DomainError, Role, _
from console.i18n import lazy_gettext as _l
from disputes.complaints import macros
from disputes.complaints.forms import MacroForm, enum_label
from disputes.complaints.models import Macro

AGENTS = frozenset({Role.SUPPORT_AGENT, Role.MANAGER})
MANAGERS = frozenset({Role.MANAGER})


class EditOwnMacroAction(EditRowAction):
    """The list's pencil, shown only on the macros the person may change."""

    def render(self, context, row_id, row):
        if not macros.may_edit(row, current_user):
            return ""
        return super().render(context, row_id, row)


class MacroAdmin(ConsoleModelView):
    """Macros: managers write the team's and see all; an agent sees the team's and writes their own."""

    roles = AGENTS
    create_roles = edit_roles = AGENTS
    export_roles = frozenset()
    column_list = ["title", "body", "recipient", "then", "owner", "active", "updated_at"]
    column_labels = {
        "title": _l("Title"),
        "body": _l("Text of the reply"),
        "recipient": _l("Written to"),
        "then": _l("Button offered"),
        "owner": _l("Whose"),
        "active": _l("Offered to the agents"),
        "updated_at": _l("Updated"),
        "updated_by": _l("Updated by"),
    }
    column_formatters = {
        "body": lambda v, c, m, n: m.body[:120] + ("…" if len(m.body) > 120 else ""),
        "recipient": enum_label,
        "then": enum_label,
        "owner": lambda v, c, m, n: m.owner.full_name if m.owner else _("The team"),
    }
    column_default_sort = "title"
    form = MacroForm

    def _visible(self, query):
        if current_user.has_any_role(MANAGERS):
            return query
        return query.filter(macros.visible_to(current_user.id))

    def get_query(self):
        return self._visible(super().get_query())

    def get_count_query(self):
        return self._visible(super().get_count_query())

    @property
    def can_edit(self) -> bool:  # type: ignore[override]
        """On a macro's page, "Edit" is offered only to the people who may change that macro."""
        if not super().can_edit:
            return False
        if request.endpoint and request.endpoint.endswith("details_view"):
            shown = db.session.get(Macro, parse_id(request.args.get("id")))
            return shown is None or macros.may_edit(shown, current_user)
        return True

    def get_list_row_actions(self):
        return [
            EditOwnMacroAction() if isinstance(action, EditRowAction) else action
            for action in super().get_list_row_actions()
        ]

    def get_one(self, id):
        found = super().get_one(id)
        if (
            found is not None
            and not macros.may_edit(found, current_user)
            and request.endpoint.endswith("edit_view")
        ):
            abort(403)
        return found

    def on_form_prefill(self, form, id):
        model = db.session.get(Macro, parse_id(id))
        if model is not None:
            form.shared.data = model.owner_id is None
            form.set_category.data = model.set_category.value if model.set_category else ""
            form.set_severity.data = model.set_severity.value if model.set_severity else ""

    def _save(self, form, macro):
        fields = macros.MacroFields(
            title=form.title.data,
            body=form.body.data,
            active=form.active.data,
            shared=form.shared.data,
            recipient=form.recipient.data,
            then=form.then.data,
            set_category=form.set_category.data or None,
            set_severity=form.set_severity.data or None,
            note=form.note.data,
        )
        try:
            saved = macros.save_macro(macro, fields=fields, actor=current_user, now=utcnow())
            db.session.commit()
            return saved
        except DomainError as exc:
            db.session.rollback()
            flash(str(exc), "danger")
        return False

    def create_model(self, form):
        return self._save(form, None)

    def update_model(self, form, model):
        return bool(self._save(form, model))
