"""Each endpoint's happy path and its validation errors as problem+json."""

from __future__ import annotations

import sqlalchemy as sa

from console.db import db
from disputes.complaints.models import ComplaintEntry, EntryKind
from disputes.complaints.workflow import Status
from restrictions.models import Restriction, RestrictionProposal
from tests import factories
from vetting.services import active_case

CARD = "4111 1111 1111 1111"  # a Visa test number that passes Luhn


def _ok(response, status=200):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    return response.get_json()


def _problem(response, status, *fields):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    named = {e["field"] for e in body.get("errors", [])}
    assert set(fields) <= named, body
    return body


def _booking_body(client_ref, provider_ref, **overrides):
    return {
        "client": client_ref,
        "provider": provider_ref,
        "service": "regular_cleaning",
        "scheduled_start": "2026-12-20T09:00:00+01:00",
        "duration_minutes": 180,
        "price_cents": 7500,
        "cancellation_terms_version": "2026-03",
    } | overrides


def test_a_provider_application_opens_the_initial_vetting_case(api):
    fields = factories.provider_fields()
    body = _ok(api.post("/providers", fields | {"external_id": "MKT-P-1"}), 201)
    assert body["reference"].startswith("PRV-") and body["external_id"] == "MKT-P-1"
    assert body["vetting_status"] == "not_vetted" and body["bookable"] is False
    provider_id = int(body["reference"][4:])
    assert active_case(provider_id) is not None
    eligibility = _ok(api.get("/providers/ext:MKT-P-1/eligibility"))
    assert eligibility["bookable"] is False and eligibility["reasons"][0]["code"] == "not_vetted"


def test_provider_validation_errors_name_the_fields(api):
    _problem(api.post("/providers", factories.provider_fields(siret="12345678901234")), 422, "siret")
    _problem(api.post("/providers", {"legal_name": "X"}), 422, "siret", "email", "services")
    _problem(api.post("/providers", factories.provider_fields(services=["gardening"])), 422, "services.0")


def test_an_external_id_is_unique_per_client_and_answers_with_the_existing_reference(api):
    first = _ok(
        api.post("/clients", {"full_name": "Ana", "email": "ana@example.fr", "external_id": "C1"}), 201
    )
    again = _problem(
        api.post("/clients", {"full_name": "Bob", "email": "bob@example.fr", "external_id": "C1"}), 409
    )
    assert again["existing"] == first["reference"]


def test_patch_a_provider_by_external_id(api):
    _ok(api.post("/providers", factories.provider_fields() | {"external_id": "P-9"}), 201)
    body = _ok(api.patch("/providers/ext:P-9", {"city": "Villeurbanne", "postcode": "69100"}))
    assert body["city"] == "Villeurbanne" and body["external_id"] == "P-9"
    _problem(api.patch("/providers/ext:nobody", {"city": "Lyon"}), 404)
    _problem(api.patch("/providers/ext:P-9", {"email": "not-an-email"}), 422, "email")


def test_clients_and_consents(api):
    created = _ok(api.post("/clients", {"full_name": "Claire", "email": "Claire@Example.fr"}), 201)
    assert created["email"] == "claire@example.fr" and created["consent_partner_sharing"] is False
    ref = created["reference"]
    changed = _ok(api.patch(f"/clients/{ref}", {"phone": "06 12 34 56 78"}))
    assert changed["phone"] == "+33612345678" and changed["full_name"] == "Claire"
    consents = _ok(api.post(f"/clients/{ref}/consents", {"consent_marketing_email": True}))
    assert consents["consent_marketing_email"] is True and consents["consents_updated_at"]
    _problem(api.post(f"/clients/{ref}/consents", {}), 422)
    _problem(
        api.post(f"/clients/{ref}/consents", {"consent_marketing_sms": "maybe"}), 422, "consent_marketing_sms"
    )


