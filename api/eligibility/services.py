"""Keep each provider's last known eligibility and publish `provider.eligibility_changed` once per
change, in the transaction of the domain event that caused it."""

from __future__ import annotations

from datetime import datetime

from api.eligibility import workflow as wf
from api.eligibility.models import ProviderEligibility
from console import events
from console.db import db
from marketplace import reporting as marketplace

# Bookable is "latest vetting approved and no active restriction" (Provider.is_bookable): only
# these events change what it reads. A lapse or a safety complaint opens a proposal, not a
# restriction, so the sweep's lapses cost no eligibility work.
CHANGES_ELIGIBILITY = frozenset(
    {
        events.RESTRICTION_CONFIRMED,
        events.RESTRICTION_LIFTED,
        events.VETTING_APPROVED,
        events.VETTING_REJECTED,
    }
)


def record_change(event: events.IntegrationEvent) -> events.IntegrationEvent | None:
    """Hook run for every published event (registered by the factory): after an event that may
    change whether the provider is bookable, compare with the last known state."""
    if event.provider_id is None or event.type not in CHANGES_ELIGIBILITY:
        return None
    return refresh(event.provider_id, now=event.occurred_at)


def refresh(provider_id: int, *, now: datetime) -> events.IntegrationEvent | None:
    """Publish the provider's eligibility if it differs from the last one published.

    The caller's event took the provider's sequence counter row first, which serialises this
    per provider on PostgreSQL: two transactions never both see the old state.
    """
    current = marketplace.current_eligibility(provider_id)
    if current is None:
        return None
    after = wf.State(current[0], tuple(current[1]))
    row = db.session.get(ProviderEligibility, provider_id, populate_existing=True)
    before = wf.State(row.bookable, tuple(row.reasons)) if row is not None else None
    if not wf.changed(before, after):
        return None
    payload = {
        "provider": marketplace.provider_reference(provider_id),
        "bookable": after.bookable,
        "reasons": list(after.reasons),
        "since": now.isoformat(),
    }
    change = events.publish(events.ELIGIBILITY_CHANGED, provider_id=provider_id, payload=payload, now=now)
    if row is None:
        row = ProviderEligibility(provider_id=provider_id)
        db.session.add(row)
    row.bookable, row.reasons, row.since, row.event_id = after.bookable, list(after.reasons), now, change.id
    db.session.flush()
    return change
