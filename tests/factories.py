"""Test data builders, in one place."""

from __future__ import annotations

import itertools

import sqlalchemy as sa

from console.auth import services as staff_services
from console.db import db, utcnow

PASSWORD = "correct-horse-battery"
_counter = itertools.count(1)


def make_staff(
    *roles: str,
    email: str | None = None,
    password: str = PASSWORD,
    name: str | None = None,
    language: str = "en",
):
    """Create and flush a staff member (roles default to support_agent). Most tests read the
    console in English, as a staff member who chose it; the French tests pass language="fr"."""
    n = next(_counter)
    staff = staff_services.create_staff(
        email=email or f"staff{n}@example.com",
        full_name=name or f"Staff Member {n}",
        roles=roles or ("support_agent",),
        password=password,
        actor="system:tests",
        now=utcnow(),
    )
    staff.language = language
    return staff


CERTIFICATE_PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


def make_policy(provider, *, starts_on, ends_on, verified_by=None, number: str | None = None):
    """Register (and, with `verified_by`, verify) an RC Pro policy for `provider`; flushed."""
    import io

    from insurance import services

    policy = services.register_policy(
        provider,
        fields={
            "insurer": "AXA France IARD",
            "policy_number": number or f"RCP-TEST-{next(_counter)}",
            "insured_name": provider.legal_name,
            "insured_siret": provider.siret,
            "activities": ["regular_cleaning"],
            "coverage_per_claim_cents": 200_000_000,
            "deductible_cents": 15_000,
            "starts_on": starts_on,
            "ends_on": ends_on,
        },
        certificate=(io.BytesIO(CERTIFICATE_PDF), "attestation.pdf"),
        actor="system:tests",
        now=utcnow(),
    )
    if verified_by is not None:
        services.verify_policy(policy, actor=verified_by, now=utcnow())
    return policy


def make_report_run(kind: str = "provider_register", *, actor=None, parameters: dict | None = None):
    """Request a report run (queued; its job is enqueued when the transaction commits)."""
    from reports import services
    from reports.workflow import ReportKind

    return services.request_report(
        ReportKind(kind), parameters=parameters or {}, actor=actor or make_staff("manager"), now=utcnow()
    )


def make_report_run_row(status: str = "failed", *, kind: str = "provider_register", requester=None, **fields):
    """A report run row in any state, written directly (no queue needed); flushed."""
    from console.db import db
    from reports.models import ReportRun
    from reports.workflow import ReportKind, RunStatus

    requester = requester or make_staff("manager")
    values = {
        "kind": ReportKind(kind),
        "parameters": {},
        "status": RunStatus(status),
        "progress": 0,
        "requested_by_id": requester.id,
        "requested_by": requester.email,
        "requested_at": utcnow(),
        "job_id": f"report-test-{next(_counter)}",
        "error": "The database stopped answering." if status == "failed" else None,
    } | fields
    run = ReportRun(**values)
    db.session.add(run)
    db.session.flush()
    return run


def make_siret(n: int) -> str:
    """A valid SIRET built from a counter: a Luhn-valid SIREN, an establishment number, a check digit."""
    from stdnum import luhn

    siren = f"7{n:07d}"
    siren += luhn.calc_check_digit(siren)
    body = siren + "0001"
    return body + luhn.calc_check_digit(body)


def provider_fields(**overrides) -> dict:
    n = next(_counter)
    fields = {
        "legal_name": f"Nettoyage Durand {n} SARL",
        "trade_name": f"Durand Propreté {n}",
        "siret": make_siret(n),
        "email": f"provider{n}@example.fr",
        "phone": "06 12 34 56 78",
        "address_line": f"{n} rue de la République",
        "postcode": "69002",
        "city": "Lyon",
        "services": ["regular_cleaning", "windows"],
    }
    return fields | overrides


