"""Canned replies (macros): managers write them, agents pick one on the complaint page."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from console.audit import services as audit
from console.db import db
from console.domain import DomainError, Role, _
from console.redaction import clean_text
from disputes.complaints import workflow as wf
from disputes.complaints.models import Macro
from disputes.complaints.services import require_staff


def save_macro(
    macro: Macro | None, *, title: str, body: str, active: bool, actor: Any, now: datetime
) -> Macro:
    """Managers create or edit canned replies."""
    person = require_staff(actor, {Role.MANAGER})
    title = clean_text(title, limit=120, what=_("title"))
    body = clean_text(body, limit=wf.BODY_MAX, what=_("text of the reply"))
    clash = db.session.scalar(
        sa.select(Macro.id).where(Macro.title == title, Macro.id != (macro.id if macro else -1))
    )
    if clash is not None:
        raise DomainError(_("A canned reply called %(title)r already exists.", title=title))
    created = macro is None
    macro = macro or Macro()
    macro.title, macro.body, macro.active = title, body, bool(active)
    macro.updated_at, macro.updated_by = now, person.audit_label
    db.session.add(macro)
    changes = audit.diff(macro)
    db.session.flush()
    audit.record(
        person, "complaint.macro_" + ("create" if created else "edit"), macro, changes=changes, now=now
    )
    return macro


def active_macros() -> list[Macro]:
    return list(db.session.scalars(sa.select(Macro).where(Macro.active.is_(True)).order_by(Macro.title)))
