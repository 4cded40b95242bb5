"""Finding records by our reference or `ext:<external id>`, and writing them as plain dicts."""

from __future__ import annotations

from typing import Any

from flask import abort

from api import services as api_services
from api.v1 import calls
from api.workflow import ResourceKind, split_lookup
from console import validation as v
from console.db import db
from disputes.complaints.models import Complaint
from marketplace.models import Booking, Client, Provider

MODELS: dict[ResourceKind, Any] = {
    ResourceKind.PROVIDER: Provider,
    ResourceKind.CLIENT: Client,
    ResourceKind.BOOKING: Booking,
    ResourceKind.COMPLAINT: Complaint,
}
PREFIXES = {
    ResourceKind.PROVIDER: "PRV",
    ResourceKind.CLIENT: "CLI",
    ResourceKind.BOOKING: "BKG",
    ResourceKind.REVIEW: "REV",
    ResourceKind.COMPLAINT: "CMP",
}
BLUEPRINT_KINDS = {
    "api_providers": ResourceKind.PROVIDER,
    "api_clients": ResourceKind.CLIENT,
    "api_bookings": ResourceKind.BOOKING,
    "api_reviews": ResourceKind.REVIEW,
    "api_complaints": ResourceKind.COMPLAINT,
}


def reference(kind: ResourceKind, object_id: int) -> str:
    width = 6 if kind == ResourceKind.PROVIDER else 7
    return f"{PREFIXES[kind]}-{object_id:0{width}d}"


def reference_of_object(blueprint: str | None, object_id: int) -> str | None:
    kind = BLUEPRINT_KINDS.get(blueprint or "")
    return reference(kind, object_id) if kind else None


def object_id(kind: ResourceKind, term: str) -> int | None:
    """Our id for `term` (a reference or `ext:<id>`), None when nothing matches (not even its shape)."""
    how, value = split_lookup(term or "")
    if how == "external":
        return api_services.object_for_external_id(calls.client_id(), kind, value)
    return v.parse_reference(value, PREFIXES[kind])


def find(kind: ResourceKind, term: str, *, field: str | None = None):
    """The record named by `term`: 404 for a path, 422 naming the field for a body's reference."""
    found = object_id(kind, term)
    record = db.session.get(MODELS[kind], found) if found is not None else None
    if record is None:
        if field is None:
            abort(404, description=v.no_such_record(term[:110]))
        raise v.InvalidField(field, v.no_such_record(term[:110]))
    return record


def external_id(kind: ResourceKind, our_id: int) -> str | None:
    return api_services.external_ids_of(calls.client_id(), kind, [our_id]).get(our_id)


def remember(kind: ResourceKind, ext: str | None, our_id: int, now) -> None:
    api_services.map_external_ids(calls.client_id(), kind, [(ext, our_id)], now=now)


def dump(record: Any, fields: tuple[str, ...], **extra: Any) -> dict[str, Any]:
    values = {name: _plain(getattr(record, name)) for name in fields}
    return {"reference": record.reference, **values, **extra}


def _plain(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return getattr(value, "value", value)
