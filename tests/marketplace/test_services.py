"""Provider, client, booking and review use cases: validation, audit, nothing half-saved."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from console import validation as v
from console.audit.models import AuditEvent
from console.db import db
from console.domain import StaleRecord
from marketplace import services
from marketplace.models import Booking, Provider
from restrictions import services as restrictions
from tests.factories import make_booking, make_client, make_provider, make_staff, provider_fields


def test_a_provider_is_normalised_and_audited(now):
    provider = services.create_provider(
        fields=provider_fields(
            siret="732 829 320 00074", email=" Contact@Durand.FR ", phone="06 12 34 56 78"
        ),
        joined_on=date(2026, 3, 1),
        actor="system:tests",
        now=now,
    )
    assert provider.siret == "73282932000074" and provider.email == "contact@durand.fr"
    assert provider.phone == "+33612345678"
    assert provider.reference == f"PRV-{provider.id:06d}"
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "provider.create"))
    assert event.object_id == str(provider.id) and event.changes["siret"]["after"] == "73282932000074"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("siret", "73282932000075"),  # checksum
        ("siret", "1234"),
        ("siret", "'; DROP TABLE provider; --"),
        ("email", "not-an-email"),
        ("email", "a@b"),
        ("phone", "12"),
        ("phone", "06 12 34"),
        ("postcode", "7501"),
        ("postcode", "00100"),
        ("postcode", "99000"),
        ("postcode", "ABCDE"),
        ("legal_name", ""),
        ("legal_name", "x" * 1_000_000),
        ("city", "   "),
        ("services", []),
    ],
)
def test_invalid_provider_fields_are_refused_and_nothing_is_saved(field, value, now):
    before = db.session.scalar(sa.select(sa.func.count()).select_from(Provider))
    with pytest.raises(v.InvalidField) as error:
        services.create_provider(
            fields=provider_fields(**{field: value}),
            joined_on=date(2026, 3, 1),
            actor="system:tests",
            now=now,
        )
    assert error.value.field == field
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Provider)) == before


def test_an_unknown_service_is_refused(now):
    with pytest.raises(ValueError):
        services.clean_provider(provider_fields(services=["window_cleaning; rm -rf"]))


def test_a_siret_belongs_to_one_provider(now):
    first = make_provider()
    with pytest.raises(v.InvalidField, match=first.reference):
        make_provider(siret=first.siret)


def test_updates_check_the_version_and_record_a_diff(now):
    provider = make_provider()
    version = provider.version
    fields = provider_fields(siret=provider.siret, city="Villeurbanne", postcode="69100")
    services.update_provider(provider, fields=fields, expected_version=version, actor="system:tests", now=now)
    db.session.flush()
    assert provider.version == version + 1
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "provider.update"))
    assert event.changes["city"] == {"before": "Lyon", "after": "Villeurbanne"}
    with pytest.raises(StaleRecord, match="changed by someone else"):
        services.update_provider(
            provider, fields=fields, expected_version=version, actor="system:tests", now=now
        )


def test_eligibility_is_derived(now):
    manager = make_staff("manager")
    applicant = make_provider(approved=False)
    assert not applicant.is_bookable and applicant.not_bookable_reasons == ["not vetted yet"]
    provider = make_provider()
    assert provider.is_bookable
    restriction = restrictions.restrict_provider(
        provider, reason_code="terms_breach", statement="Subcontracting.", actor=manager, now=now
    )
    assert not provider.is_bookable
    restrictions.lift_restriction(restriction, reason="Resolved.", actor=manager, now=now)
    assert provider.is_bookable


def test_bookable_in_sql_is_the_same_rule_as_in_python(now):
    """`Provider.is_bookable` is one hybrid: the SQL filter and the attribute always agree."""
    manager = make_staff("manager")
    applicant, free, restricted, lifted = (
        make_provider(approved=False),
        *(make_provider() for _ in range(3)),
    )
    restrictions.restrict_provider(
        restricted, reason_code="terms_breach", statement="X.", actor=manager, now=now
    )
    ended = restrictions.restrict_provider(
        lifted, reason_code="terms_breach", statement="Y.", actor=manager, now=now
    )
    restrictions.lift_restriction(ended, reason="Resolved.", actor=manager, now=now)
    db.session.flush()
    ids = [applicant.id, free.id, restricted.id, lifted.id]
    in_sql = set(db.session.scalars(sa.select(Provider.id).where(Provider.id.in_(ids), Provider.is_bookable)))
    in_python = {p.id for p in (applicant, free, restricted, lifted) if p.is_bookable}
    assert in_sql == in_python == {free.id, lifted.id}


def test_client_consent_changes_are_timestamped(now):
    client = make_client()
    assert client.reference.startswith("CLI-") and client.phone == "+33145678901"
    fields = {"full_name": client.full_name, "email": client.email, "consent_marketing_email": True}
    services.update_client(
        client, fields=fields, expected_version=client.version, actor="system:tests", now=now
    )
    assert client.consent_marketing_email and client.consents_updated_at == now


@pytest.mark.parametrize("price", [-1, 12.5, "4500", True, None])
def test_a_booking_price_is_whole_non_negative_cents(price):
    with pytest.raises(v.InvalidField, match="price|cents|negative"):
        make_booking(price_cents=price)


def test_the_database_also_refuses_a_negative_price():
    booking = make_booking()
    db.session.execute(sa.update(Booking).where(Booking.id == booking.id).values(price_cents=0))
    with pytest.raises(sa.exc.IntegrityError):
        db.session.execute(sa.update(Booking).where(Booking.id == booking.id).values(price_cents=-5))
    db.session.rollback()


def test_a_booking_keeps_price_and_terms():
    booking = make_booking(price_cents=123456)
    assert booking.price == "€1,234.56" and booking.cancellation_terms_version == "2026-03"
    assert booking.reference == f"BKG-{booking.id:07d}"


def test_length_limits_apply_to_the_stored_text(now):
    thirteen_digit_visas = " ".join(["4222222222222"] * 14)  # 195 characters, 223 once masked
    with pytest.raises(v.InvalidField, match="at most 200"):
        make_provider(legal_name=thirteen_digit_visas)


def test_a_card_number_is_not_an_email():
    with pytest.raises(v.InvalidField, match="card number"):
        make_provider(email="4111111111111111@example.com")
