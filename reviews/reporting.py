"""Read-only review figures for other packages. Plain values only, never ORM objects."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from console.counts import QueueFigures, capped_count, queue_figures
from console.db import db, row_dict
from reviews import workflow as wf
from reviews.models import Review
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
    """Reviews waiting for moderation (the moderation queue), counted up to the cap."""
    return capped_count(sa.select(Review.id).where(Review.moderation_status == ModerationStatus.PENDING))


def moderation_card() -> QueueFigures:
    """The reviews waiting for moderation, and when the oldest was submitted (the home page)."""
    condition = Review.moderation_status == ModerationStatus.PENDING
    return queue_figures(Review, condition, Review.submitted_at)


def reviews_flagged() -> int:
    """Reviews with at least one open flag (the flag queue), counted up to the cap."""
    return capped_count(sa.select(Review.id).where(Review.has_open_flag))


# --- the subject access export and erasure (privacy/) ---


def person_reviews(kind: str, person_id: int) -> list[dict]:
    column = Review.provider_id if kind == "provider" else Review.client_id
    rows = db.session.scalars(sa.select(Review).where(column == person_id).order_by(Review.id))
    return [row_dict(r, exclude=("version",)) for r in rows]


# --- the provider page: rating card ---


@dataclass(frozen=True)
class ReviewLine:
    id: int
    reference: str
    rating: int
    submitted_at: datetime
    excerpt: str


@dataclass(frozen=True)
class RatingCard:
    published: int  # published reviews, all time
    average: float | None  # their mean rating
    last: list[ReviewLine]  # the last RATING_WINDOW published reviews, the newest first
    last_average: float | None  # the mean of those (the rating alert's window)
    alert: bool  # the rating alert's rule holds on that window
    pending: int  # reviews waiting for moderation

    @property
    def trend(self) -> list[int]:
        """The window's ratings, the oldest first (the sparkline)."""
        return [line.rating for line in reversed(self.last)]

    @property
    def direction(self) -> str:
        """ "up", "down" or "steady": the window's mean against the all-time mean."""
        if self.average is None or self.last_average is None:
            return "steady"
        gap = self.last_average - self.average
        return "up" if gap >= TREND_GAP else "down" if gap <= -TREND_GAP else "steady"


EXCERPT_CHARS = 90
TREND_GAP = 0.25  # stars between the window's mean and the all-time mean that make a trend


def provider_rating(provider_id: int) -> RatingCard:
    """Published reviews' count and mean, the last ten and the alert rule on them: two statements."""
    mine = Review.provider_id == provider_id
    published = Review.moderation_status == ModerationStatus.PUBLISHED
    count, average, pending = db.session.execute(
        sa.select(
            sa.func.count().filter(published),
            sa.func.avg(Review.rating).filter(published),
            sa.func.count().filter(Review.moderation_status == ModerationStatus.PENDING),
        ).where(mine)
    ).one()
    rows = db.session.execute(
        sa.select(Review.id, Review.rating, Review.submitted_at, Review.text)
        .where(mine, published)
        .order_by(Review.submitted_at.desc(), Review.id.desc())
        .limit(wf.RATING_WINDOW)
    ).all()
    last = [
        ReviewLine(
            rid, f"{Review.REFERENCE_PREFIX}-{rid:0{Review.REFERENCE_WIDTH}d}", rating, at, _excerpt(text)
        )
        for rid, rating, at, text in rows
    ]
    ratings = [line.rating for line in last]
    return RatingCard(
        published=count,
        average=float(average) if average is not None else None,
        last=last,
        last_average=sum(ratings) / len(ratings) if ratings else None,
        alert=wf.rating_alert(ratings),
        pending=pending,
    )


def _excerpt(text: str | None) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= EXCERPT_CHARS else text[: EXCERPT_CHARS - 1].rstrip() + "…"
