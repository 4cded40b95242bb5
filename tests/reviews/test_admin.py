"""Review moderation screens through the Flask test client: the review page, the bulk publish."""

from __future__ import annotations

from console.db import db, utcnow
from reviews import services as moderation_services
from tests.conftest import csrf_token
from tests.factories import make_booking


def _post(client, url, data, page):
    return client.post(url, data={"csrf_token": csrf_token(client, page), **data})


def _flashes(response) -> str:
    return response.get_data(as_text=True)


def test_moderation_from_the_review_page(client_as):

    client = client_as("support_agent")
    review = moderation_services.record_review(
        booking=make_booking(), rating=1, text="<b>Nul</b> 06 12 34 56 78", actor="system:tests", now=utcnow()
    )
    db.session.commit()
    page = f"/moderation/review/{review.id}"
    body = client.get(page).get_data(as_text=True)
    assert "&lt;b&gt;Nul&lt;/b&gt;" in body and "contact details" in body
    _post(client, f"/moderation/moderate/{review.id}", {"event": "hide", "expected_status": "pending"}, page)
    assert "Choose the reason" in client.get(page).get_data(as_text=True)
    _post(
        client,
        f"/moderation/moderate/{review.id}",
        {"event": "hide", "reason_code": "contact_details", "expected_status": "pending"},
        page,
    )
    db.session.expire_all()
    assert review.moderation_status.value == "hidden"
    _post(
        client, f"/moderation/moderate/{review.id}", {"event": "publish", "expected_status": "pending"}, page
    )
    assert "already hidden by" in client.get(page).get_data(as_text=True)


def test_bulk_publish_from_the_moderation_queue(client_as):

    client = client_as("support_agent")
    reviews = [
        moderation_services.record_review(
            booking=make_booking(), rating=5, text="Parfait", actor="system:tests", now=utcnow()
        )
        for _ in range(2)
    ]
    db.session.commit()
    _post(
        client, "/moderation/action/", {"action": "publish", "rowid": [r.id for r in reviews]}, "/moderation/"
    )
    db.session.expire_all()
    assert {r.moderation_status.value for r in reviews} == {"published"}
    assert moderation_services.moderation_history(reviews[0].id)[0].event == "publish"
