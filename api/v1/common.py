"""Pieces every endpoint module uses: the documented error answers and the Idempotency-Key header."""

from __future__ import annotations

from http import HTTPStatus

from flask_smorest import Blueprint

IDEMPOTENCY_HEADER = {
    "in": "header",
    "name": "Idempotency-Key",
    "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": 200},
    "description": "Retry this POST safely for 24 hours (replays answer the first answer again).",
}
ERRORS = (400, 401, 403, 409, 413, 415, 422, 429)


def blueprint(name: str, description: str) -> Blueprint:
    # Named api_*: the console's admin views already own the plain names.
    return Blueprint(f"api_{name}", f"api_{name}", url_prefix=f"/api/v1/{name}", description=description)


def documented_errors(blp: Blueprint, *, lookup: bool = False, post: bool = False):
    """Document the problem answers an operation may give (and the Idempotency-Key on POST)."""

    def decorate(view):
        for status in ERRORS + ((404,) if lookup else ()):
            view = blp.alt_response(status, response=HTTPStatus(status).name)(view)
        if post:
            view = blp.doc(parameters=[IDEMPOTENCY_HEADER])(view)
        return view

    return decorate
