"""A provider's timeline: events from every domain, in order, on the provider's page.

Domains contribute a function `events(provider_id) -> list[Event]`; the app factory registers
them in `app.extensions["provider_timeline"]`, so the console never imports a domain package.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

import sqlalchemy as sa
from flask import current_app

from console.db import db
from console.restrictions.models import Restriction, RestrictionProposal


@dataclass(frozen=True)
class Event:
    at: datetime
    area: str
    text: str

    @staticmethod
    def on(day: date, area: str, text: str) -> Event:
        return Event(datetime.combine(day, time(0), UTC), area, text)


Source = Callable[[int], list[Event]]


def provider_timeline(provider_id: int) -> list[Event]:
    """Every registered source's events for the provider, newest first."""
    events = [
        e for source in current_app.extensions.get("provider_timeline", []) for e in source(provider_id)
    ]
    return sorted(events, key=lambda e: e.at, reverse=True)


def restriction_events(provider_id: int) -> list[Event]:
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
