"""Read-only review figures other packages may use (the package's public face)."""

from __future__ import annotations

import sqlalchemy as sa

from console.db import db
from reviews.models import Review, ReviewFlag
from reviews.workflow import ModerationStatus

# --- for the support dashboard ---


def reviews_pending() -> int:
    """Reviews waiting for moderation (the moderation queue)."""
    return (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Review)
            .where(Review.moderation_status == ModerationStatus.PENDING)
        )
        or 0
    )


def reviews_flagged() -> int:
    """Reviews with at least one open flag (the flag queue)."""
    return (
        db.session.scalar(
            sa.select(sa.func.count(sa.distinct(ReviewFlag.review_id))).where(
                ReviewFlag.resolved_at.is_(None)
            )
        )
        or 0
    )
