"""Read-only figures about providers and bookings for other packages (the compliance reports, the
insurance expiry board). Plain values only: tuples and dataclasses, never ORM objects."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from console.db import db, row_dict
from console.domain import _
from console.formatting import format_date, format_money
from console.validation import parse_reference
from marketplace import consents
from marketplace.models import TERMS, Booking, BookingStatus, Client, Provider, ServiceKind, VettingStatus

CHUNK = 5000


def provider_reference(provider_id: int) -> str:
    return f"{Provider.REFERENCE_PREFIX}-{provider_id:0{Provider.REFERENCE_WIDTH}d}"


def provider_names(ids: list[int]) -> dict[int, tuple[str, str]]:
    """(reference, display name) per provider: plain columns, in bounded IN lists, for long lists."""
    found: dict[int, tuple[str, str]] = {}
    for start in range(0, len(ids), CHUNK):
        query = sa.select(Provider.id, Provider.legal_name, Provider.trade_name).where(
            Provider.id.in_(ids[start : start + CHUNK])
        )
        for pid, legal_name, trade_name in db.session.execute(query):
            found[pid] = (provider_reference(pid), trade_name or legal_name)
    return found


def provider_count() -> int:
    return int(db.session.scalar(sa.select(sa.func.count()).select_from(Provider)) or 0)


def approved_provider_count() -> int:
    """Active providers: those whose vetting is approved."""
    query = (
        sa.select(sa.func.count())
        .select_from(Provider)
        .where(Provider.vetting_status == VettingStatus.APPROVED)
    )
    return int(db.session.scalar(query) or 0)


@dataclass(frozen=True)
class RegisterEntry:
    id: int
    legal_name: str
    trade_name: str | None
    siret: str
    postcode: str
    city: str
    joined_on: date


def approved_providers() -> Iterator[RegisterEntry]:
    """Every approved provider in id order, streamed in chunks."""
    columns = (
        Provider.id, Provider.legal_name, Provider.trade_name, Provider.siret, Provider.postcode,
        Provider.city, Provider.joined_on,
    )  # fmt: skip
    query = (
        sa.select(*columns)
        .where(Provider.vetting_status == VettingStatus.APPROVED)
        .order_by(Provider.id)
        .execution_options(yield_per=CHUNK)
    )
    for row in db.session.execute(query):
        yield RegisterEntry(*row)


def terms_versions(since: datetime, until: datetime) -> list[tuple[str | None, int]]:
    """(cancellation-terms version, bookings) for bookings starting in [since, until), most used first."""
    query = (
        sa.select(TERMS.c.label, sa.func.count())
        .join_from(Booking, TERMS, TERMS.c.id == Booking.cancellation_terms_id)
        .where(Booking.scheduled_start >= since, Booking.scheduled_start < until)
        .group_by(TERMS.c.label)
        .order_by(sa.func.count().desc())
    )
    return [(version, count) for version, count in db.session.execute(query)]


def provider_booking_counts(provider_id: int) -> list[tuple[str, int]]:
    """(booking status, bookings) of one provider."""
    query = (
        sa.select(Booking.status, sa.func.count())
        .where(Booking.provider_id == provider_id)
        .group_by(Booking.status)
    )
    return [(status.value, count) for status, count in db.session.execute(query)]


@dataclass(frozen=True)
class ProviderCard:
    id: int
    reference: str
    facts: list[tuple[str, str]]
    bookable: bool
    not_bookable_reasons: list[str]


def provider_card(provider_id: int) -> ProviderCard | None:
    """A provider's identity and status as labelled facts (None when there is no such provider)."""
    provider = db.session.get(Provider, provider_id)
    if provider is None:
        return None
    facts = [
        (_("Reference"), provider.reference), (_("Legal name"), provider.legal_name),
        (_("Trade name"), provider.trade_name or ""), (_("SIRET"), provider.siret),
        (_("E-mail"), provider.email),
        (_("Phone"), provider.phone),
        (_("Address"), f"{provider.address_line}, {provider.postcode} {provider.city}"),
        (_("Services"), ", ".join(ServiceKind(s).label for s in provider.services or [])),
        (_("Joined on"), format_date(provider.joined_on)),
        (_("Vetting status"), provider.vetting_status.label),
    ]  # fmt: skip
    return ProviderCard(
        provider.id, provider.reference, facts, provider.is_bookable, provider.not_bookable_reasons
    )


def current_eligibility(provider_id: int) -> tuple[bool, list[str]] | None:
    """(bookable, reason codes) of a provider as the current transaction sees it, restrictions
    re-read (None when there is no such provider): `Provider.is_bookable`, for the API's feed."""
    provider = db.session.get(Provider, provider_id)
    if provider is None:
        return None
    db.session.expire(provider, ["active_restrictions"])
    codes = provider.not_bookable_codes
    return not codes, codes


# --- the provider page: bookings card ---

RECENT_DAYS = 90


@dataclass(frozen=True)
class BookingLine:
    id: int
    reference: str
    scheduled_start: datetime
    service: str
    status: str
    price: str


