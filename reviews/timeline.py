"""Review events on the provider's timeline: reviews hidden or restored by moderation."""

from __future__ import annotations

import sqlalchemy as sa

from console.db import db
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
        verb = "hidden" if event == "hide" else "restored"
        events.append(Event(decided_at, "reviews", f"Review REV-{review_id:07d} {verb}"))
    return events
