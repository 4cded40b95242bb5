"""POST /bookings, POST /bookings/batch (up to 1,000, a result per item), PATCH /bookings/{ref}."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import request
from marshmallow import ValidationError

from api import services as api_services
from api.v1 import calls
from api.v1.common import blueprint, documented_errors
from api.v1.problems import field_errors
from api.v1.resources import dump, external_id, find, object_id, reference, remember
from api.v1.schemas import BookingBatchIn, BookingBatchOut, BookingIn, BookingOut, BookingPatch
from api.workflow import BATCH_MAX, EXTERNAL_PREFIX, ResourceKind
from console import validation as v
from console.db import db, utcnow
from console.domain import _
from marketplace import services
from marketplace.models import Client, Provider

blp = blueprint("bookings", "Bookings sold on the marketplace and what happens to them.")
KIND = ResourceKind.BOOKING
FIELDS = ("service", "scheduled_start", "duration_minutes", "price_cents", "currency", "status",
          "cancellation_terms_version", "cancelled_at", "cancelled_by", "completed_at")  # fmt: skip


def booking_json(booking, ext: str | None, client_ref: str | None = None, provider_ref: str | None = None):
    return dump(
        booking, FIELDS, external_id=ext,
        client=client_ref or reference(ResourceKind.CLIENT, booking.client_id),
        provider=provider_ref or reference(ResourceKind.PROVIDER, booking.provider_id),
    )  # fmt: skip


@blp.route("", methods=["POST"])
@blp.arguments(BookingIn)
@blp.response(201, BookingOut)
@documented_errors(blp, post=True)
@calls.scope("bookings:write")
def create_booking(body):
    """Take in a booking with the price and the cancellation terms it was sold under."""
    now, ext = utcnow(), body.pop("external_id", None)
    api_services.ensure_external_id_free(calls.client_id(), KIND, ext)
    client = find(ResourceKind.CLIENT, body.pop("client"), field="client")
    provider = find(ResourceKind.PROVIDER, body.pop("provider"), field="provider")
    values = services.clean_booking(body)
    booking = services.record_booking(
        client=client, provider=provider, **values, actor=calls.actor(), now=now
    )
    remember(KIND, ext, booking.id, now)
    return calls.json_body(booking_json(booking, ext), 201, f"/api/v1/bookings/{booking.reference}")


@blp.route("/batch", methods=["POST"])
@blp.doc(requestBody={"required": True, "content": {"application/json": {"schema": BookingBatchIn}}})
@blp.response(200, BookingBatchOut)
@documented_errors(blp, post=True)
@calls.scope("bookings:write")
def create_bookings(**_kwargs):
    """Take in up to 1,000 bookings: each item is created or refused on its own (`results`)."""
    items = _batch_items(request.get_json(silent=True))
    now, results, good = utcnow(), [], []
    refs = _references(items)
    taken = api_services.objects_for_external_ids(
        calls.client_id(),
        KIND,
        [i["external_id"] for i in items if isinstance(i, dict) and isinstance(i.get("external_id"), str)],
    )
    seen: set[str] = set()
    for index, raw in enumerate(items):
        outcome = _check_item(index, raw, refs, taken, seen)
        results.append(outcome)
        if outcome["status"] == 0:
            good.append(outcome)
    bookings = services.record_bookings([o.pop("values") for o in good], actor=calls.actor(), now=now)
    for outcome, booking in zip(good, bookings, strict=True):
        outcome.update(status=201, reference=booking.reference)
    api_services.map_external_ids(
        calls.client_id(),
        KIND,
        [(o["external_id"], b.id) for o, b in zip(good, bookings, strict=True)],
        now=now,
    )
    created = len(bookings)
    return calls.json_body({"created": created, "refused": len(items) - created, "results": results})


def _batch_items(payload: Any) -> list:
    if not isinstance(payload, dict) or not isinstance(payload.get("items"), list):
        raise v.InvalidField("items", _('Send {"items": [...]}, a list of bookings.'))
    items = payload["items"]
    if not 1 <= len(items) <= BATCH_MAX:
        raise v.InvalidField("items", _("A batch holds 1 to %(max)s bookings.", max=BATCH_MAX))
    return items


def _references(items: list) -> dict[tuple[str, str], int | None]:
    """Our ids of every client and provider the batch names, looked up once per distinct term."""
    found: dict[tuple[str, str], int | None] = {}
    wanted = {
        (kind, item[kind])
        for item in items
        if isinstance(item, dict)
        for kind in ("client", "provider")
        if isinstance(item.get(kind), str)
    }
    for kind in ("client", "provider"):
        external = {
            term[len(EXTERNAL_PREFIX) :]
            for k, term in wanted
            if k == kind and term.startswith(EXTERNAL_PREFIX)
        }
        known = api_services.objects_for_external_ids(calls.client_id(), ResourceKind(kind), external)
        for k, term in wanted:
            if k == kind:
                ext = term[len(EXTERNAL_PREFIX) :] if term.startswith(EXTERNAL_PREFIX) else None
                found[kind, term] = known.get(ext) if ext is not None else object_id(ResourceKind(kind), term)
    for kind, model in (("client", Client), ("provider", Provider)):
        ids = {i for (k, _t), i in found.items() if k == kind and i is not None}
        existing = set(db.session.scalars(sa.select(model.id).where(model.id.in_(ids)))) if ids else set()
        for key, i in found.items():
            if key[0] == kind and i not in existing:
                found[key] = None
    return found


def _check_item(index: int, raw: Any, refs, taken, seen) -> dict:
    ext = raw.get("external_id") if isinstance(raw, dict) else None
    ext = ext if isinstance(ext, str) else None  # echoed only when it is text
    outcome: dict[str, Any] = {"index": index, "status": 0, "reference": None, "external_id": ext}
    try:
        body = BookingIn().load(raw if isinstance(raw, dict) else {})
        ext = body.pop("external_id", None)
        if ext is not None and (ext in taken or ext in seen):
            existing = taken.get(ext)
            return outcome | {"status": 409, "errors": [{"field": "external_id", "detail": _(
                "This external id is already used by another record.")}],
                "reference": reference(KIND, existing) if existing else None}  # fmt: skip
        client_id, provider_id = (
            refs.get(("client", body.pop("client"))),
            refs.get(("provider", body.pop("provider"))),
        )
        if client_id is None or provider_id is None:
            field = "client" if client_id is None else "provider"
            raise v.InvalidField(field, _("Nothing matches this %(what)s.", what=field))
        values = services.clean_booking(body) | {"client_id": client_id, "provider_id": provider_id}
    except ValidationError as exc:
        return outcome | {"status": 422, "errors": field_errors(exc.messages)}
    except v.InvalidField as exc:
        return outcome | {"status": 422, "errors": [{"field": exc.field, "detail": str(exc)}]}
    if ext is not None:
        seen.add(ext)
    return outcome | {"values": values}


@blp.route("/<string:reference>", methods=["PATCH"])
@blp.arguments(BookingPatch)
@blp.response(200, BookingOut)
@documented_errors(blp, lookup=True)
@calls.scope("bookings:write")
def update_booking(body, reference):
    """Completed, rescheduled, or cancelled (by whom, when, under the booking's cancellation terms)."""
    booking = find(KIND, reference)
    event = body.pop("event")
    if event == "cancel" and not body.get("cancellation_terms_version"):
        raise v.InvalidField(
            "cancellation_terms_version", _("Cancelling needs the booking's cancellation-terms version.")
        )
    if event == "cancel" and not body.get("cancelled_by"):
        raise v.InvalidField("cancelled_by", _("Say who cancelled: client, provider or platform."))
    services.change_booking(booking, event, actor=calls.actor(), now=utcnow(), **body)
    return calls.json_body(booking_json(booking, external_id(KIND, booking.id)))
