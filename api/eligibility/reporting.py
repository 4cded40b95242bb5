"""What the API reads of eligibility: one provider's state, and the changes feed by cursor."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from api.eligibility import workflow as wf
from api.eligibility.models import ProviderEligibility
from console.db import db
from console.events import ELIGIBILITY_CHANGED, IntegrationEvent
from marketplace import reporting as marketplace


@dataclass(frozen=True)
class Eligibility:
    provider: str  # our reference, PRV-000123
    bookable: bool
    reasons: list[str]  # codes: not_vetted, vetting_rejected, restricted:<reason code>
    since: datetime | None  # None when the state predates the feed


@dataclass(frozen=True)
class EligibilityChange:
    id: str  # the event's public id, also the webhook-id of its deliveries
    provider: str
    sequence: int
    bookable: bool
    reasons: list[str]
    since: datetime


@dataclass(frozen=True)
class ChangesPage:
    items: list[EligibilityChange]
    next_cursor: str  # give it back to read what came after (the same cursor when nothing did)


def eligibility_of(provider_id: int) -> Eligibility | None:
    """Whether the provider is bookable now, why not, and since when (None: no such provider)."""
    current = marketplace.current_eligibility(provider_id)
    if current is None:
        return None
    bookable, reasons = current
    known = db.session.get(ProviderEligibility, provider_id)
    if known is not None and known.bookable == bookable and list(known.reasons) == reasons:
        since = known.since
    else:
        since = None
    return Eligibility(marketplace.provider_reference(provider_id), bookable, reasons, since)


def changes_after(cursor: str | None, limit: int | None = None) -> ChangesPage:
    """Eligibility changes after `cursor` (from the start when None), oldest first; keyset on the
    event id. Raises workflow.BadCursor on a cursor this feed did not give out."""
    after_id = wf.decode_cursor(cursor)
    query = (
        sa.select(IntegrationEvent.id, IntegrationEvent.provider_id, IntegrationEvent.sequence,
                  IntegrationEvent.payload, IntegrationEvent.occurred_at)
        .where(IntegrationEvent.type == ELIGIBILITY_CHANGED, IntegrationEvent.id > after_id)
        .order_by(IntegrationEvent.id)
        .limit(wf.page_size(limit))
    )  # fmt: skip
    items = [
        EligibilityChange(
            id=f"evt_{event_id}",
            provider=payload.get("provider") or marketplace.provider_reference(provider_id),
            sequence=sequence,
            bookable=bool(payload["bookable"]),
            reasons=list(payload.get("reasons", [])),
            since=occurred_at,
        )
        for event_id, provider_id, sequence, payload, occurred_at in db.session.execute(query)
    ]
    last = int(items[-1].id.removeprefix("evt_")) if items else after_id
    return ChangesPage(items, wf.encode_cursor(last) if last else (cursor or ""))
