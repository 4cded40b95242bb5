"""What the home page shows of reviews: the moderation queue as a card (reviews.reporting)."""

from __future__ import annotations

from console.domain import Role
from console.home import QueueCard
from reviews import reporting


def cards() -> list[QueueCard]:
    return [
        QueueCard(
            "moderation", frozenset({Role.SUPPORT_AGENT}), lambda user, now: reporting.moderation_card()
        )
    ]
