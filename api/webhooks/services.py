"""Webhook use cases: register, disable, enable, delete endpoints; fan events out into deliveries;
attempt a delivery; replay one. Services flush; the job, command or request commits."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import joinedload

from api.webhooks import signing, transport
from api.webhooks import workflow as wf
from api.webhooks.models import WebhookDelivery, WebhookEndpoint
from console import events
from console.audit import services as audit
from console.counts import capped_count
from console.db import after_commit, db, utcnow
from console.domain import DomainError, _

SYSTEM_ACTOR = "system:webhooks.deliver"
FAN_OUT_BATCH = 2000


def policy() -> transport.Policy:
    return transport.Policy.from_config(current_app.config)


# --- endpoints ------------------------------------------------------------------------------


def register_endpoint(
    *,
    url: str,
    event_types: list[str],
    actor: Any,
    now: datetime,
    description: str | None = None,
    api_client_id: int | None = None,
) -> tuple[WebhookEndpoint, str]:
    """Register an endpoint; return it with its secret, shown this once (stored encrypted)."""
    url = (url or "").strip()
    transport.resolve_checked(url, policy())  # refused now rather than at the first delivery
    problem = wf.event_types_problem(event_types, events.EVENT_TYPES)
    if problem:
        raise DomainError(problem)
    description = (description or "").strip() or None
    if description and len(description) > 200:
        raise DomainError(_("The description is too long (at most 200 characters)."))
    secret = signing.new_secret()
    endpoint = WebhookEndpoint(
        url=url,
        description=description,
        event_types=sorted(set(event_types)),
        secret_encrypted=signing.encrypt(secret, secret_key=current_app.config["SECRET_KEY"]),
        secret_prefix=secret[:10],
        api_client_id=api_client_id,
        created_at=now,
        created_by=audit.actor_label(actor)[1],
    )
    db.session.add(endpoint)
    db.session.flush()
    changes = {"url": url, "event_types": endpoint.event_types, "api_client_id": api_client_id}
    audit.record(actor, "webhook.endpoint_register", endpoint, changes=changes, now=now)
    return endpoint, secret


def client_endpoint(endpoint_id: int, api_client_id: int) -> WebhookEndpoint | None:
    """An endpoint the API client registered (None for another client's, or the console's)."""
    return db.session.scalar(
        sa.select(WebhookEndpoint).where(
            WebhookEndpoint.id == endpoint_id, WebhookEndpoint.api_client_id == api_client_id
        )
    )


def endpoint_secret(endpoint: WebhookEndpoint) -> str:
    return signing.decrypt(endpoint.secret_encrypted, secret_key=current_app.config["SECRET_KEY"])


def disable_endpoint(
    endpoint: WebhookEndpoint, *, actor: Any, now: datetime, reason: str | None = None
) -> None:
    """Stop sending to an endpoint; its deliveries wait until it is enabled again."""
    if not endpoint.active:
        raise DomainError(_("%(endpoint)s is already disabled.", endpoint=endpoint))
    endpoint.active, endpoint.disabled_at = False, now
    endpoint.disabled_reason = (reason or _("disabled by a person"))[:500]
    audit.record(
        actor, "webhook.endpoint_disable", endpoint, changes={"reason": endpoint.disabled_reason}, now=now
    )


def enable_endpoint(endpoint: WebhookEndpoint, *, actor: Any, now: datetime) -> None:
    """Send to the endpoint again; what waited is delivered, in order."""
    if endpoint.active:
        raise DomainError(_("%(endpoint)s is already enabled.", endpoint=endpoint))
    endpoint.active, endpoint.disabled_at, endpoint.disabled_reason, endpoint.failing_since = (
        True,
        None,
        None,
        None,
    )
    audit.record(actor, "webhook.endpoint_enable", endpoint, now=now)
    db.session.flush()
    after_commit(_enqueue_due)


def delete_endpoint(endpoint: WebhookEndpoint, *, actor: Any, now: datetime) -> None:
    """Delete an endpoint and its delivery log."""
    audit.record(actor, "webhook.endpoint_delete", endpoint, changes={"url": endpoint.url}, now=now)
    db.session.execute(sa.delete(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint.id))
    db.session.delete(endpoint)
    db.session.flush()


# --- fan-out --------------------------------------------------------------------------------


def schedule_fan_out(event: events.IntegrationEvent) -> None:
    """Hook run for every published event: once the transaction commits, a job turns the new
    events into deliveries (one job per transaction; the minute sweep catches a lost one)."""
    session = db.session()
    transaction = session.get_transaction()
    if session.info.get("webhook_fan_out") is transaction:
        return
    session.info["webhook_fan_out"] = transaction
    after_commit(_enqueue_fan_out)


def _enqueue_fan_out() -> None:
    from api.webhooks import jobs
    from console.jobs import enqueue

    enqueue(jobs.fan_out_events)


def _enqueue_due() -> None:
    from api.webhooks import jobs
    from console.jobs import enqueue

    enqueue(jobs.deliver_due)


Chain = tuple[int, int | None]  # (endpoint id, provider id): delivered in sequence order


def fan_out(*, now: datetime, limit: int = FAN_OUT_BATCH) -> list[Chain]:
    """Create the deliveries of up to `limit` events not fanned out yet, for the active endpoints
    subscribed to their type; return the chains that have new work."""
    query = (
        sa.select(events.IntegrationEvent.id, events.IntegrationEvent.type,
                  events.IntegrationEvent.provider_id, events.IntegrationEvent.sequence)
        .where(events.IntegrationEvent.fanned_out_at.is_(None))
        .order_by(events.IntegrationEvent.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )  # fmt: skip
    rows = db.session.execute(query).all()
    if not rows:
        return []
    endpoints = db.session.execute(
        sa.select(WebhookEndpoint.id, WebhookEndpoint.event_types).where(WebhookEndpoint.active.is_(True))
    ).all()
    deliveries = [
        {"endpoint_id": endpoint_id, "event_id": event_id, "provider_id": provider_id, "sequence": sequence,
         "status": wf.DeliveryStatus.PENDING, "next_attempt_at": now, "created_at": now, "attempts": 0}
        for event_id, kind, provider_id, sequence in rows
        for endpoint_id, types in endpoints
        if kind in types
    ]  # fmt: skip
    if deliveries:
        db.session.execute(sa.insert(WebhookDelivery), deliveries)
    ids = [row.id for row in rows]
    for start in range(0, len(ids), 1000):
        db.session.execute(
            sa.update(events.IntegrationEvent)
            .where(events.IntegrationEvent.id.in_(ids[start : start + 1000]))
            .values(fanned_out_at=now)
            .execution_options(synchronize_session=False)
        )
    return sorted({(d["endpoint_id"], d["provider_id"]) for d in deliveries}, key=_chain_key)


def _chain_key(chain: Chain) -> tuple[int, int]:
    return chain[0], chain[1] if chain[1] is not None else -1


def due_chains(*, now: datetime, limit: int = 5000) -> list[Chain]:
    """Chains of active endpoints with a delivery due (retries, and work a lost job left)."""
    query = (
        sa.select(WebhookDelivery.endpoint_id, WebhookDelivery.provider_id)
        .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
        .where(
            WebhookEndpoint.active.is_(True),
            WebhookDelivery.status.in_(wf.UNFINISHED),
            WebhookDelivery.next_attempt_at <= now,
        )
        .distinct()
        .limit(limit)
    )
    return sorted({(e, p) for e, p in db.session.execute(query)}, key=_chain_key)


# --- delivery -------------------------------------------------------------------------------


def claim_next(endpoint_id: int, provider_id: int | None, *, now: datetime) -> WebhookDelivery | None:
    """The chain's next delivery due now, locked for this worker; None when the chain waits (its
    first unfinished delivery is not due, or another worker holds it) or the endpoint is disabled.

    A provider's deliveries go out in sequence order: sequence n+1 waits until n succeeded or
    finally failed. Events without a provider have no order to keep.
    """
    unfinished = sa.select(WebhookDelivery.id, WebhookDelivery.next_attempt_at).where(
        WebhookDelivery.endpoint_id == endpoint_id, WebhookDelivery.status.in_(wf.UNFINISHED)
    )
    if provider_id is None:
        head = db.session.execute(
            unfinished.where(WebhookDelivery.provider_id.is_(None), WebhookDelivery.next_attempt_at <= now)
            .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
            .limit(1)
        ).first()
    else:
        head = db.session.execute(
            unfinished.where(WebhookDelivery.provider_id == provider_id)
            .order_by(WebhookDelivery.sequence, WebhookDelivery.id)
            .limit(1)
        ).first()
    if head is None or head.next_attempt_at is None or head.next_attempt_at > now:
        return None
    delivery = db.session.scalar(
        sa.select(WebhookDelivery)
        .where(WebhookDelivery.id == head.id, WebhookDelivery.status.in_(wf.UNFINISHED))
        .options(joinedload(WebhookDelivery.event))
        .with_for_update(skip_locked=True, of=WebhookDelivery)
        .execution_options(populate_existing=True)
    )
    if delivery is None or not delivery.endpoint.active:
        return None
    return delivery


def attempt(delivery: WebhookDelivery, *, now: datetime) -> wf.DeliveryStatus:
    """Send one delivery and record the outcome. The signature carries the real clock (receivers
    refuse a timestamp more than 5 minutes off); `now` drives the retry schedule."""
    endpoint, event = delivery.endpoint, delivery.event
    data = dict(event.payload) | ({"sequence": event.sequence} if event.sequence is not None else {})
    payload = signing.body(event.type, event.occurred_at, data)
    headers = signing.headers(endpoint_secret(endpoint), delivery.webhook_id, payload, signed_at=utcnow())
    outcome = transport.post(endpoint.url, payload, headers, policy())
    delivery.attempts += 1
    delivery.last_attempt_at, delivery.last_response_code = now, outcome.status
    delivery.last_duration_ms, delivery.last_error = outcome.duration_ms, outcome.error
    delivery.status, delivery.next_attempt_at = wf.after_attempt(
        delivery.attempts, outcome.succeeded, now=now
    )
    if delivery.status not in wf.UNFINISHED:
        delivery.finished_at = now
    if outcome.succeeded:
        endpoint.failing_since = None
    else:
        endpoint.failing_since = endpoint.failing_since or now
        if wf.should_disable(endpoint.failing_since, now=now):
            _give_up(endpoint, now=now)
        elif delivery.next_attempt_at is not None:
            after_commit(_enqueue_retry, (endpoint.id, delivery.provider_id), delivery.next_attempt_at)
    db.session.flush()
    return delivery.status


def _enqueue_retry(chain: Chain, at: datetime | None) -> None:
    from api.webhooks import jobs
    from console.jobs import enqueue

    enqueue(jobs.deliver_chains, [list(chain)], at=at)


def _give_up(endpoint: WebhookEndpoint, *, now: datetime) -> None:
    """Disable an endpoint that failed for DISABLE_AFTER and tell the managers."""
    from console.auth.services import active_staff
    from console.domain import Role
    from console.notifications.services import queue_notification

    failing_since = endpoint.failing_since
    disable_endpoint(endpoint, actor=SYSTEM_ACTOR, now=now, reason=_("failing for 5 days"))
    days = wf.DISABLE_AFTER.days
    for manager in active_staff(Role.MANAGER):
        queue_notification(
            recipient=manager.email,
            template="webhook_endpoint_disabled",
            related=endpoint,
            now=now,
            language=manager.language,
            context={"endpoint_ref": f"WHE-{endpoint.id:05d}", "url": endpoint.url, "days": days,
                     "failing_since": failing_since},
        )  # fmt: skip


def replay(delivery: WebhookDelivery, *, actor: Any, now: datetime) -> None:
    """Send a delivery again (same webhook-id, so the receiver can tell it is a repeat)."""
    if delivery.status in wf.UNFINISHED:
        raise DomainError(_("%(delivery)s is already waiting to be sent.", delivery=delivery))
    before = delivery.status
    delivery.status, delivery.next_attempt_at, delivery.finished_at = wf.DeliveryStatus.PENDING, now, None
    audit.record(actor, "webhook.delivery_replay", delivery, changes={"status": {"before": before.value,
                 "after": delivery.status.value}}, now=now)  # fmt: skip
    db.session.flush()
    after_commit(_enqueue_retry, (delivery.endpoint_id, delivery.provider_id), None)


def failed_count() -> int:
    """Deliveries that finally failed, for the managers' home badge."""
    return capped_count(
        sa.select(WebhookDelivery.id).where(WebhookDelivery.status == wf.DeliveryStatus.FAILED)
    )
