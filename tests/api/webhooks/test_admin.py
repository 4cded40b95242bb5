"""Webhook screens: managers and admins only; the secret shown once; disable, replay, delete."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from api.webhooks import services
from api.webhooks import workflow as wf
from api.webhooks.models import WebhookDelivery, WebhookEndpoint
from console import events
from console.audit.models import AuditEvent
from console.db import db
from tests.conftest import csrf_token
from tests.factories import make_provider, make_staff

pytestmark = pytest.mark.usefixtures("webhook_config")


@pytest.mark.parametrize("url", ["/webhook_endpoints/", "/webhook_deliveries/", "/integration_events/",
                                 "/webhook_endpoints/register/"])  # fmt: skip
def test_only_managers_and_admins_see_the_webhook_screens(client_as, url):
    assert client_as("manager").get(url).status_code == 200
    assert client_as("admin").get(url).status_code == 200
    assert client_as("support_agent").get(url).status_code == 403
    assert client_as("vetting_officer").get(url).status_code == 403


def test_registering_shows_the_secret_once(client_as, receiver):
    manager = client_as("manager")
    token = csrf_token(manager, "/webhook_endpoints/register/")
    page = manager.post(
        "/webhook_endpoints/register/",
        data={"csrf_token": token, "url": receiver.url, "event_types": [events.ELIGIBILITY_CHANGED]},
    ).get_data(as_text=True)
    secret = re.search(r'value="(whsec_[^"]+)"', page).group(1)
    endpoint = db.session.scalars(sa.select(WebhookEndpoint)).one()
    assert services.endpoint_secret(endpoint) == secret
    assert endpoint.created_by == manager.staff.email
    for url in ("/webhook_endpoints/", f"/webhook_endpoints/details/?id={endpoint.id}"):
        assert secret not in manager.get(url).get_data(as_text=True)


def test_a_refused_url_is_explained_on_the_form(app, monkeypatch, client_as):
    monkeypatch.setitem(app.config, "WEBHOOK_ALLOWED_HOSTS", [])
    manager = client_as("manager")
    token = csrf_token(manager, "/webhook_endpoints/register/")
    page = manager.post(
        "/webhook_endpoints/register/",
        data={"csrf_token": token, "url": "http://169.254.169.254/", "event_types": [events.REVIEW_HIDDEN]},
    ).get_data(as_text=True)
    assert "refused unless allow-listed" in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(WebhookEndpoint)) == 0


def test_disable_replay_and_delete_from_the_lists(client_as, receiver, now):
    endpoint, receiver.secret = services.register_endpoint(
        url=receiver.url, event_types=[events.REVIEW_HIDDEN], actor=make_staff("admin"), now=now
    )
    events.publish(events.REVIEW_HIDDEN, provider_id=make_provider().id, payload={}, now=now)
    services.fan_out(now=now)
    delivery = db.session.scalars(sa.select(WebhookDelivery)).one()
    delivery.status = wf.DeliveryStatus.FAILED
    db.session.commit()
    manager = client_as("manager")
    listing = manager.get("/webhook_deliveries/?flt0_0=failed").get_data(as_text=True)
    assert delivery.webhook_id in listing
    token = csrf_token(manager, "/webhook_deliveries/")
    response = manager.post("/webhook_deliveries/action/", data={"action": "replay", "rowid": [delivery.id],
                            "csrf_token": token}, follow_redirects=True)  # fmt: skip
    assert "Queued again: 1 of 1." in response.get_data(as_text=True)
    db.session.expire_all()
    assert delivery.status == wf.DeliveryStatus.PENDING
    token = csrf_token(manager, "/webhook_endpoints/")
    manager.post(
        "/webhook_endpoints/action/", data={"action": "disable", "rowid": [endpoint.id], "csrf_token": token}
    )
    db.session.expire_all()
    assert not endpoint.active
    manager.post("/webhook_endpoints/action/", data={"action": "delete_endpoints", "rowid": [endpoint.id],
                 "csrf_token": token})  # fmt: skip
    assert db.session.scalar(sa.select(sa.func.count()).select_from(WebhookEndpoint)) == 0
    actions = set(db.session.scalars(sa.select(AuditEvent.action).where(AuditEvent.action.like("webhook.%"))))
    assert actions == {"webhook.endpoint_register", "webhook.delivery_replay", "webhook.endpoint_disable",
                       "webhook.endpoint_delete"}  # fmt: skip


def test_the_register_form_sent_twice_registers_once_and_never_shows_the_secret_again(client_as, receiver):
    manager = client_as("manager")
    page = manager.get("/webhook_endpoints/register/").get_data(as_text=True)
    token = re.search(r'name="submission_token"[^>]*value="([^"]+)"', page).group(1)
    data = {"csrf_token": csrf_token(manager, "/webhook_endpoints/register/"), "submission_token": token,
            "url": receiver.url, "event_types": [events.ELIGIBILITY_CHANGED]}  # fmt: skip
    first = manager.post("/webhook_endpoints/register/", data=data).get_data(as_text=True)
    secret = re.search(r'value="(whsec_[^"]+)"', first).group(1)
    again = manager.post("/webhook_endpoints/register/", data=data, follow_redirects=True).get_data(
        as_text=True
    )
    assert "already saved" in again and secret not in again  # the details page shows its first characters
    assert db.session.scalar(sa.select(sa.func.count()).select_from(WebhookEndpoint)) == 1
