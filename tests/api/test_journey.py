"""The marketplace's whole journey, end to end: an API client registers a webhook endpoint through
the API, sends a provider's application, a client and a booking; staff vet the provider in the
console's services (one officer completes the checks, another approves); the eligibility GET and
the changes feed say bookable; a real local receiver gets the signed `vetting.approved` and
`provider.eligibility_changed` webhooks from a real RQ worker, and verifies them with the
`standardwebhooks` library."""

from __future__ import annotations

from console.db import db, utcnow
from tests import factories
from tests.api.conftest import work_burst
from tests.api.test_endpoints import _booking_body, _ok
from tests.api.test_outbound import feed_end
from tests.vetting.conftest import pass_all_checks
from vetting import services as vetting


def test_from_an_application_to_a_signed_eligibility_webhook(api, receiver, webhook_config, queue_redis):
    start = feed_end(api)
    # 1. The marketplace subscribes (the secret is in this answer only).
    endpoint = _ok(api.post("/webhook-endpoints", {
        "url": receiver.url, "event_types": ["provider.eligibility_changed", "vetting.approved"],
    }), 201)  # fmt: skip
    receiver.secret = endpoint["secret"]

    # 2. It sends an application, a client and a booking.
    provider = _ok(api.post("/providers", factories.provider_fields() | {"external_id": "mkt-pro-1"}), 201)
    assert provider["bookable"] is False
    client = _ok(api.post("/clients", {"full_name": "Claire Martin", "email": "claire@example.fr",
                                       "external_id": "mkt-cli-1"}), 201)  # fmt: skip
    booking = _ok(
        api.post("/bookings", _booking_body("ext:mkt-cli-1", "ext:mkt-pro-1", external_id="b-1")), 201
    )
    assert booking["client"] == client["reference"] and booking["provider"] == provider["reference"]
    not_yet = _ok(api.get("/providers/ext:mkt-pro-1/eligibility"))
    assert not_yet["bookable"] is False and not_yet["reasons"][0]["code"] == "not_vetted"

    # 3. Staff vet the applicant, as they would in the console.
    provider_id = int(provider["reference"][4:])
    case = vetting.active_case(provider_id)
    factories.make_verified_policy(case.provider)
    officer = factories.make_staff("vetting_officer", name="Olivia Officer")
    approver = factories.make_staff("vetting_officer", name="Samuel Second")
    pass_all_checks(case, officer)
    vetting.approve_case(case, actor=approver, now=utcnow())
    db.session.commit()

    # 4. The marketplace sees it bookable, by GET and in the feed.
    now_bookable = _ok(api.get("/providers/ext:mkt-pro-1/eligibility"))
    assert now_bookable["bookable"] is True and now_bookable["reasons"] == []
    changes = _ok(api.get(f"/eligibility/changes?cursor={start}"))["items"]
    ours = [c for c in changes if c["provider"] == provider["reference"]]
    assert [c["bookable"] for c in ours] == [True]

    # 5. A real worker delivers the signed webhooks to the receiver.
    work_burst(queue_redis)
    received = {r["body"]["type"]: r for r in receiver.received}
    assert set(received) == {"vetting.approved", "provider.eligibility_changed"}
    assert all(r["verified"] for r in receiver.received)  # standardwebhooks' Webhook.verify
    change = received["provider.eligibility_changed"]["body"]["data"]
    assert change["provider"] == provider["reference"] and change["bookable"] is True
    assert change["sequence"] > received["vetting.approved"]["body"]["data"]["sequence"]
    assert received["provider.eligibility_changed"]["headers"]["webhook-id"] == ours[0]["id"]
