"""Review events on the provider's timeline: reviews hidden or restored by moderation."""

from __future__ import annotations

import sqlalchemy as sa

from console.db import db
from console.domain import _
from console.timeline import Event
from reviews.models import ModerationDecision, Review

RECENT = 100  # the most recent only: a provider's page stays quick


def provider_events(provider_id: int) -> list[Event]:
    hidden = db.session.execute(
        sa.select(ModerationDecision.review_id, ModerationDecision.decided_at, ModerationDecision.event)
        .join(Review, Review.id == ModerationDecision.review_id)
        .where(Review.provider_id == provider_id, ModerationDecision.event.in_(("hide", "restore")))
        .order_by(ModerationDecision.decided_at.desc())
        .limit(RECENT)
    )
    events = []
    for review_id, decided_at, event in hidden:
        reference = f"REV-{review_id:07d}"
        if event == "hide":
            text = _("Review %(reference)s hidden", reference=reference)
        else:
            text = _("Review %(reference)s restored", reference=reference)
        events.append(Event(decided_at, _("reviews"), text))
    return events
