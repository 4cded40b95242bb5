"""The restrictions' part of a provider's timeline."""

from __future__ import annotations

import sqlalchemy as sa

from console.db import db
from console.timeline import Event
from restrictions.models import Restriction, RestrictionProposal


def provider_events(provider_id: int) -> list[Event]:
    events = []
    for p in db.session.scalars(
        sa.select(RestrictionProposal).where(RestrictionProposal.provider_id == provider_id)
    ):
        events.append(
            Event(p.created_at, p.source.value, f"Restriction proposed ({p.reason_code}) by {p.created_by}")
        )
        if p.decided_at:
            events.append(Event(p.decided_at, p.source.value, f"Proposal #{p.id} {p.status.value}"))
    for r in db.session.scalars(sa.select(Restriction).where(Restriction.provider_id == provider_id)):
        events.append(
            Event(r.started_at, "restriction", f"Restricted ({r.reason_code}) by {r.decided_by.full_name}")
        )
        if r.review_requested_at:
            events.append(Event(r.review_requested_at, "restriction", "Review requested by the provider"))
        if r.ended_at:
            events.append(Event(r.ended_at, "restriction", f"Restriction lifted by {r.ended_by.full_name}"))
    return events
