"""Deliveries to a real local receiver that verifies the signatures with the standardwebhooks
library: retries after 500s, order by sequence, endpoint given up after 5 days, SSRF refusals."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from rq import Queue

from api.webhooks import jobs, services
from api.webhooks import workflow as wf
from api.webhooks.models import WebhookDelivery, WebhookEndpoint
from console import events
from console.audit.models import AuditEvent
from console.db import db
from console.notifications.models import Notification
from restrictions import services as restrictions
from tests.api.conftest import work_burst
from tests.factories import make_provider, make_staff

pytestmark = pytest.mark.usefixtures("webhook_config")


@pytest.fixture
def admin():
    return make_staff("admin")


@pytest.fixture
def endpoint(receiver, admin, now):
    endpoint, secret = services.register_endpoint(
        url=receiver.url, event_types=list(events.EVENT_TYPES), actor=admin, now=now
    )
    receiver.secret = secret
    return endpoint


def _publish(provider, n=1, now=None, kind=events.REVIEW_HIDDEN):
    return [events.publish(kind, provider_id=provider.id, payload={"n": i}, now=now) for i in range(n)]


def _deliveries(endpoint) -> list[WebhookDelivery]:
    query = sa.select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint.id)
    return list(db.session.scalars(query.order_by(WebhookDelivery.id)))


def _deliver(now) -> int:
    """What the jobs do, at a chosen time: fan out, then every chain that is due."""
    services.fan_out(now=now)
    return sum(jobs.run_chain(e, p, now=now) for e, p in services.due_chains(now=now))


def test_a_delivery_is_signed_and_the_receiver_verifies_it(endpoint, receiver, now):
    provider = make_provider()
    restrictions.restrict_provider(
        provider, reason_code="terms_breach", statement="Breach.", actor=make_staff("manager"), now=now
    )
    assert _deliver(now) == 2
    assert [r["verified"] for r in receiver.received] == [True, True]
    first, second = receiver.received
    assert first["body"]["type"] == events.RESTRICTION_CONFIRMED
    assert second["body"]["type"] == events.ELIGIBILITY_CHANGED
    assert second["body"]["data"] == {"provider": provider.reference, "bookable": False,
                                      "reasons": ["restricted:terms_breach"], "since": now.isoformat(),
                                      "sequence": 2}  # fmt: skip
    delivery = _deliveries(endpoint)[1]
    assert second["headers"]["webhook-id"] == delivery.webhook_id == f"evt_{delivery.event_id}"
    assert delivery.status == wf.DeliveryStatus.SUCCEEDED and delivery.attempts == 1
    assert delivery.last_response_code == 200 and delivery.last_duration_ms is not None


def test_the_secret_is_stored_encrypted_and_shown_once(endpoint, receiver):
    stored = db.session.get(WebhookEndpoint, endpoint.id)
    assert receiver.secret.startswith("whsec_") and receiver.secret not in stored.secret_encrypted
    assert services.endpoint_secret(stored) == receiver.secret


def test_a_500_is_retried_on_the_schedule_until_it_succeeds(endpoint, receiver, now):
    receiver.statuses = [500, 503]
    _publish(make_provider(), n=2, now=now)
    assert _deliver(now) == 1  # the provider's second event (sequence 2) waits behind the first
    head = _deliveries(endpoint)[0]
    assert (head.status, head.attempts, head.last_response_code) == (wf.DeliveryStatus.RETRYING, 1, 500)
    assert head.next_attempt_at == now + timedelta(seconds=5)
    assert _deliver(now + timedelta(seconds=4)) == 0
    assert _deliver(now + timedelta(seconds=5)) == 1
    assert (head.status, head.attempts, head.last_response_code) == (wf.DeliveryStatus.RETRYING, 2, 503)
    assert head.next_attempt_at == now + timedelta(seconds=5, minutes=5)
    assert _deliver(now + timedelta(seconds=5, minutes=5)) == 2
    assert head.status == wf.DeliveryStatus.SUCCEEDED and head.attempts == 3
    ids = [r["headers"]["webhook-id"] for r in receiver.received]
    assert ids[:3] == [head.webhook_id] * 3 and all(r["verified"] for r in receiver.received)


def test_a_providers_events_go_in_sequence_order_and_wait_behind_a_failing_one(endpoint, receiver, now):
    provider = make_provider()
    receiver.statuses = [500]
    _publish(provider, n=4, now=now)  # sequences 1, 2, 3, 4
    _deliver(now)
    assert receiver.sequences() == [1]  # 2, 3 and 4 wait for 1
    assert services.claim_next(endpoint.id, provider.id, now=now) is None
    _deliver(now + timedelta(seconds=5))
    assert receiver.sequences() == [1, 1, 2, 3, 4]


def test_a_finally_failed_delivery_lets_the_next_one_go(endpoint, receiver, now):
    provider = make_provider()
    receiver.statuses = [500] * 8
    _publish(provider, n=2, now=now)
    moment = now
    _deliver(moment)
    for wait in wf.RETRY_SCHEDULE:
        moment += wait
        _deliver(moment)
    head, following = _deliveries(endpoint)
    assert head.status == wf.DeliveryStatus.FAILED and head.attempts == 8
    assert following.status == wf.DeliveryStatus.SUCCEEDED
    assert receiver.sequences() == [1] * 8 + [2]


def test_an_endpoint_failing_for_five_days_is_disabled_and_managers_are_told(endpoint, receiver, now):
    manager = make_staff("manager")
    receiver.statuses = [500] * 100
    provider = make_provider()
    _publish(provider, now=now)
    _deliver(now)
    assert endpoint.failing_since == now and endpoint.active
    _publish(make_provider(), now=now + timedelta(days=5))
    _deliver(now + timedelta(days=5))
    assert not endpoint.active and endpoint.disabled_at == now + timedelta(days=5)
    notes = db.session.scalars(sa.select(Notification).where(Notification.recipient == manager.email)).all()
    assert [n.template for n in notes] == ["webhook_endpoint_disabled"]
    assert endpoint.url in notes[0].body
    assert db.session.scalar(
        sa.select(AuditEvent.actor).where(AuditEvent.action == "webhook.endpoint_disable")
    )
    sent = len(receiver.received)
    _deliver(now + timedelta(days=6))
    assert len(receiver.received) == sent  # nothing goes to a disabled endpoint
    services.enable_endpoint(endpoint, actor=make_staff("admin"), now=now + timedelta(days=6))
    receiver.statuses = []
    _deliver(now + timedelta(days=6))
    assert all(d.status == wf.DeliveryStatus.SUCCEEDED for d in _deliveries(endpoint))


def test_a_success_clears_failing_since(endpoint, receiver, now):
    receiver.statuses = [500]
    _publish(make_provider(), now=now)
    _deliver(now)
    assert endpoint.failing_since == now
    _deliver(now + timedelta(seconds=5))
    assert endpoint.failing_since is None


def test_replay_sends_the_same_webhook_id_again_and_is_audited(endpoint, receiver, admin, now):
    _publish(make_provider(), now=now)
    _deliver(now)
    delivery = _deliveries(endpoint)[0]
    services.replay(delivery, actor=admin, now=now)
    with pytest.raises(services.DomainError, match="already waiting"):
        services.replay(delivery, actor=admin, now=now)
    assert delivery.status == wf.DeliveryStatus.PENDING
    _deliver(now)
    assert delivery.status == wf.DeliveryStatus.SUCCEEDED and delivery.attempts == 2
    ids = [r["headers"]["webhook-id"] for r in receiver.received]
    assert ids.count(delivery.webhook_id) == 2
    assert db.session.scalar(
        sa.select(AuditEvent.actor).where(AuditEvent.action == "webhook.delivery_replay")
    )


def test_only_subscribed_types_are_delivered(receiver, admin, now):
    only, secret = services.register_endpoint(
        url=receiver.url, event_types=[events.ELIGIBILITY_CHANGED], actor=admin, now=now
    )
    receiver.secret = secret
    _publish(make_provider(), now=now, kind=events.VETTING_APPROVED)
    _deliver(now)
    assert [r["body"]["type"] for r in receiver.received] == [events.ELIGIBILITY_CHANGED]


# --- SSRF --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:9/h", "http://[::1]/h", "http://169.254.169.254/latest/meta-data/",
     "http://localhost/h", "http://10.0.0.5/h", "http://192.168.1.10/h", "http://172.20.0.1/h"],
)  # fmt: skip
def test_registration_refuses_loopback_private_link_local_and_metadata_addresses(
    app, monkeypatch, admin, now, url
):
    monkeypatch.setitem(app.config, "WEBHOOK_ALLOWED_HOSTS", [])
    with pytest.raises(wf.UnsafeUrl, match="refused unless allow-listed"):
        services.register_endpoint(url=url, event_types=[events.ELIGIBILITY_CHANGED], actor=admin, now=now)


def test_https_is_required_outside_development(app, monkeypatch, admin, now):
    monkeypatch.setitem(app.config, "WEBHOOK_REQUIRE_HTTPS", True)
    with pytest.raises(wf.UnsafeUrl, match="https"):
        services.register_endpoint(
            url="http://127.0.0.1/h", event_types=[events.ELIGIBILITY_CHANGED], actor=admin, now=now
        )


def test_the_address_is_checked_again_at_delivery_time(app, monkeypatch, endpoint, receiver, now):
    monkeypatch.setitem(app.config, "WEBHOOK_ALLOWED_HOSTS", [])  # allowed when registered, not now
    _publish(make_provider(), now=now)
    _deliver(now)
    assert receiver.received == []
    head = _deliveries(endpoint)[0]
    assert head.status == wf.DeliveryStatus.RETRYING and head.last_response_code is None
    assert "refused unless allow-listed" in head.last_error


def test_a_redirect_is_not_followed(endpoint, receiver, now):
    receiver.statuses = [302]
    _publish(make_provider(), now=now)
    _deliver(now)
    head = _deliveries(endpoint)[0]
    assert head.last_response_code == 302 and "redirect" in head.last_error
    assert head.status == wf.DeliveryStatus.RETRYING


# --- a real worker -----------------------------------------------------------------------------


def test_a_real_rq_worker_fans_out_and_delivers_after_commit(endpoint, receiver, queue_redis, now):
    provider = make_provider()
    restrictions.restrict_provider(
        provider, reason_code="terms_breach", statement="Breach.", actor=make_staff("manager"), now=now
    )
    assert Queue("default", connection=queue_redis).count == 0  # nothing before the commit
    db.session.commit()
    queued = [job.func_name for job in Queue("default", connection=queue_redis).jobs]
    assert queued.count("api.webhooks.jobs.fan_out_events") == 1  # one per transaction, two events
    work_burst(queue_redis)
    assert [r["body"]["type"] for r in receiver.received] == [
        events.RESTRICTION_CONFIRMED,
        events.ELIGIBILITY_CHANGED,
    ]
    assert all(r["verified"] for r in receiver.received)
    assert {d.status for d in _deliveries(endpoint)} == {wf.DeliveryStatus.SUCCEEDED}


def test_an_https_endpoint_is_spoken_to_in_tls_and_a_plain_http_answer_fails(app, monkeypatch, receiver, now):
    monkeypatch.setitem(app.config, "WEBHOOK_REQUIRE_HTTPS", True)
    url = receiver.url.replace("http://", "https://")
    endpoint, receiver.secret = services.register_endpoint(
        url=url, event_types=[events.REVIEW_HIDDEN], actor=make_staff("admin"), now=now
    )
    _publish(make_provider(), now=now)
    _deliver(now)
    head = _deliveries(endpoint)[0]
    assert head.status == wf.DeliveryStatus.RETRYING and head.last_response_code is None
    assert "SSL" in head.last_error
    assert receiver.received == []


def test_the_periodic_job_picks_up_a_due_retry_on_a_real_worker(endpoint, receiver, queue_redis, now):
    from console.jobs import enqueue
    from console.schedule import PERIODIC_JOBS

    assert "api.webhooks.jobs.deliver_due" in {p.func for p in PERIODIC_JOBS}
    receiver.statuses = [500]
    _publish(make_provider(), n=2, now=now)
    _deliver(now)  # the first fails; its retry is due 5 s later (long past by the worker's clock)
    db.session.commit()
    queue_redis.flushdb()  # only the periodic job: not the retry timed by the failure
    enqueue(jobs.deliver_due)
    work_burst(queue_redis)
    assert receiver.sequences() == [1, 1, 2]
    assert {d.status for d in _deliveries(endpoint)} == {wf.DeliveryStatus.SUCCEEDED}


def test_the_connection_goes_to_the_checked_address_without_a_second_lookup(receiver):
    from api.webhooks import transport

    port = receiver.server.server_address[1]
    # A name that resolves nowhere: the request reaches the receiver only because the connection
    # uses the address checked before, as a rebinding DNS answer would be ignored.
    connection = transport._PinnedHTTPConnection("rebind.invalid", port, "127.0.0.1", timeout=5)
    receiver.secret = "whsec_" + "A" * 32
    connection.request("POST", "/hooks", body=b"{}", headers={"content-type": "application/json"})
    assert connection.getresponse().status == 200
    connection.close()
    assert receiver.received[0]["headers"]["host"] == f"rebind.invalid:{port}"


def test_an_api_clients_endpoints_are_listed_without_their_secret(receiver, admin, now):
    from api.webhooks import reporting
    from tests.api.conftest import make_api_client

    client_id = make_api_client().client.id  # a real one: the endpoint's api_client_id is a foreign key
    mine, secret = services.register_endpoint(
        url=receiver.url, event_types=[events.REVIEW_HIDDEN], actor=admin, now=now, api_client_id=client_id
    )
    services.register_endpoint(url=receiver.url, event_types=[events.REVIEW_HIDDEN], actor=admin, now=now)
    listed = reporting.endpoints_of(client_id)
    assert [e.id for e in listed] == [mine.id] and listed[0].event_types == [events.REVIEW_HIDDEN]
    assert secret not in repr(listed) and listed[0].secret_prefix == secret[:10]
    assert len(reporting.endpoints_of(None)) == 1
