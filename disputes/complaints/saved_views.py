"""A support agent's saved queue views: a name, the queue, and its filters and order."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode

import sqlalchemy as sa

from console.audit import services as audit
from console.db import db
from console.domain import DomainError, _
from console.redaction import clean_text, redact_card_numbers
from disputes.complaints.models import SavedView
from disputes.complaints.services import require_staff

KEPT = ("sort", "desc", "search")  # with the filters (flt…): what a view remembers, not the page
MAX_VIEWS = 20


def _kept(query: str) -> str:
    pairs = [(k, v) for k, v in parse_qsl(query, keep_blank_values=False) if k in KEPT or k.startswith("flt")]
    return urlencode(pairs)[:1000]


def save_view(*, name: str, queue: str, query: str, actor: Any, now: datetime) -> SavedView:
    """Keep the queue's current filters and order under a name of the agent's choosing."""
    person = require_staff(actor)
    # The name as the column stores it (card numbers masked), so a second save finds the first.
    name, _masked = redact_card_numbers(clean_text(name, limit=60, what=_("name of the view")))
    mine = db.session.scalars(sa.select(SavedView).where(SavedView.owner_id == person.id)).all()
    same = next((view for view in mine if view.name == name), None)
    if same is None and len(mine) >= MAX_VIEWS:
        raise DomainError(_("You already keep %(count)d views: delete one first.", count=MAX_VIEWS))
    view = same or SavedView(owner_id=person.id, name=name)
    view.queue, view.query, view.created_at = queue, _kept(query), now
    db.session.add(view)
    db.session.flush()
    audit.record(person, "complaint.view_save", view, changes={"queue": queue, "query": view.query}, now=now)
    return view


def delete_view(view_id: int, *, actor: Any, now: datetime) -> None:
    person = require_staff(actor)
    view = db.session.get(SavedView, view_id) if view_id else None
    if view is None or view.owner_id != person.id:
        raise DomainError(_("There is no such view of yours."))
    db.session.delete(view)
    audit.record(person, "complaint.view_delete", changes={"name": view.name}, now=now)


def views_of(person_id: int) -> list[SavedView]:
    return list(
        db.session.scalars(
            sa.select(SavedView).where(SavedView.owner_id == person_id).order_by(SavedView.name)
        )
    )
