"""Domain events for the integration API: an outbox written in the same transaction as the change.

Domain services call `publish(...)`; the API package (registered by the factory) turns the events
into eligibility changes and webhook deliveries. Each provider's events carry a sequence number,
taken from a counter row locked by an upsert, so concurrent transactions never share one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import current_app, has_app_context
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, mapped_column

from console.db import UTCDateTime, db

# The event types the console publishes (the API's webhooks subscribe to these names).
RESTRICTION_CONFIRMED = "provider.restriction_confirmed"
RESTRICTION_LIFTED = "provider.restriction_lifted"
VETTING_APPROVED = "vetting.approved"
VETTING_REJECTED = "vetting.rejected"
INSURANCE_LAPSED = "insurance.lapsed"
INSURANCE_RESTORED = "insurance.restored"
COMPLAINT_STATUS_CHANGED = "complaint.status_changed"
REVIEW_HIDDEN = "review.hidden"
ELIGIBILITY_CHANGED = "provider.eligibility_changed"
EVENT_TYPES = (
    ELIGIBILITY_CHANGED,
    RESTRICTION_CONFIRMED,
    RESTRICTION_LIFTED,
    VETTING_APPROVED,
    VETTING_REJECTED,
    INSURANCE_LAPSED,
    INSURANCE_RESTORED,
    COMPLAINT_STATUS_CHANGED,
    REVIEW_HIDDEN,
)

HOOKS_KEY = "integration_event_published"  # app.extensions: callables run after each publish


class IntegrationEvent(db.Model):
    __tablename__ = "integration_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    type: Mapped[str] = mapped_column(sa.String(60))
    provider_id: Mapped[int | None] = mapped_column(sa.ForeignKey("provider.id", ondelete="CASCADE"))
    sequence: Mapped[int | None]
    payload: Mapped[dict] = mapped_column(sa.JSON)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    fanned_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        sa.UniqueConstraint("provider_id", "sequence", name="uq_integration_event_provider_sequence"),
        sa.CheckConstraint("(provider_id IS NULL) = (sequence IS NULL)", name="sequence_with_provider"),
        sa.Index("ix_integration_event_type_id", "type", "id"),
        sa.Index("ix_integration_event_provider_type", "provider_id", "type"),
        sa.Index("ix_integration_event_fanned_out_at", "fanned_out_at"),
    )

    @property
    def webhook_id(self) -> str:
        """The event's public id: the `webhook-id` of every delivery of it."""
        return f"evt_{self.id}"

    def __str__(self) -> str:
        return f"{self.webhook_id} {self.type}"


class IntegrationEventCounter(db.Model):
    """The last sequence number given to a provider's events (the row is the lock)."""

    __tablename__ = "integration_event_counter"

    provider_id: Mapped[int] = mapped_column(
        sa.ForeignKey("provider.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    last_sequence: Mapped[int] = mapped_column(default=0)


def next_sequences(provider_ids: list[int]) -> dict[int, int]:
    """Take the next sequence number of each provider (distinct ids); the upsert holds their
    counter rows until commit, so a concurrent transaction waits and then takes the following one."""
    dialect = db.session.get_bind().dialect.name
    insert = (postgresql if dialect == "postgresql" else sqlite).insert
    counter = IntegrationEventCounter.__table__
    taken: dict[int, int] = {}
    for start in range(0, len(provider_ids), 1000):
        statement = (
            insert(counter)
            .values([{"provider_id": pid, "last_sequence": 1} for pid in provider_ids[start : start + 1000]])
            .on_conflict_do_update(
                index_elements=[counter.c.provider_id], set_={"last_sequence": counter.c.last_sequence + 1}
            )
            .returning(counter.c.provider_id, counter.c.last_sequence)
        )
        taken.update((pid, int(sequence)) for pid, sequence in db.session.execute(statement))
    return taken


def publish(
    type: str, *, provider_id: int | None, payload: dict[str, Any], now: datetime
) -> IntegrationEvent:
    """Record an event in the current transaction; the registered hooks see it at once (the API
    recomputes the provider's eligibility there). Nothing leaves before the commit."""
    if type not in EVENT_TYPES:
        raise ValueError(f"unknown integration event type {type!r}")
    sequence = next_sequences([provider_id])[provider_id] if provider_id is not None else None
    event = IntegrationEvent(
        type=type, provider_id=provider_id, sequence=sequence, payload=payload, occurred_at=now
    )
    db.session.add(event)
    db.session.flush()
    for hook in _hooks():
        hook(event)
    return event


def publish_many(
    type: str, items: list[tuple[int, dict[str, Any]]], *, now: datetime
) -> list[IntegrationEvent]:
    """One event of `type` for each of several providers (distinct), in a fixed number of
    statements whatever their number: what a set-based sweep publishes."""
    if type not in EVENT_TYPES:
        raise ValueError(f"unknown integration event type {type!r}")
    provider_ids = [provider_id for provider_id, _ in items]
    if len(set(provider_ids)) != len(provider_ids):
        raise ValueError("publish_many takes one event per provider")
    sequences = next_sequences(provider_ids)
    created = [
        IntegrationEvent(
            type=type, provider_id=pid, sequence=sequences[pid], payload=payload, occurred_at=now
        )
        for pid, payload in items
    ]
    db.session.add_all(created)
    db.session.flush()
    for event in created:
        for hook in _hooks():
            hook(event)
    return created


def _hooks() -> Iterable[Callable[[IntegrationEvent], Any]]:
    if not has_app_context():
        return ()
    return current_app.extensions.get(HOOKS_KEY, ())


def latest_of(types: Iterable[str], provider_ids: Iterable[int] | None = None) -> dict[int, str]:
    """The type of each provider's latest event among `types` (providers without one left out),
    for every provider or, read with the (provider, type) index, for those of `provider_ids`."""
    types = list(types)
    wanted = None if provider_ids is None else sorted(set(provider_ids))
    found: dict[int, str] = {}
    for chunk in [None] if wanted is None else [wanted[n : n + 1000] for n in range(0, len(wanted), 1000)]:
        latest = sa.select(sa.func.max(IntegrationEvent.id)).where(
            IntegrationEvent.type.in_(types), IntegrationEvent.provider_id.is_not(None)
        )
        if chunk is not None:  # bounded IN lists (SQLite and psycopg limits)
            latest = latest.where(IntegrationEvent.provider_id.in_(chunk))
        query = sa.select(IntegrationEvent.provider_id, IntegrationEvent.type).where(
            IntegrationEvent.id.in_(latest.group_by(IntegrationEvent.provider_id))
        )
        found.update((pid, kind) for pid, kind in db.session.execute(query))
    return found
