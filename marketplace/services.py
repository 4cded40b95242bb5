"""Use cases for marketplace records. The acting person (or 'system:<job>') is a parameter."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from flask import current_app

from console import validation as v
from console.audit import services as audit
from console.db import bulk_insert as db_bulk_insert
from console.db import db
from console.domain import DomainError, _, ensure_version
from marketplace import consents
from marketplace.models import (
    TERMS,
    Booking,
    BookingStatus,
    CancelledBy,
    Client,
    Provider,
    ServiceKind,
    VettingStatus,
)

PROVIDER_FIELDS = ("legal_name", "trade_name", "siret", "email", "phone", "address_line", "postcode", "city")
CLIENT_FIELDS = ("full_name", "email", "phone", "postcode", "city")
CONSENTS = ("consent_marketing_email", "consent_marketing_sms", "consent_partner_sharing")


def clean_provider(fields: Mapping[str, Any]) -> dict[str, Any]:
    """Validate and normalise provider fields; raise InvalidField on the first bad one."""
    services = [ServiceKind(s).value for s in fields.get("services") or []]
    if not services:
        raise v.InvalidField("services", _("Choose at least one service."))
    return {
        "legal_name": v.text("legal_name", fields.get("legal_name"), limit=v.NAME_MAX),
        "trade_name": v.text("trade_name", fields.get("trade_name"), limit=v.NAME_MAX, required=False),
        "siret": v.siret(fields.get("siret", "")),
        "email": v.email(fields.get("email", "")),
        "phone": v.phone(fields.get("phone", "")),
        "address_line": v.text("address_line", fields.get("address_line"), limit=v.ADDRESS_MAX),
        "postcode": v.postcode(fields.get("postcode", "")),
        "city": v.text("city", fields.get("city"), limit=v.CITY_MAX),
        "services": sorted(services),
    }


def _ensure_siret_free(siret: str, provider_id: int | None) -> None:
    other = db.session.scalar(sa.select(Provider).where(Provider.siret == siret, Provider.id != provider_id))
    if other is not None:
        raise v.InvalidField(
            "siret", _("This SIRET is already registered for %(reference)s.", reference=other.reference)
        )


def create_provider(
    *,
    fields: Mapping[str, Any],
    joined_on: date,
    actor: Any,
    now: datetime,
    vetting_status: VettingStatus = VettingStatus.NOT_VETTED,
) -> Provider:
    """Register a provider (an applicant until vetting approves them).

    Each callable in `app.extensions["provider_created"]` then runs in the same transaction (the
    vetting package opens the applicant's initial case there), so the console imports no domain.
    """
    values = clean_provider(fields)
    _ensure_siret_free(values["siret"], None)
    provider = Provider(**values, joined_on=joined_on, vetting_status=vetting_status, created_at=now)
    db.session.add(provider)
    db.session.flush()
    audit.record(actor, "provider.create", provider, changes=_created(provider, PROVIDER_FIELDS), now=now)
    if vetting_status == VettingStatus.NOT_VETTED:
        for hook in current_app.extensions.get("provider_created", []):
            hook(provider, actor=actor, now=now)
    return provider


def update_provider(
    provider: Provider, *, fields: Mapping[str, Any], expected_version: int | None, actor: Any, now: datetime
) -> Provider:
    """Change a provider's details; refuse if someone else saved meanwhile."""
    ensure_version(provider, expected_version)
    values = clean_provider(fields)
    _ensure_siret_free(values["siret"], provider.id)
    for key, value in values.items():
        setattr(provider, key, value)
    changes = audit.diff(provider)
    if changes:
        db.session.flush()
        audit.record(actor, "provider.update", provider, changes=changes, now=now)
    return provider


def clean_client(fields: Mapping[str, Any]) -> dict[str, Any]:
    phone, postcode = fields.get("phone"), fields.get("postcode")
    return {
        "full_name": v.text("full_name", fields.get("full_name"), limit=v.NAME_MAX),
        "email": v.email(fields.get("email", "")),
        "phone": v.phone(phone) if (phone or "").strip() else None,
        "postcode": v.postcode(postcode) if (postcode or "").strip() else None,
        "city": v.text("city", fields.get("city"), limit=v.CITY_MAX, required=False),
    } | {name: bool(fields.get(name)) for name in CONSENTS}


def create_client(
    *,
    fields: Mapping[str, Any],
    actor: Any,
    now: datetime,
    consent_source: str = "support",
    wording_version: str | None = None,
) -> Client:
    values = clean_client(fields)
    client = Client(**values, created_at=now, consents_updated_at=now)
    db.session.add(client)
    db.session.flush()
    audit.record(actor, "client.create", client, changes=_created(client, CLIENT_FIELDS + CONSENTS), now=now)
    _record_consents(client, [n for n in CONSENTS if values[n]], consent_source, wording_version, actor, now)
    return client


def _record_consents(client, names, source, wording, actor, now) -> None:
    """The consent records of the client's consent columns just changed (marketplace/consents.py)."""
    for name in names:
        purpose = consents.BY_COLUMN[name]
        consents.record_consent(
            client,
            recipient=purpose.recipient,
            purpose=purpose.purpose,
            given=bool(getattr(client, name)),
            source=source,
            wording_version=wording
            or (consents.SUPPORT_WORDING if source == "support" else consents.UNSPECIFIED_WORDING),
            actor=actor,
            now=now,
        )


def update_client(
    client: Client,
    *,
    fields: Mapping[str, Any],
    expected_version: int | None,
    actor: Any,
    now: datetime,
    consent_source: str = "support",
    wording_version: str | None = None,
) -> Client:
    """Change a client's details and consents (each consent change is a consent record)."""
    ensure_version(client, expected_version)
    for key, value in clean_client(fields).items():
        setattr(client, key, value)
    changes = audit.diff(client)
    if any(name in changes for name in CONSENTS):
        client.consents_updated_at = now
    if changes:
        db.session.flush()
        audit.record(actor, "client.update", client, changes=changes, now=now)
    changed = [name for name in CONSENTS if name in changes]
    _record_consents(client, changed, consent_source, wording_version, actor, now)
    return client


_TERMS_VERSION = re.compile(r"[0-9]{4}-[0-9]{2}(?:[.-][0-9A-Za-z]{1,8})?")


def terms_version(value: object) -> str:
    """A cancellation-terms version such as `2026-03` (the terms a booking was sold under)."""
    if not isinstance(value, str) or not _TERMS_VERSION.fullmatch(value):
        raise v.InvalidField(
            "cancellation_terms_version", _("A cancellation-terms version looks like 2026-03.")
        )
    return value


def terms_id(value: object) -> int:
    """The key of a known cancellation-terms version named like `2026-03` (422 on an unknown one)."""
    label = terms_version(value)
    key = db.session.scalar(sa.select(TERMS.c.id).where(TERMS.c.label == label))
    if key is None:
        raise v.InvalidField(
            "cancellation_terms_version",
            _("Unknown cancellation-terms version %(version)s.", version=label),
        )
    return key


def clean_booking(fields: Mapping[str, Any]) -> dict[str, Any]:
    """Validate the sold terms of a booking (price, duration, service, status, terms version)."""
    currency, duration = fields.get("currency", "EUR"), fields.get("duration_minutes")
    if currency not in v.CURRENCIES:
        raise v.InvalidField("currency", _("Unsupported currency %(currency)s.", currency=repr(currency)))
    if isinstance(duration, bool) or not isinstance(duration, int) or not 0 < duration <= 1440:
        raise v.InvalidField("duration_minutes", _("A duration is 1 to 1440 minutes."))
    try:
        service, status = ServiceKind(fields.get("service")), BookingStatus(fields.get("status"))
    except ValueError as exc:
        raise v.InvalidField("service", _("Unknown service or status.")) from exc
    return {
        "service": service,
        "scheduled_start": fields["scheduled_start"],
        "duration_minutes": duration,
        "price_cents": v.price_cents(fields.get("price_cents")),
        "currency": currency,
        "status": status,
        "cancellation_terms_id": terms_id(fields.get("cancellation_terms_version")),
    }


def record_booking(
    *,
    client: Client,
    provider: Provider,
    service: ServiceKind,
    scheduled_start: datetime,
    duration_minutes: int,
    price_cents: int,
    currency: str = "EUR",
    status: BookingStatus,
    cancellation_terms_version: str | None = None,
    cancellation_terms_id: int | None = None,
    actor: Any,
    now: datetime,
) -> Booking:
    """Take in a booking sold on the marketplace, with the price and terms it was sold under."""
    if currency not in v.CURRENCIES:
        raise v.InvalidField("currency", _("Unsupported currency %(currency)s.", currency=repr(currency)))
    if not isinstance(duration_minutes, int) or not 0 < duration_minutes <= 1440:
        raise v.InvalidField("duration_minutes", _("A duration is 1 to 1440 minutes."))
    booking = Booking(
        client=client,
        provider=provider,
        service=ServiceKind(service),
        scheduled_start=scheduled_start,
        duration_minutes=duration_minutes,
        price_cents=v.price_cents(price_cents),
        currency=currency,
        status=BookingStatus(status),
        cancellation_terms_id=cancellation_terms_id or terms_id(cancellation_terms_version),
        created_at=now,
    )
    db.session.add(booking)
    db.session.flush()
    audit.record(actor, "booking.record", booking, now=now)
    return booking


def record_bookings(items: list[Mapping[str, Any]], *, actor: Any, now: datetime) -> list[Booking]:
    """Take in many bookings at once (already validated by `clean_booking`, with `client_id` and
    `provider_id`): one insert and one audit event naming every booking, for batches of 1,000."""
    bookings = [Booking(**item, created_at=now) for item in items]
    db.session.add_all(bookings)
    db.session.flush()
    if bookings:
        audit.record(
            actor,
            "booking.record_batch",
            object_type="Booking",
            object_id=f"{bookings[0].id}..{bookings[-1].id}",
            changes={"bookings": [b.reference for b in bookings]},
            now=now,
        )
    return bookings


def insert_bookings(items: list[Mapping[str, Any]], *, actor: Any, now: datetime) -> list[int]:
    """Bulk load: bookings already cleaned by `clean_booking` (with `client_id`, `provider_id`) in
    one multi-row insert, and one audit event for them all; their ids, in the order given."""
    rows = [{"cancelled_at": None, "cancelled_by": None, "completed_at": None, **item} for item in items]
    return _insert_many(Booking, "booking.import_batch", rows, actor=actor, now=now)


def insert_clients(items: list[Mapping[str, Any]], *, actor: Any, now: datetime) -> list[int]:
    """Bulk load: clients already cleaned by `clean_client` (and their language), as above."""
    rows = [{"language": "fr", **item, "consents_updated_at": now, "version": 1} for item in items]
    return _insert_many(Client, "client.import_batch", rows, actor=actor, now=now)


def _insert_many(model: Any, action: str, items: list[Mapping[str, Any]], *, actor: Any, now: datetime):
    if not items:
        return []
    ids = db_bulk_insert(model, [{**item, "created_at": now} for item in items], returning_ids=True)
    prefix, width = model.REFERENCE_PREFIX, model.REFERENCE_WIDTH
    audit.record(
        actor, action, object_type=model.__name__, object_id=f"{ids[0]}..{ids[-1]}",
        changes={"count": len(ids), "first": f"{prefix}-{ids[0]:0{width}d}",
                 "last": f"{prefix}-{ids[-1]:0{width}d}"},
        now=now,
    )  # fmt: skip
    return ids


def change_booking(
    booking: Booking,
    event: str,
    *,
    actor: Any,
    now: datetime,
    scheduled_start: datetime | None = None,
    cancelled_by: CancelledBy | str | None = None,
    cancelled_at: datetime | None = None,
    cancellation_terms_version: str | None = None,
) -> Booking:
    """What happened to a booking on the marketplace: `complete`, `reschedule` or `cancel` (by
    whom, when, under which cancellation terms)."""
    if booking.status != BookingStatus.SCHEDULED:
        raise DomainError(
            _(
                "%(booking)s is %(status)s: it can no longer change.",
                booking=booking,
                status=booking.status.label,
            )
        )
    if event == "complete":
        booking.status, booking.completed_at = BookingStatus.COMPLETED, now
    elif event == "reschedule":
        if scheduled_start is None:
            raise v.InvalidField("scheduled_start", _("A new start time is required."))
        booking.scheduled_start = scheduled_start
    elif event == "cancel":
        try:
            booking.cancelled_by = CancelledBy(cancelled_by)
        except ValueError as exc:
            raise v.InvalidField(
                "cancelled_by", _("Say who cancelled: client, provider or platform.")
            ) from exc
        if terms_version(cancellation_terms_version) != booking.cancellation_terms_version:
            raise v.InvalidField(
                "cancellation_terms_version",
                _(
                    "%(booking)s was sold under the terms %(version)s.",
                    booking=booking,
                    version=booking.cancellation_terms_version,
                ),
            )
        booking.status, booking.cancelled_at = BookingStatus.CANCELLED, cancelled_at or now
    else:
        raise DomainError(_("Unknown change %(event)s.", event=event))
    changes = audit.diff(booking)
    db.session.flush()
    audit.record(actor, f"booking.{event}", booking, changes=changes, now=now)
    return booking


def _created(obj: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    return {name: {"before": None, "after": getattr(obj, name)} for name in fields}


ERASED_NAME = "Personne effacée"  # the placeholder of an erased person (stays in French, like a name)


def pseudonymise_client_by_id(client_id: int) -> None:
    pseudonymise_client(db.session.get(Client, client_id))


def pseudonymise_client(client: Client) -> None:
    """Erasure: the client's identity replaced by placeholders; the row stays (bookings, accounting).
    Not audited here with a diff: the erasure records one event without the erased values."""
    client.full_name = ERASED_NAME
    client.email = f"erased-client-{client.id}@invalid.ekoklean.fr"
    client.phone = client.postcode = client.city = None
    client.consent_marketing_email = client.consent_marketing_sms = client.consent_partner_sharing = False
    db.session.flush()
