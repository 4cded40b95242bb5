"""Macros: a reply with placeholders plus optional actions (status step, category, severity, an
internal note). Managers write the team's; every agent may keep their own."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from console.audit import services as audit
from console.db import db
from console.domain import DomainError, Role, _
from console.formatting import format_datetime
from console.redaction import clean_text
from disputes.complaints import workflow as wf
from disputes.complaints.models import Complaint, EntryKind, Macro
from disputes.complaints.services import _enum, add_note, change_severity, require_staff
from disputes.complaints.workflow import Category, Severity, Then


@dataclass(frozen=True)
class MacroFields:
    title: str
    body: str
    active: bool = True
    shared: bool = False
    recipient: str = EntryKind.TO_CLIENT.value
    then: str = Then.SEND.value
    set_category: str | None = None
    set_severity: str | None = None
    note: str | None = None


def _checked_text(text: str, what: str, limit: int) -> str:
    text = clean_text(text, limit=limit, what=what)
    unknown = wf.unknown_placeholders(text)
    if unknown:
        raise DomainError(
            _(
                "Unknown placeholder %(names)s; use %(known)s.",
                names=", ".join(f"{{{name}}}" for name in unknown),
                known=", ".join(f"{{{name}}}" for name in wf.PLACEHOLDERS),
            )
        )
    return text


def may_edit(macro: Macro, person: Any) -> bool:
    """Managers edit every macro; an agent only their own."""
    return person.has_any_role({Role.MANAGER}) or macro.owner_id == person.id


def save_macro(macro: Macro | None, *, fields: MacroFields, actor: Any, now: datetime) -> Macro:
    """Create or edit a macro: shared ones by managers, personal ones by their agent."""
    person = require_staff(actor)
    if macro is not None and not may_edit(macro, person):
        raise DomainError(
            _("Only a manager or its author can change the macro %(title)r.", title=macro.title)
        )
    title = clean_text(fields.title, limit=120, what=_("title"))
    body = _checked_text(fields.body, _("text of the reply"), wf.BODY_MAX)
    note = None
    if (fields.note or "").strip():
        note = _checked_text(fields.note, _("internal note"), wf.BODY_MAX)
    recipient = _enum(EntryKind, fields.recipient, _("recipient"))
    if recipient not in (EntryKind.TO_CLIENT, EntryKind.TO_PROVIDER, EntryKind.NOTE):
        raise DomainError(_("A macro writes to the client, to the provider or an internal note."))
    clash = db.session.scalar(
        sa.select(Macro.id).where(Macro.title == title, Macro.id != (macro.id if macro else -1))
    )
    if clash is not None:
        raise DomainError(_("A macro called %(title)r already exists.", title=title))
    created = macro is None
    manager = person.has_any_role({Role.MANAGER})
    macro = macro or Macro(owner_id=None if fields.shared and manager else person.id)
    if not created and manager:
        macro.owner_id = None if fields.shared else (macro.owner_id or person.id)
    macro.title, macro.body, macro.active, macro.note = title, body, bool(fields.active), note
    macro.recipient, macro.then = recipient, _enum(Then, fields.then or Then.SEND, _("step after sending"))
    macro.set_category = _enum(Category, fields.set_category, _("category")) if fields.set_category else None
    macro.set_severity = _enum(Severity, fields.set_severity, _("severity")) if fields.set_severity else None
    macro.updated_at, macro.updated_by = now, person.audit_label
    db.session.add(macro)
    changes = audit.diff(macro)
    db.session.flush()
    audit.record(
        person, "complaint.macro_" + ("create" if created else "edit"), macro, changes=changes, now=now
    )
    return macro


def visible_to(person_id: int | None):
    """SQL condition: the team's macros and the person's own."""
    return sa.or_(Macro.owner_id.is_(None), Macro.owner_id == person_id)


def macros_for(person: Any) -> list[Macro]:
    """The active macros a person may apply: the team's, then their own, by title."""
    return list(
        db.session.scalars(
            sa.select(Macro)
            .where(Macro.active.is_(True), visible_to(getattr(person, "id", None)))
            .order_by(Macro.owner_id.is_not(None), Macro.title)
        )
    )


def active_macros() -> list[Macro]:
    return list(db.session.scalars(sa.select(Macro).where(Macro.active.is_(True)).order_by(Macro.title)))


def apply_actions(complaint: Complaint, macro: Macro, *, actor: Any, now: datetime) -> None:
    """The macro's actions other than the reply: category, severity, an internal note."""
    person = require_staff(actor)
    if not macro.active or macro.owner_id not in (None, person.id):
        raise DomainError(_("The macro %(title)r is not one you can apply.", title=macro.title))
    if macro.set_category is not None and macro.set_category != complaint.category:
        complaint.category = macro.set_category
        changes = audit.diff(complaint)
        db.session.flush()
        audit.record(person, "complaint.category", complaint, changes=changes, now=now)
    if macro.set_severity is not None and macro.set_severity != complaint.severity and complaint.is_open:
        reason = _("Macro %(title)s", title=macro.title)
        change_severity(complaint, macro.set_severity, reason=reason, actor=person, now=now)
    if macro.note:
        body = wf.fill_placeholders(macro.note, placeholder_values(complaint, person))
        add_note(complaint, body=body, actor=person, now=now)
    audit.record(person, "complaint.macro_apply", complaint, changes={"macro": macro.title}, now=now)


def placeholder_values(complaint: Complaint, person: Any) -> dict[str, str]:
    """What each placeholder stands for on this complaint, for this agent."""
    full_name = complaint.client.full_name
    return {
        "prenom": (full_name.split() or [full_name])[0],
        "client": full_name,
        "reference": complaint.reference,
        "echeance": format_datetime(complaint.resolution_due_at),
        "agent": getattr(person, "full_name", ""),
    }


def filled(macro: Macro, complaint: Complaint, person: Any) -> str:
    """The macro's reply as the agent will see it in the composer."""
    return wf.fill_placeholders(macro.body, placeholder_values(complaint, person))
