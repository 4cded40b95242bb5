"""The restrictions' part of a provider's timeline."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from console.db import db
from console.domain import _
from console.timeline import Event
from restrictions.models import Restriction, RestrictionProposal
from restrictions.workflow import short_label


def provider_events(provider_id: int) -> list[Event]:
    events = []
    for p in db.session.scalars(
        sa.select(RestrictionProposal).where(RestrictionProposal.provider_id == provider_id)
    ):
        events.append(
            Event(
                p.created_at,
                p.source.label,
                _(
                    "Restriction proposed (%(reason)s) by %(who)s",
                    reason=short_label(p.reason_code),
                    who=p.created_by,
                ),
            )
        )
        if p.decided_at:
            events.append(
                Event(
                    p.decided_at,
                    p.source.label,
                    _("Proposal #%(id)s %(status)s", id=p.id, status=p.status.label),
                )
            )
    # the deciders' names in one statement each, whatever the number of restrictions
    restrictions = sa.select(Restriction).where(Restriction.provider_id == provider_id)
    people = (selectinload(Restriction.decided_by), selectinload(Restriction.ended_by))
    for r in db.session.scalars(restrictions.options(*people)):
        events.append(
            Event(
                r.started_at,
                _("restriction"),
                _(
                    "Restricted (%(reason)s) by %(who)s",
                    reason=short_label(r.reason_code),
                    who=r.decided_by.full_name,
                ),
            )
        )
        if r.review_requested_at:
            events.append(
                Event(r.review_requested_at, _("restriction"), _("Review requested by the provider"))
            )
        if r.ended_at:
            events.append(
                Event(
                    r.ended_at, _("restriction"), _("Restriction lifted by %(who)s", who=r.ended_by.full_name)
                )
            )
    return events