def test_bookings_in_rescheduled_completed_cancelled(api):
    client, provider = factories.make_client(), factories.make_provider()
    body = _ok(
        api.post("/bookings", _booking_body(client.reference, provider.reference, external_id="B1")), 201
    )
    assert body["status"] == "scheduled" and body["client"] == client.reference
    moved = _ok(
        api.patch("/bookings/ext:B1", {"event": "reschedule", "scheduled_start": "2026-12-21T10:00:00Z"})
    )
    assert moved["scheduled_start"].startswith("2026-12-21T10:00")
    _problem(
        api.patch("/bookings/ext:B1", {"event": "cancel", "cancelled_by": "client"}),
        422,
        "cancellation_terms_version",
    )
    wrong = {"event": "cancel", "cancelled_by": "client", "cancellation_terms_version": "2025-01"}
    _problem(api.patch("/bookings/ext:B1", wrong), 422, "cancellation_terms_version")
    cancel = {"event": "cancel", "cancelled_by": "provider", "cancelled_at": "2026-12-19T18:00:00Z",
              "cancellation_terms_version": "2026-03"}  # fmt: skip
    cancelled = _ok(api.patch("/bookings/ext:B1", cancel))
    assert cancelled["status"] == "cancelled" and cancelled["cancelled_by"] == "provider"
    assert cancelled["cancelled_at"].startswith("2026-12-19T18:00")
    _problem(api.patch("/bookings/ext:B1", {"event": "complete"}), 422)


def test_booking_validation_errors(api):
    client = factories.make_client()
    bad = _booking_body(client.reference, "PRV-999999", price_cents=-1, scheduled_start="2026-12-20T09:00:00")
    _problem(api.post("/bookings", bad), 422, "price_cents", "scheduled_start")
    _problem(api.post("/bookings", _booking_body(client.reference, "PRV-999999")), 422, "provider")
    no_terms = _booking_body(client.reference, "PRV-1")
    del no_terms["cancellation_terms_version"]
    _problem(api.post("/bookings", no_terms), 422, "cancellation_terms_version")
    provider = factories.make_provider()
    unknown = _booking_body(client.reference, provider.reference, cancellation_terms_version="2019-01")
    answer = _problem(api.post("/bookings", unknown), 422, "cancellation_terms_version")
    assert "Unknown cancellation-terms version 2019-01" in answer["errors"][0]["detail"]


def test_a_batch_gives_a_result_per_item(api):
    client, provider = factories.make_client(), factories.make_provider()
    good = _booking_body(client.reference, provider.reference)
    items = [
        good | {"external_id": "X1"},
        good | {"price_cents": "a lot"},
        good | {"provider": "PRV-999999"},
        good | {"external_id": "X1"},
        good | {"external_id": "X2"},
        "not an object",
        good | {"external_id": [["not", "a", "string"], {}]},  # refused on its own, not a 500
        good | {"external_id": "nul\u0000here", "client": "ext:\u0000"},  # no table holds a NUL
        good | {"external_id": "\ud800lone", "provider": "ext:\udfff"},  # nor a lone surrogate
    ]
    body = _ok(api.post("/bookings/batch", {"items": items}))
    statuses = [r["status"] for r in body["results"]]
    assert statuses == [201, 422, 422, 409, 201, 422, 422, 422, 422]
    assert body["created"] == 2 and body["refused"] == 7
    assert body["results"][1]["errors"][0]["field"] == "price_cents"
    assert body["results"][2]["errors"][0]["field"] == "provider"
    assert _ok(api.patch("/bookings/ext:X2", {"event": "complete"}))["status"] == "completed"
    _problem(api.post("/bookings/batch", {"items": []}), 422, "items")
    _problem(api.post("/bookings/batch", {"items": [good] * 1001}), 422, "items")


def test_reviews_of_completed_bookings_and_reports(api):
    booking = factories.make_booking(status="completed")
    review = _ok(api.post("/reviews", {"booking": booking.reference, "rating": 4, "text": "Très bien"}), 201)
    assert review["reference"].startswith("REV-")
    _problem(api.post("/reviews", {"booking": booking.reference, "rating": 5}), 422)
    scheduled = factories.make_booking(status="scheduled")
    _problem(api.post("/reviews", {"booking": scheduled.reference, "rating": 5}), 422)
    _problem(api.post("/reviews", {"booking": booking.reference, "rating": 6}), 422, "rating")
    report = _ok(api.post(f"/reviews/{review['reference']}/reports", {"detail": "Insulting"}), 201)
    assert report["flagged"] is True
    assert (
        _ok(api.post(f"/reviews/{review['reference']}/reports", {"detail": "Again"}), 201)["flagged"] is False
    )
    _problem(api.post("/reviews/REV-9999999/reports", {"detail": "x"}), 404)


