"""Review moderation screens through the Flask test client: the review page, the bulk publish."""

from __future__ import annotations

from console.db import db, utcnow
from reviews import services as moderation_services
from tests.conftest import csrf_token
from tests.factories import make_booking, make_staff


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


def test_the_flag_queue_lists_a_review_from_its_first_open_flag_until_a_moderator_acts(client_as):
    client = client_as("support_agent")
    now = utcnow()
    agent = make_staff("support_agent", name="Camille Moderator")
    quiet, reported, kept = (
        moderation_services.record_review(
            booking=make_booking(), rating=2, text="Pas terrible", actor="system:tests", now=now
        )
        for _ in range(3)
    )
    for review in (reported, kept):
        moderation_services.report_review(review, detail="Faux avis", actor=agent, now=now)
    db.session.commit()

    def listed(url="/flags/") -> set[str]:
        body = client.get(url).get_data(as_text=True)
        return {r.reference for r in (quiet, reported, kept) if r.reference in body}

    assert listed() == listed("/flags/?sort=1") == {reported.reference, kept.reference}
    moderation_services.moderate(reported, "hide", reason_code="off_topic", actor=agent, now=now)
    moderation_services.dismiss_flags(kept, actor=agent, now=now)
    db.session.commit()
    assert listed() == set()
    moderation_services.report_review(kept, detail="Encore", actor=agent, now=now)  # reported again
    db.session.commit()
    assert listed() == {kept.reference}
