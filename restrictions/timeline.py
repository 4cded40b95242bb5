"""The restrictions' part of a provider's timeline."""

from __future__ import annotations

import sqlalchemy as sa

from console.db import db
from console.domain import _
from console.timeline import Event
from restrictions.models import Restriction, RestrictionProposal


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
                    reason=p.reason_code,
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
    for r in db.session.scalars(sa.select(Restriction).where(Restriction.provider_id == provider_id)):
        events.append(
            Event(
                r.started_at,
                _("restriction"),
                _(
                    "Restricted (%(reason)s) by %(who)s",
                    reason=r.reason_code,
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
