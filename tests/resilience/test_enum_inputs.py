"""Values from a form that name an enum or a key are checked: a clear message, nothing saved."""

from __future__ import annotations

import pytest

from console.db import db, utcnow
from console.domain import DomainError
from reviews import services as moderation_services
from reviews.models import ModerationDecision
from tests.conftest import csrf_token
from tests.factories import make_booking, make_staff


def _review():
    review = moderation_services.record_review(
        booking=make_booking(), rating=4, text="Très bien", actor="system:tests", now=utcnow()
    )
    db.session.commit()
    return review


def test_an_unknown_expected_status_is_refused_by_the_service():
    review = _review()
    with pytest.raises(DomainError, match="Reload the page"):
        moderation_services.moderate(
            review, "publish", actor=make_staff("support_agent"), now=utcnow(), expected_status="bogus"
        )
    assert db.session.query(ModerationDecision).count() == 0


@pytest.mark.parametrize(
    "status", ["bogus", "PENDING", "x" * 5000, "pending\x00"], ids=["bogus", "upper", "long", "nul"]
)
def test_an_unknown_expected_status_from_the_page_is_a_message(client_as, status):
    client = client_as("support_agent")
    review = _review()
    page = f"/moderation/review/{review.id}"
    response = client.post(
        f"/moderation/moderate/{review.id}",
        data={"csrf_token": csrf_token(client, page), "event": "publish", "expected_status": status},
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert "Reload the page" in response.get_data(as_text=True)
    db.session.expire_all()
    assert review.moderation_status.value == "pending"
    assert db.session.query(ModerationDecision).filter_by(review_id=review.id).count() == 0
