"""What every call under /api/v1 goes through: the bearer key, the scope, the content type and
size, the rate limit, `Idempotency-Key` on POST, the audit event (client and key prefix, never
the body) and the request's one commit.

Views do the work and flush; `finish` (after the request) records the call, keeps the answer of
an idempotent POST and commits once. An error answer rolls the work back first.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from typing import Any

from flask import Flask, Response, current_app, g, request, session
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError

from api import services as api_services
from api import workflow as api_wf
from api.clients import services as clients
from api.v1.problems import problem
from console.access import PUBLIC
from console.audit import services as audit
from console.db import db, is_write_conflict, utcnow
from console.domain import DomainError, _, acting_for_machine

log = logging.getLogger(__name__)
PREFIX = "/api/v1/"
OPEN_PATHS = frozenset({"/api/v1/openapi.json"})
REPLAYED = "Idempotent-Replayed"
JSON_TYPES = ("application/json", "application/merge-patch+json")


def scope(name: str | None) -> Callable:
    """Declare the scope a view needs (None: any valid key); the console's role guard lets the
    view through, since the API authenticates with its own keys."""

    def decorate(view: Callable) -> Callable:
        view.api_scope = name
        view.console_roles = PUBLIC
        return view

    return decorate


def is_api_request() -> bool:
    return request.path.startswith(PREFIX) and request.path not in OPEN_PATHS


def caller():
    """The API key of this request (authenticated once, then kept in `g`), or None."""
    if "api_key" not in g:
        header = request.headers.get("Authorization", "")
        secret = header[7:].strip() if header[:7].lower() == "bearer " else ""
        g.api_key = clients.authenticate(secret, now=utcnow()) if secret else None
    return g.api_key


def actor() -> str:
    return f"system:api:{caller().client.name}"


def client_id() -> int:
    return caller().client_id


def rate_limit_key() -> str:
    key = caller() if is_api_request() else None
    return f"api-client:{key.client.name}" if key is not None else f"api-anonymous:{request.remote_addr}"


def start() -> Response | None:
    """Before an API view: refuse what must be refused, answer replays."""
    if not is_api_request():
        return None
    if caller() is None:
        return problem(
            401,
            _("Send a valid API key as 'Authorization: Bearer <key>'."),
            headers={"WWW-Authenticate": "Bearer"},
        )
    g.machine_context = acting_for_machine(actor())
    g.machine_context.__enter__()
    view = current_app.view_functions.get(request.endpoint or "")
    needed = getattr(view, "api_scope", None)
    if needed and needed not in caller().client.scopes:
        return problem(403, _("This API key's client lacks the scope %(scope)s.", scope=needed))
    limit = current_app.config["API_MAX_BODY_BYTES"]
    if request.content_length is not None and request.content_length > limit:
        return problem(413, _("The body is larger than %(limit)s bytes.", limit=limit))
    request.max_content_length = limit
    body_expected = request.method in ("POST", "PATCH", "PUT") and request.endpoint
    if body_expected and request.mimetype not in JSON_TYPES:
        return problem(415, _("Send JSON, with 'Content-Type: application/json'."))
    if request.method == "POST" and request.endpoint and "Idempotency-Key" in request.headers:
        return _idempotent_start()
    return None


def _idempotent_start() -> Response | None:
    try:
        key = api_wf.clean_idempotency_key(request.headers["Idempotency-Key"])
    except DomainError as exc:
        return problem(400, str(exc), errors=[{"field": "Idempotency-Key", "detail": str(exc)}])
    digest = api_wf.request_digest(request.method, request.path, request.get_data(cache=True))
    if not api_services.lock_idempotency_key(client_id(), key):
        return problem(409, _("A request with this Idempotency-Key is being processed; try again shortly."))
    stored = api_services.stored_answer(client_id(), key, now=utcnow())
    if stored is None:
        g.idempotency = (key, digest)
        return None
    if stored.request_digest != digest:
        return problem(
            422,
            _("This Idempotency-Key was used with another request."),
            errors=[{"field": "Idempotency-Key", "detail": _("Use a new key for a new request.")}],
        )
    g.replayed = True
    response = Response(stored.response_body, status=stored.status_code, mimetype=_stored_type(stored))
    response.headers[REPLAYED] = "true"
    if stored.location:
        response.headers["Location"] = stored.location
    return response


def _stored_type(stored) -> str:
    return "application/json" if stored.status_code < 400 else "application/problem+json"


def finish(response: Response) -> Response:
    """After an API view: the audit event, the idempotent answer, the one commit."""
    if not is_api_request() or g.get("api_key") is None:
        return response
    session.modified = False  # the API never sets a cookie
    if response.status_code >= 400:
        db.session.rollback()
    try:
        _record_call(response)
        if g.get("idempotency") and _keepable(response):
            key, digest = g.idempotency
            api_services.store_answer(
                client_id(), key, method=request.method, path=request.path, digest=digest,
                status_code=response.status_code, body=response.get_data(as_text=True),
                location=response.headers.get("Location"), now=utcnow(),
            )  # fmt: skip
        db.session.commit()
    except (IntegrityError, StaleDataError, OperationalError) as exc:
        db.session.rollback()
        if isinstance(exc, OperationalError) and not is_write_conflict(exc):
            raise
        log.info("API write conflict on %s: %s", request.path, exc)
        return problem(
            409, _("Another request changed the same records at the same moment; nothing was saved.")
        )
    return response


def _keepable(response: Response) -> bool:
    return response.status_code < 500 and response.status_code not in (401, 409, 429)


def _record_call(response: Response) -> None:
    key = caller()
    audit.record(
        actor(),
        "api.call",
        object_type="ApiClient",
        object_id=key.client_id,
        changes={
            "client": key.client.name,
            "key_prefix": key.prefix,
            "method": request.method,
            "path": request.path[:300],
            "status": response.status_code,
            "replayed": bool(g.get("replayed")),
        },
    )


def end(exc: BaseException | None) -> None:
    context = g.pop("machine_context", None)
    if context is not None:
        context.__exit__(None, None, None)


def retry_after(limiter) -> str:
    current = limiter.current_limit
    seconds = int(current.reset_at - time.time()) + 1 if current is not None else 60
    return str(max(1, seconds))


def json_body(data: Any, status: int = 200, location: str | None = None) -> Response:
    text = json.dumps(data, ensure_ascii=False, default=str)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate echoed from the request: written as its JSON escape
        text = json.dumps(data, ensure_ascii=True, default=str)
    response = Response(text, status=status, mimetype="application/json")
    if location:
        response.headers["Location"] = location
    return response


def init_app(app: Flask) -> None:
    app.before_request(start)
    app.after_request(finish)
    app.teardown_request(end)
