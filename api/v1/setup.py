"""Mount /api/v1 on the console: flask-smorest for the schemas and the OpenAPI 3.1 document,
problem+json errors, the rate limit (flask-limiter, counted in Redis), no CSRF, no cookies."""

from __future__ import annotations

import logging

from flask import Flask, current_app, request
from flask_limiter import Limiter
from flask_smorest import Api
from flask_smorest.utils import prepare_response
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException

from api.services import ExternalIdTaken
from api.v1 import (
    bookings,
    calls,
    clients,
    complaints,
    eligibility,
    providers,
    reviews,
    webhook_endpoints,
)
from api.v1.problems import PROBLEM_JSON, problem, validation_problem
from api.v1.resources import reference_of_object
from api.v1.schemas import Problem
from console import validation as v
from console.access import public
from console.db import db, is_write_conflict
from console.domain import DomainError, StaleRecord, _
from console.extensions import csrf
from console.jobs import redis_url

log = logging.getLogger(__name__)
BLUEPRINTS = (
    providers.blp, clients.blp, bookings.blp, reviews.blp, complaints.blp, eligibility.blp,
    eligibility.changes_blp, webhook_endpoints.blp,
)  # fmt: skip
DESCRIPTION = """The Ekoklean Console's integration API for the marketplace.

Authenticate with `Authorization: Bearer <key>` (keys are issued by an admin in the console or with
`flask api clients create`). Errors are RFC 9457 `application/problem+json`, with each bad field
named in `errors`. Send `Idempotency-Key` on a POST to retry it safely for 24 hours: a replay
answers the first answer again with `Idempotent-Replayed: true`; the same key with another body is
refused (422); a request still running with the same key is refused (409). Records take the
marketplace's own id as `external_id`; address them by our reference (`PRV-000123`) or by
`ext:<external_id>`."""


class ConsoleApi(Api):
    """flask-smorest, with every error documented as problem+json and no app-wide error handler
    (the console's pages keep their own)."""

    ERROR_SCHEMA = Problem

    def _register_error_handlers(self):
        return None

    def _register_responses(self):
        for status in (400, 401, 403, 404, 409, 413, 415, 422, 429):
            from http import HTTPStatus

            response = {"description": HTTPStatus(status).phrase, "schema": self.ERROR_SCHEMA}
            prepare_response(response, self.spec, PROBLEM_JSON)
            self.spec.components.response(HTTPStatus(status).name, response, lazy=True)
        response = {"description": "An error (RFC 9457 problem details)", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, PROBLEM_JSON)
        self.spec.components.response(self.DEFAULT_ERROR_RESPONSE_NAME, response, lazy=True)


def register(app: Flask) -> None:
    config = app.config
    config.setdefault("API_RATE_LIMIT", "600/minute")
    config.setdefault("API_MAX_BODY_BYTES", 2 * 1024 * 1024)
    config.update(API_TITLE="Ekoklean Console integration API", API_VERSION="v1", OPENAPI_VERSION="3.1.0")
    config["API_SPEC_OPTIONS"] = {
        "info": {"description": DESCRIPTION},
        "servers": [{"url": "/"}],
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "security": [{"bearer": []}],
    }
    api = ConsoleApi(app)
    limiter = Limiter(
        key_func=calls.rate_limit_key,
        app=app,
        storage_uri=_limits_uri(redis_url(app)),
        headers_enabled=True,
        strategy="moving-window",
        key_prefix="console-api",
        swallow_errors=True,  # Redis down: calls go through uncounted (logged), the API stays up
    )
    shared = limiter.shared_limit(lambda: app.config["API_RATE_LIMIT"], scope="api-v1")
    app.extensions["console_api_limiter"] = limiter
    for blp in BLUEPRINTS:
        shared(blp)
        csrf.exempt(blp)
        if not getattr(blp, "problem_handlers", False):  # module-level blueprints, apps made again in tests
            _errors(blp)
            blp.problem_handlers = True
        api.register_blueprint(blp)
    calls.init_app(app)
    _routing_errors(app)
    app.extensions["console_api"] = api

    @app.get("/api/v1/openapi.json", endpoint="api_v1_openapi")
    @public
    def openapi_json():
        return calls.json_body(api.spec.to_dict())


def _limits_uri(url: str) -> str:
    return "redis+unix://" + url[len("unix://") :] if url.startswith("unix://") else url


def _errors(blp) -> None:
    @blp.errorhandler(ExternalIdTaken)
    def _taken(exc):
        return problem(409, str(exc), existing=reference_of_object(request.blueprint, exc.object_id))

    @blp.errorhandler(StaleRecord)
    def _stale(exc):
        return problem(409, str(exc))

    @blp.errorhandler(DomainError)
    def _refused(exc):
        errors = [{"field": exc.field, "detail": str(exc)}] if isinstance(exc, v.InvalidField) else []
        return problem(422, str(exc), errors=errors)

    @blp.errorhandler(HTTPException)
    def _http(exc):
        return http_problem(exc, current_app.extensions["console_api_limiter"])

    @blp.errorhandler(Exception)
    def _unexpected(exc):
        if isinstance(exc, HTTPException):
            return http_problem(exc, current_app.extensions["console_api_limiter"])
        if isinstance(exc, IntegrityError) or is_write_conflict(exc):
            db.session.rollback()
            return problem(
                409, _("Another request changed the same records at the same moment; nothing was saved.")
            )
        if isinstance(exc, OperationalError | InterfaceError):
            db.session.rollback()
            return problem(503, _("The database did not answer. Nothing was saved; try again in a moment."))
        log.exception("unhandled error on %s", request.path)
        db.session.rollback()
        return problem(500, _("The error was logged and nothing was saved."))


def http_problem(exc: HTTPException, limiter=None):
    data = getattr(exc, "data", None) or {}
    if exc.code == 422 and "messages" in data:
        return validation_problem(data["messages"])
    if exc.code == 429 and limiter is not None:
        return problem(429, _("Too many requests for this API client; slow down."),
                       headers={"Retry-After": calls.retry_after(limiter)})  # fmt: skip
    if exc.code == 413:
        return problem(413, _("The body is too large."))
    if exc.code == 400:
        return problem(
            400, _("The body is not valid JSON."), errors=[{"field": "body", "detail": exc.description}]
        )
    headers = {"Allow": ", ".join(exc.valid_methods)} if getattr(exc, "valid_methods", None) else None
    return problem(exc.code or 500, exc.description, headers=headers)


def _routing_errors(app: Flask) -> None:
    """Unknown paths and methods under /api/v1 answer problem+json, elsewhere the console's pages."""
    for code in (404, 405):
        previous = app.error_handler_spec[None][code]
        console_handler = next(iter(previous.values()))

        def handler(exc, console_handler=console_handler):
            if request.path.startswith(calls.PREFIX):
                return http_problem(exc)
            return console_handler(exc)

        app.register_error_handler(code, handler)
