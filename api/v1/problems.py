"""RFC 9457 problem details: every error under /api/v1 is `application/problem+json`, with the
bad fields named in `errors` ([{"field": "siret", "detail": "..."}])."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from http import HTTPStatus
from typing import Any

from flask import Response

from console.domain import _

PROBLEM_JSON = "application/problem+json"


def problem(
    status: int,
    detail: str | None = None,
    *,
    errors: Iterable[Mapping[str, str]] = (),
    headers: Mapping[str, str] | None = None,
    **extra: Any,
) -> Response:
    body: dict[str, Any] = {"type": "about:blank", "title": HTTPStatus(status).phrase, "status": status}
    if detail:
        body["detail"] = str(detail)
    errors = [{"field": e["field"], "detail": str(e["detail"])} for e in errors]
    if errors:
        body["errors"] = errors
    body.update({k: v for k, v in extra.items() if v is not None})
    response = Response(json.dumps(body, ensure_ascii=False), status=status, mimetype=PROBLEM_JSON)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def field_errors(messages: Any, path: str = "") -> list[dict[str, str]]:
    """marshmallow's nested messages ({"items": {3: {"price_cents": ["..."]}}}) as a flat list of
    field paths (`items.3.price_cents`) and what is wrong with each."""
    if isinstance(messages, Mapping):
        found: list[dict[str, str]] = []
        for key, value in messages.items():
            name = str(key) if key != "_schema" else ""
            found += field_errors(value, f"{path}.{name}".strip(".") if name else path)
        return found
    if isinstance(messages, list | tuple) and messages and not all(isinstance(m, str) for m in messages):
        return [e for m in messages for e in field_errors(m, path)]
    text = "; ".join(messages) if isinstance(messages, list | tuple) else str(messages)
    return [{"field": path or "body", "detail": text}]


def validation_problem(messages: Any) -> Response:
    """422 for a body that does not fit the schema (webargs puts it under its location)."""
    if isinstance(messages, Mapping) and set(messages) <= {"json", "query", "headers", "view_args"}:
        messages = {k: v for location in messages.values() for k, v in (location or {}).items()} or messages
    return problem(422, _("Some fields are not valid."), errors=field_errors(messages))
