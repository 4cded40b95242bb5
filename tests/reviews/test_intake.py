"""Taking in a client's review: a completed booking, one review each, bounded text, no card numbers."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from console import validation as v
from console.db import db
from console.domain import DomainError
from reviews import services
from reviews.models import Review
from tests.factories import make_booking


@pytest.mark.parametrize("rating", [0, 6, -1, 3.5, "5"])
def test_a_rating_is_one_to_five(rating, now):
    with pytest.raises(v.InvalidField, match="rating"):
        services.record_review(
            booking=make_booking(), rating=rating, text="ok", actor="system:tests", now=now
        )


def test_reviews_need_a_completed_booking_and_only_one(now):
    with pytest.raises(DomainError, match="only completed"):
        services.record_review(
            booking=make_booking(status="cancelled"), rating=5, text="", actor="system:tests", now=now
        )
    booking = make_booking()
    services.record_review(booking=booking, rating=4, text="Très bien", actor="system:tests", now=now)
    with pytest.raises(DomainError, match="already has a review"):
        services.record_review(booking=booking, rating=5, text="", actor="system:tests", now=now)


def test_review_text_is_bounded_and_card_numbers_never_stored(now):
    with pytest.raises(v.InvalidField, match="Too long"):
        services.record_review(
            booking=make_booking(), rating=3, text="x" * 1_000_000, actor="system:tests", now=now
        )
    review = services.record_review(
        booking=make_booking(),
        rating=2,
        text="J'ai payé avec la carte 4970-1012-3456-7893, SIRET 73282932000074",
        actor="system:tests",
        now=now,
    )
    db.session.commit()
    stored = db.session.scalar(sa.select(Review.text).where(Review.id == review.id))
    assert stored == "J'ai payé avec la carte [card ••••7893], SIRET 73282932000074"