@dataclass(frozen=True)
class BookingsCard:
    total: int
    recent: int  # starting in the last RECENT_DAYS days (up to now)
    by_status: list[tuple[str, int]]  # (status label, bookings), every status
    last: BookingLine | None  # the latest that started before now
    next: BookingLine | None  # the next scheduled one


def _booking_line(row) -> BookingLine:
    booking_id, start, service, status, cents, currency = row
    reference = f"{Booking.REFERENCE_PREFIX}-{booking_id:0{Booking.REFERENCE_WIDTH}d}"
    return BookingLine(
        booking_id, reference, start, ServiceKind(service).label, BookingStatus(status).label,
        format_money(cents, currency),
    )  # fmt: skip


def provider_bookings(provider_id: int, now: datetime) -> BookingsCard:
    """Counts, last and next booking of one provider: two statements whatever their number."""
    since = now - timedelta(days=RECENT_DAYS)
    recent = sa.and_(Booking.scheduled_start >= since, Booking.scheduled_start < now)
    counts = db.session.execute(
        sa.select(Booking.status, sa.func.count(), sa.func.count().filter(recent))
        .where(Booking.provider_id == provider_id)
        .group_by(Booking.status)
    ).all()
    found = {BookingStatus(status): (n, r) for status, n, r in counts}
    columns = (Booking.id, Booking.scheduled_start, Booking.service, Booking.status, Booking.price_cents,
               Booking.currency)  # fmt: skip
    mine = sa.select(*columns).where(Booking.provider_id == provider_id)
    last = (
        mine.add_columns(sa.literal("last").label("which"))
        .where(Booking.scheduled_start < now)
        .order_by(Booking.scheduled_start.desc())
        .limit(1)
        .subquery()
    )
    upcoming = (
        mine.add_columns(sa.literal("next").label("which"))
        .where(Booking.status == BookingStatus.SCHEDULED, Booking.scheduled_start >= now)
        .order_by(Booking.scheduled_start)
        .limit(1)
        .subquery()
    )
    found_rows = {
        row[-1]: row[:-1]
        for row in db.session.execute(sa.union_all(sa.select(last), sa.select(upcoming))).all()
    }
    last, upcoming = found_rows.get("last"), found_rows.get("next")
    return BookingsCard(
        total=sum(n for n, _r in found.values()),
        recent=sum(r for _n, r in found.values()),
        by_status=[(s.label, found.get(s, (0, 0))[0]) for s in BookingStatus],
        last=_booking_line(last) if last else None,
        next=_booking_line(upcoming) if upcoming else None,
    )


# --- the subject access export and erasure (privacy/) ---


def person_by_reference(reference: str) -> tuple[str, int] | None:
    """("client" | "provider", id) of a public reference (CLI-000012, PRV-000034), if it exists."""
    for kind, model in (("provider", Provider), ("client", Client)):
        key = parse_reference(reference, model.REFERENCE_PREFIX)
        if key is not None and db.session.get(model, key) is not None:
            return kind, key
    return None


def person_record(kind: str, person_id: int) -> dict | None:
    """The provider's or client's own record, as stored."""
    row = db.session.get(Provider if kind == "provider" else Client, person_id)
    return None if row is None else {"reference": row.reference, **row_dict(row, exclude=("version",))}


def person_bookings(kind: str, person_id: int) -> list[dict]:
    column = Booking.provider_id if kind == "provider" else Booking.client_id
    rows = db.session.scalars(sa.select(Booking).where(column == person_id).order_by(Booking.id))
    return [{"reference": b.reference, **row_dict(b)} for b in rows]


INSURER_CLAIM = consents.INSURER_CLAIM  # (recipient, purpose) of a damage dispute's insurer claim


def has_consent(client, recipient: str, purpose: str) -> bool:
    """Whether a client's consent to share their data with `recipient` for `purpose` stands
    (marketplace/consents.py): asked before anything shares it with a third party."""
    return consents.has_consent(client, recipient, purpose)


def consent_records(client_id: int) -> list[dict]:
    """A client's consent records, newest first, as plain values (subject access export)."""
    return [
        {
            "recipient": r.recipient,
            "purpose": r.purpose,
            "source": r.source,
            "wording_version": r.wording_version,
            "given_at": r.given_at,
            "withdrawn_at": r.withdrawn_at,
            "recorded_by": r.recorded_by,
        }
        for r in consents.records_of(client_id)
    ]


def consent_in_force(client_id: int, recipient: str, purpose: str, at: datetime) -> bool:
    """Whether the client's consent to `recipient` for `purpose` was given and not withdrawn at `at`
    (the compliance report checks every share of data with a third party against it)."""
    from marketplace.models import ConsentRecord

    held = sa.select(ConsentRecord.id).where(
        ConsentRecord.client_id == client_id,
        ConsentRecord.recipient == recipient,
        ConsentRecord.purpose == purpose,
        ConsentRecord.given_at <= at,
        sa.or_(ConsentRecord.withdrawn_at.is_(None), ConsentRecord.withdrawn_at > at),
    )
    return db.session.scalar(held.limit(1)) is not None