def test_a_safety_complaint_opens_a_proposal_never_a_restriction_and_card_numbers_are_masked(api):
    booking = factories.make_booking(status="completed")
    body = {
        "client": booking.client.reference,
        "booking": booking.reference,
        "channel": "app",
        "category": "safety",
        "subject": "Comportement menaçant",
        "description": f"Le prestataire a demandé ma carte {CARD} et m'a menacée.",
    }
    complaint = _ok(api.post("/complaints", body), 201)
    assert CARD not in complaint["description"] and "[card ••••1111]" in complaint["description"]
    assert complaint["severity"] == "critical" and complaint["provider"] == booking.provider.reference
    proposals = db.session.scalars(
        sa.select(RestrictionProposal).where(RestrictionProposal.provider_id == booking.provider_id)
    ).all()
    assert [p.reason_code for p in proposals] == ["safety_complaint"]
    assert not db.session.scalars(
        sa.select(Restriction).where(Restriction.provider_id == booking.provider_id)
    ).all()
    _problem(api.post("/complaints", body | {"channel": "email"}), 422, "channel")


def test_a_message_from_the_client_restarts_the_paused_clock(api, now):
    from disputes.complaints import services

    agent = factories.make_staff("support_agent")
    complaint = factories.make_complaint(actor=agent, now=now)
    for event in ("triage", "start", "wait_on_client"):
        services.transition(complaint, event, actor=agent, now=now)
    message = _ok(
        api.post(
            f"/complaints/{complaint.reference}/messages", {"sender": "client", "body": f"Ma carte {CARD}"}
        ),
        201,
    )
    assert message["status"] == Status.IN_PROGRESS.value and CARD not in message["body"]
    entry = db.session.scalars(
        sa.select(ComplaintEntry).where(ComplaintEntry.complaint_id == complaint.id)
    ).all()[-1]
    assert entry.kind == EntryKind.FROM_CLIENT and CARD not in entry.body
    _problem(
        api.post(f"/complaints/{complaint.reference}/messages", {"sender": "neighbour", "body": "x"}),
        422,
        "sender",
    )


def test_eligibility_of_an_approved_provider(api):
    provider = factories.make_provider(approved=True)
    body = _ok(api.get(f"/providers/{provider.reference}/eligibility"))
    assert body["bookable"] is True and body["reasons"] == [] and body["insurance"] == "none"


def test_framework_errors_are_problems_too(api):
    _problem(api.get("/nowhere"), 404)
    response = api.get("/bookings")
    _problem(response, 405)
    raw = api.http.post(
        "/api/v1/clients", data="full_name=x", headers=api.headers(**{"Content-Type": "text/plain"})
    )
    _problem(raw, 415)
    broken = api.http.post(
        "/api/v1/clients", data="{", headers=api.headers(**{"Content-Type": "application/json"})
    )
    _problem(broken, 400)
    huge = {"full_name": "x" * (3 * 1024 * 1024), "email": "a@example.fr"}
    _problem(api.post("/clients", huge), 413)


def test_a_batch_names_clients_and_providers_by_external_id(api):
    client = _ok(
        api.post("/clients", {"full_name": "Ext Client", "email": "ext@example.fr", "external_id": "EC"}), 201
    )
    provider = _ok(api.post("/providers", factories.provider_fields() | {"external_id": "EP"}), 201)
    items = [_booking_body("ext:EC", "ext:EP"), _booking_body("ext:EC", "ext:nobody")]
    body = _ok(api.post("/bookings/batch", {"items": items}))
    assert [r["status"] for r in body["results"]] == [201, 422]
    booking = _ok(api.patch(f"/bookings/{body['results'][0]['reference']}", {"event": "complete"}))
    assert booking["client"] == client["reference"] and booking["provider"] == provider["reference"]
