"""Bulk load use cases: a batch of lines validated as the API validates (the same marshmallow
schemas, the same cleaning functions of the domains' services), the marketplace's ids resolved
once per batch, what exists already skipped (so a run can be resumed), the rest inserted.
Services flush; the command commits once per batch."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from marshmallow import ValidationError

from api import services as api_services
from api.bulk.workflow import Line
from api.v1.problems import field_errors
from api.v1.schemas import BookingIn, ClientIn, ProviderIn, ReviewIn
from api.workflow import EXTERNAL_PREFIX, ResourceKind, split_lookup
from console import validation as v
from console.db import db
from console.domain import DomainError, _
from marketplace import services as marketplace
from marketplace.models import Booking, Client, Provider
from reviews import services as reviews

KINDS = {
    "providers": ResourceKind.PROVIDER,
    "clients": ResourceKind.CLIENT,
    "bookings": ResourceKind.BOOKING,
    "reviews": ResourceKind.REVIEW,
}
SCHEMAS = {"providers": ProviderIn, "clients": ClientIn, "bookings": BookingIn, "reviews": ReviewIn}
MODELS = {"client": Client, "provider": Provider, "booking": Booking}


@dataclass
class BatchResult:
    created: int = 0
    skipped: int = 0  # already imported (same external id): a resumed run
    rejected: list[Line] = field(default_factory=list)


def _error(field_name: str, detail: str) -> list[dict[str, str]]:
    return [{"field": field_name, "detail": detail}]


def import_batch(
    kind: str, lines: list[Line], *, api_client_id: int, actor: Any, now: datetime
) -> BatchResult:
    """Validate and load one batch of `kind` (providers, clients, bookings, reviews)."""
    result, schema, resource = BatchResult(), SCHEMAS[kind](), KINDS[kind]
    good: list[tuple[Line, dict]] = []
    for line in lines:
        if line.values is None:
            result.rejected.append(line)
            continue
        try:
            body = schema.load(line.values)
        except ValidationError as exc:
            line.errors = field_errors(exc.messages)
            result.rejected.append(line)
            continue
        if not body.get("external_id"):
            line.errors = _error("external_id", _("An imported record needs its external_id."))
            result.rejected.append(line)
            continue
        good.append((line, body))
    known = api_services.objects_for_external_ids(
        api_client_id, resource, [b["external_id"] for _l, b in good]
    )
    fresh, seen = [], {}
    for line, body in good:
        ext = body["external_id"]
        if ext in known:
            result.skipped += 1
        elif ext in seen:
            line.errors = _error("external_id", _("Duplicate of line %(line)s.", line=seen[ext]))
            result.rejected.append(line)
        else:
            seen[ext] = line.number
            fresh.append((line, body))
    load: Callable = {
        "providers": _providers,
        "clients": _clients,
        "bookings": _bookings,
        "reviews": _reviews,
    }[kind]
    created = load(fresh, result, api_client_id=api_client_id, actor=actor, now=now)
    api_services.map_external_ids(api_client_id, resource, created, now=now)
    result.created = len(created)
    result.rejected.sort(key=lambda line: line.number)
    return result


def _refuse(line: Line, exc: DomainError, result: BatchResult) -> None:
    line.errors = _error(exc.field if isinstance(exc, v.InvalidField) else "line", str(exc))
    result.rejected.append(line)


def _clients(fresh, result, *, api_client_id, actor, now) -> list[tuple[str, int]]:
    rows, exts = [], []
    for line, body in fresh:
        try:
            values = marketplace.clean_client(body)
        except DomainError as exc:
            _refuse(line, exc, result)
            continue
        rows.append(values | {"language": body.get("language") or "fr"})
        exts.append(body["external_id"])
    return list(zip(exts, marketplace.insert_clients(rows, actor=actor, now=now), strict=True))


def _providers(fresh, result, *, api_client_id, actor, now) -> list[tuple[str, int]]:
    # Each application opens its vetting case (the domain's hook): the use case runs per provider.
    created = []
    for line, body in fresh:
        ext, language = body.pop("external_id"), body.pop("language", "fr")
        try:
            provider = marketplace.create_provider(fields=body, joined_on=now.date(), actor=actor, now=now)
        except DomainError as exc:
            _refuse(line, exc, result)
            continue
        provider.language = language
        created.append((ext, provider.id))
    return created


def resolve(api_client_id: int, kind: str, terms: set[str]) -> dict[str, int]:
    """{term: our id} of the references or `ext:` ids that name an existing record of `kind`,
    in one query per sort of term."""
    external = {t: t[len(EXTERNAL_PREFIX) :] for t in terms if t.startswith(EXTERNAL_PREFIX)}
    known = api_services.objects_for_external_ids(api_client_id, ResourceKind(kind), external.values())
    found = {t: known[e] for t, e in external.items() if e in known}
    model = MODELS[kind]
    for term in terms - external.keys():
        how, value = split_lookup(term)
        parsed = v.parse_reference(value, model.REFERENCE_PREFIX) if how != "external" else None
        if parsed is not None:
            found[term] = parsed
    ids = list(set(found.values()))
    existing: set[int] = set()
    for start in range(0, len(ids), 1000):
        existing.update(
            db.session.scalars(sa.select(model.id).where(model.id.in_(ids[start : start + 1000])))
        )
    return {t: i for t, i in found.items() if i in existing}


def _bookings(fresh, result, *, api_client_id, actor, now) -> list[tuple[str, int]]:
    clients = resolve(api_client_id, "client", {b["client"] for _l, b in fresh})
    providers = resolve(api_client_id, "provider", {b["provider"] for _l, b in fresh})
    rows, exts = [], []
    for line, body in fresh:
        client_id, provider_id = clients.get(body["client"]), providers.get(body["provider"])
        if client_id is None or provider_id is None:
            name = "client" if client_id is None else "provider"
            line.errors = _error(name, _("Nothing matches this %(what)s.", what=name))
            result.rejected.append(line)
            continue
        try:
            values = marketplace.clean_booking(body)
        except DomainError as exc:
            _refuse(line, exc, result)
            continue
        rows.append(values | {"client_id": client_id, "provider_id": provider_id})
        exts.append(body["external_id"])
    return list(zip(exts, marketplace.insert_bookings(rows, actor=actor, now=now), strict=True))


def _reviews(fresh, result, *, api_client_id, actor, now) -> list[tuple[str, int]]:
    ids = resolve(api_client_id, "booking", {b["booking"] for _l, b in fresh})
    bookings = {
        b.id: b for b in db.session.scalars(sa.select(Booking).where(Booking.id.in_(set(ids.values()))))
    }
    created = []
    for line, body in fresh:
        booking = bookings.get(ids.get(body["booking"], 0))
        if booking is None:
            line.errors = _error("booking", v.no_such_record(body["booking"][:110]))
            result.rejected.append(line)
            continue
        try:
            review = reviews.record_review(
                booking=booking, rating=body["rating"], text=body["text"], actor=actor, now=now
            )
        except DomainError as exc:
            _refuse(line, exc, result)
            continue
        created.append((body["external_id"], review.id))
    return created
