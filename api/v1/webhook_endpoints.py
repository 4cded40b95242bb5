"""GET/POST/DELETE /webhook-endpoints: the API client's own webhook endpoints (the secret is shown
once, in the POST answer). The URL checks and the audit are the webhooks services'."""

from __future__ import annotations

from flask import Response, abort

from api.v1 import calls
from api.v1.common import blueprint, documented_errors
from api.v1.schemas import WebhookEndpointIn, WebhookEndpointList, WebhookEndpointOut
from api.webhooks import reporting as webhooks_reporting
from api.webhooks import services as webhooks
from api.webhooks.workflow import UnsafeUrl
from console import validation as v
from console.db import utcnow

blp = blueprint("webhook-endpoints", "Where the console sends signed webhooks, and which events.")
PREFIX = "WHE"


def endpoint_reference(endpoint_id: int) -> str:
    return f"{PREFIX}-{endpoint_id:05d}"


def endpoint_json(endpoint) -> dict:
    return {
        "reference": endpoint_reference(endpoint.id),
        "url": endpoint.url,
        "description": endpoint.description,
        "event_types": list(endpoint.event_types),
        "active": endpoint.active,
        "failing_since": endpoint.failing_since.isoformat() if endpoint.failing_since else None,
        "secret_prefix": endpoint.secret_prefix,
        "created_at": endpoint.created_at.isoformat(),
    }


@blp.route("", methods=["GET"])
@blp.response(200, WebhookEndpointList)
@documented_errors(blp)
@calls.scope("webhooks:manage")
def list_endpoints():
    """This API client's webhook endpoints, oldest first (never their secrets)."""
    items = [endpoint_json(e) for e in webhooks_reporting.endpoints_of(calls.client_id())]
    return calls.json_body({"items": items})


@blp.route("", methods=["POST"])
@blp.arguments(WebhookEndpointIn)
@blp.response(201, WebhookEndpointOut)
@documented_errors(blp, post=True)
@calls.scope("webhooks:manage")
def register_endpoint(body):
    """Subscribe a URL to event types. The answer holds the signing `secret`, shown only this once:
    verify each webhook with it (Standard Webhooks)."""
    try:
        endpoint, secret = webhooks.register_endpoint(
            url=body["url"], event_types=body["event_types"], description=body.get("description"),
            api_client_id=calls.client_id(), actor=calls.actor(), now=utcnow(),
        )  # fmt: skip
    except UnsafeUrl as exc:
        raise v.InvalidField("url", str(exc)) from exc
    reference = endpoint_reference(endpoint.id)
    data = endpoint_json(endpoint) | {"secret": secret}
    return calls.json_body(data, 201, f"/api/v1/webhook-endpoints/{reference}")


@blp.route("/<string:reference>", methods=["DELETE"])
@blp.response(204)
@documented_errors(blp, lookup=True)
@calls.scope("webhooks:manage")
def delete_endpoint(reference):
    """Delete one of this client's endpoints and its delivery log."""
    endpoint_id = v.parse_reference(reference, PREFIX)
    endpoint = webhooks.client_endpoint(endpoint_id, calls.client_id()) if endpoint_id else None
    if endpoint is None:
        abort(404, description=v.no_such_record(reference[:110]))
    webhooks.delete_endpoint(endpoint, actor=calls.actor(), now=utcnow())
    return Response(status=204)
