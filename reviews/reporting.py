"""Read-only review figures for other packages. Plain values only, never ORM objects."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from console.admin_paging import QueueFigures, queue_figures
from console.db import db, row_dict
from reviews.models import Review, ReviewFlag
from reviews.workflow import ModerationStatus

# --- for the compliance reports ---


@dataclass(frozen=True)
class ModerationFigures:
    submitted: int
    published: int
    hidden: int
    pending: int


def moderation_figures(since: datetime, until: datetime) -> ModerationFigures:
    """Reviews submitted in [since, until), by moderation status."""
    counts = dict(
        db.session.execute(
            sa.select(Review.moderation_status, sa.func.count())
            .where(Review.submitted_at >= since, Review.submitted_at < until)
            .group_by(Review.moderation_status)
        ).all()
    )
    return ModerationFigures(
        submitted=sum(counts.values()),
        published=counts.get(ModerationStatus.PUBLISHED, 0),
        hidden=counts.get(ModerationStatus.HIDDEN, 0),
        pending=counts.get(ModerationStatus.PENDING, 0),
    )


def provider_ratings(provider_id: int) -> list[int]:
    """Every rating the provider received, the newest first."""
    return list(
        db.session.scalars(
            sa.select(Review.rating)
            .where(Review.provider_id == provider_id)
            .order_by(Review.submitted_at.desc())
        )
    )


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


def moderation_card() -> QueueFigures:
    """The reviews waiting for moderation, and when the oldest was submitted (the home page)."""
    condition = Review.moderation_status == ModerationStatus.PENDING
    return queue_figures(Review, condition, Review.submitted_at)


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


# --- the subject access export and erasure (privacy/) ---


def person_reviews(kind: str, person_id: int) -> list[dict]:
    column = Review.provider_id if kind == "provider" else Review.client_id
    rows = db.session.scalars(sa.select(Review).where(column == person_id).order_by(Review.id))
    return [row_dict(r, exclude=("version",)) for r in rows]
