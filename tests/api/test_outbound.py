"""The outbound side under /api/v1: the eligibility changes feed by cursor, the eligibility GET on
the same definition, and the API client's own webhook endpoints."""

from __future__ import annotations

import sqlalchemy as sa

from api.webhooks.models import WebhookEndpoint
from api.webhooks.services import register_endpoint
from console.audit.models import AuditEvent
from console.db import db, utcnow
from restrictions import services as restrictions
from tests import factories
from tests.api.conftest import Api, make_api_client
from tests.api.test_endpoints import _ok, _problem


def _restrict_and_lift(provider, manager, now):
    restriction = restrictions.restrict_provider(
        provider, reason_code="terms_breach", statement="Breach of the terms.", actor=manager, now=now
    )
    restrictions.lift_restriction(restriction, reason="Resolved.", actor=manager, now=now)


def feed_end(api) -> str:
    """The cursor after every change already in the feed (a database may hold some before the test)."""
    cursor = ""
    while True:
        page = _ok(api.get(f"/eligibility/changes?limit=1000&cursor={cursor}"))
        if not page["items"]:
            return page["next_cursor"]
        cursor = page["next_cursor"]


def test_the_changes_feed_pages_by_cursor_in_order(api, now):
    manager = factories.make_staff("manager")
    start = feed_end(api)
    first, second = factories.make_provider(approved=True), factories.make_provider(approved=True)
    _restrict_and_lift(first, manager, now)
    _restrict_and_lift(second, manager, now)
    page = _ok(api.get(f"/eligibility/changes?limit=3&cursor={start}"))
    assert len(page["items"]) == 3 and page["next_cursor"]
    rest = _ok(api.get(f"/eligibility/changes?limit=3&cursor={page['next_cursor']}"))
    ours = (first.reference, second.reference)
    mine = [c for c in page["items"] + rest["items"] if c["provider"] in ours]
    a, b = ours
    states = [(c["provider"], c["bookable"]) for c in mine]
    assert states[-4:] == [(a, False), (a, True), (b, False), (b, True)]
    assert mine[-4]["reasons"] == ["restricted:terms_breach"] and mine[-4]["id"].startswith("evt_")
    assert mine[-3]["sequence"] > mine[-4]["sequence"]
    ids = [int(c["id"][4:]) for c in page["items"] + rest["items"]]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    end = _ok(api.get(f"/eligibility/changes?cursor={rest['next_cursor']}"))
    assert end == {"items": [], "next_cursor": rest["next_cursor"]}  # poll again with the same cursor


def test_a_bad_cursor_or_limit_is_a_problem_naming_the_field(api):
    _problem(api.get("/eligibility/changes?cursor=not-ours"), 422, "cursor")
    _problem(api.get("/eligibility/changes?limit=0"), 422, "limit")


def test_the_feed_and_the_eligibility_get_need_eligibility_read(api_as):
    writer = api_as("bookings:write")
    _problem(writer.get("/eligibility/changes"), 403)
    _problem(writer.get("/providers/PRV-000001/eligibility"), 403)


def test_the_eligibility_get_agrees_with_the_feed(api, now):
    manager = factories.make_staff("manager")
    provider = factories.make_provider(approved=True)
    start = feed_end(api)
    restrictions.restrict_provider(
        provider, reason_code="terms_breach", statement="Breach of the terms.", actor=manager, now=now
    )
    body = _ok(api.get(f"/providers/{provider.reference}/eligibility"))
    change = _ok(api.get(f"/eligibility/changes?cursor={start}"))["items"][-1]
    assert change["provider"] == provider.reference and change["bookable"] is body["bookable"] is False
    assert [r["code"] for r in body["reasons"]] == ["restricted"]
    assert body["since"] == change["since"]
    assert body["reasons"][0]["detail"].startswith("restricted:")


def test_a_client_registers_lists_and_deletes_its_own_webhook_endpoints(api, webhook_config, receiver):
    created = _ok(
        api.post(
            "/webhook-endpoints", {"url": receiver.url, "event_types": ["provider.eligibility_changed"]}
        ),
        201,
    )
    assert created["secret"].startswith("whsec_") and created["reference"].startswith("WHE-")
    assert created["secret"].startswith(created["secret_prefix"])
    listed = _ok(api.get("/webhook-endpoints"))["items"]
    assert [e["reference"] for e in listed] == [created["reference"]] and "secret" not in listed[0]
    endpoint = db.session.get(WebhookEndpoint, int(created["reference"][4:]))
    assert endpoint.api_client_id == api.issued.client.id
    assert db.session.scalar(
        sa.select(AuditEvent.id).where(AuditEvent.action == "webhook.endpoint_register")
    ) is not None  # fmt: skip

    other = Api(api.http, make_api_client().secret)
    assert _ok(other.get("/webhook-endpoints"))["items"] == []
    _problem(other.delete(f"/webhook-endpoints/{created['reference']}"), 404)
    assert api.delete(f"/webhook-endpoints/{created['reference']}").status_code == 204
    assert _ok(api.get("/webhook-endpoints"))["items"] == []
    _problem(api.delete(f"/webhook-endpoints/{created['reference']}"), 404)


def test_a_client_does_not_see_endpoints_registered_by_staff(api, webhook_config, receiver):
    staff_endpoint, _secret = register_endpoint(
        url=receiver.url, event_types=["vetting.approved"], actor="system:tests", now=utcnow()
    )
    assert _ok(api.get("/webhook-endpoints"))["items"] == []
    _problem(api.delete(f"/webhook-endpoints/WHE-{staff_endpoint.id:05d}"), 404)


def test_webhook_endpoint_urls_are_checked_as_the_webhooks_services_do(api, app, monkeypatch):
    monkeypatch.setitem(app.config, "WEBHOOK_ALLOWED_HOSTS", [])
    for url in ("http://example.com/hook", "https://127.0.0.1/hook", "https://169.254.169.254/latest"):
        _problem(
            api.post("/webhook-endpoints", {"url": url, "event_types": ["vetting.approved"]}), 422, "url"
        )
    _problem(api.post("/webhook-endpoints", {"url": "https://1.1.1.1/h", "event_types": ["nope"]}),
             422, "event_types.0")  # fmt: skip
    _problem(
        api.post("/webhook-endpoints", {"url": "https://1.1.1.1/h", "event_types": []}), 422, "event_types"
    )


def test_webhook_endpoints_need_webhooks_manage(api_as):
    _problem(api_as("eligibility:read").get("/webhook-endpoints"), 403)