def make_provider(*, approved: bool = True, **overrides):
    """Create and flush a provider (approved by vetting unless told otherwise)."""
    from datetime import date

    from marketplace import services
    from marketplace.models import VettingStatus

    return services.create_provider(
        fields=provider_fields(**overrides),
        joined_on=date(2026, 1, 15),
        vetting_status=VettingStatus.APPROVED if approved else VettingStatus.NOT_VETTED,
        actor="system:tests",
        now=utcnow(),
    )


def make_client(**overrides):
    from marketplace import services

    n = next(_counter)
    fields = {
        "full_name": f"Claire Martin {n}",
        "email": f"client{n}@example.fr",
        "phone": "0145678901",
        "postcode": "75011",
        "city": "Paris",
    } | overrides
    return services.create_client(fields=fields, actor="system:tests", now=utcnow())


def make_terms(label="2026-03", *, effective_at=None, tiers=((24, 0), (0, 50)), no_show_percent=100):
    """The cancellation-terms version `label` (created once, then found)."""
    from datetime import UTC, datetime, timedelta

    from policy import services
    from policy.models import CancellationTerms

    found = db.session.scalar(sa.select(CancellationTerms).where(CancellationTerms.label == label))
    if found is not None:
        return found
    year, month = (int(part) for part in label[:7].split("-"))
    effective_at = effective_at or datetime(year, month, 1, tzinfo=UTC)
    return services.create_terms(
        label=label,
        effective_at=effective_at,
        tiers=tiers,
        no_show_percent=no_show_percent,
        summary=None,
        actor="system:tests",
        now=effective_at - timedelta(days=14),  # published two weeks before they take effect
    )


def make_booking(client=None, provider=None, *, status="completed", price_cents=4500, **overrides):
    from datetime import UTC, datetime

    from marketplace import services

    make_terms(overrides.get("cancellation_terms_version", "2026-03"))

    values = {
        "client": client or make_client(),
        "provider": provider or make_provider(),
        "service": "regular_cleaning",
        "scheduled_start": datetime(2026, 10, 20, 8, 0, tzinfo=UTC),
        "duration_minutes": 180,
        "price_cents": price_cents,
        "status": status,
        "cancellation_terms_version": "2026-03",
        "actor": "system:tests",
        "now": utcnow(),
    } | overrides
    return services.record_booking(**values)


def make_complaint(*, client=None, booking=None, category="damage", actor=None, now=None, **overrides):
    """Create and flush a complaint (by a fresh support agent unless `actor` is given)."""
    from disputes.complaints import services

    if booking is not None and client is None:
        client = booking.client
    values = {
        "client": client or make_client(),
        "booking": booking,
        "channel": "phone",
        "category": category,
        "subject": "Vase cassé pendant le ménage",
        "description": "La cliente signale un vase cassé dans le salon.",
        "actor": actor or make_staff("support_agent"),
        "now": now or utcnow(),
    } | overrides
    return services.create_complaint(**values)


def make_dispute(complaint, *, kind="damage", amount_claimed_cents=12_000, actor=None, now=None):
    from disputes.disputes import services

    return services.open_dispute(
        complaint,
        kind=kind,
        amount_claimed_cents=amount_claimed_cents,
        claim="The client asks to be paid for the broken vase.",
        actor=actor or make_staff("support_agent"),
        now=now or utcnow(),
    )


def make_verified_policy(provider, *, verifier=None, starts_on=None, ends_on=None):
    """An RC Pro policy covering today, verified (by a fresh officer unless given)."""
    from datetime import timedelta

    from console.business_time import paris_today

    today = paris_today(utcnow())
    return make_policy(
        provider,
        starts_on=starts_on or today - timedelta(days=30),
        ends_on=ends_on or today + timedelta(days=335),
        verified_by=verifier or make_staff("vetting_officer"),
    )


def make_applicant(**overrides):
    """A new applicant: a provider not yet vetted, with the initial case its creation opens."""
    from vetting.services import active_case

    provider = make_provider(approved=False, **overrides)
    return provider, active_case(provider.id)
