"""RC Pro in French: the policy page's money, the expiry board's CSV, the reminders to providers."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from console.business_time import paris_today
from console.db import db, utcnow
from console.formatting import format_date, format_datetime, format_money
from console.notifications.models import Notification
from insurance import services
from insurance import sweep as insurance_sweep
from tests.conftest import sign_in
from tests.factories import make_booking, make_provider, make_staff
from tests.insurance.test_services import PDF


def _french(app, role):
    staff = make_staff(role, language="fr")
    db.session.commit()
    client = app.test_client()
    assert sign_in(client, staff.email).status_code == 302
    return client


def _policy(provider, *, starts, ends, coverage=150_000_000, verified_by=None):
    fields = {
        "insurer": "AXA France IARD",
        "policy_number": f"RCP-{provider.id}-{starts:%Y%m%d}",
        "insured_name": provider.legal_name,
        "insured_siret": provider.siret,
        "activities": ["regular_cleaning"],
        "coverage_per_claim_cents": coverage,
        "deductible_cents": 15_050,
        "starts_on": starts,
        "ends_on": ends,
    }
    policy = services.register_policy(
        provider,
        fields=fields,
        certificate=(io.BytesIO(PDF), "attestation.pdf"),
        actor="system:tests",
        now=utcnow(),
    )
    if verified_by is not None:
        services.verify_policy(policy, actor=verified_by, now=utcnow())
    return policy


def test_the_policy_page_shows_french_money_dates_and_labels(app):
    client = _french(app, "vetting_officer")
    today = paris_today(utcnow())
    policy = _policy(make_provider(), starts=today - timedelta(days=10), ends=today + timedelta(days=300))
    db.session.commit()
    page = client.get(f"/policies/details/?id={policy.id}").get_data(as_text=True)
    assert format_money(150_000_000, language="fr") == "1\u202f500\u202f000,00\u00a0€"
    assert "1\u202f500\u202f000,00\u00a0€" in page and "150,50\u00a0€" in page
    assert f"Situation d'assurance du prestataire au {format_date(today, 'fr')}" in page
    assert ">Vérifier<" in page and "Numéro de police" in page and "en attente" in page
    assert "EUR" not in page and ">Verify<" not in page and "Look twice" not in page


def test_the_expiry_board_exports_a_french_spreadsheet(app):
    officer = make_staff("vetting_officer")
    today = paris_today(utcnow())
    ending = make_provider()
    _policy(ending, starts=today - timedelta(days=100), ends=today + timedelta(days=5), verified_by=officer)
    uninsured = make_provider()
    booking_at = datetime.combine(today + timedelta(days=3), datetime.min.time(), tzinfo=UTC) + timedelta(
        hours=13, minutes=5
    )
    make_booking(provider=uninsured, status="scheduled", scheduled_start=booking_at)
    db.session.commit()
    client = _french(app, "manager")
    text = client.get("/expiry/export.csv?window=30").get_data(as_text=True)
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:]), delimiter=";"))
    assert rows[0] == ["Référence", "Prestataire", "Fin de couverture le", "Jours", "N° interne de la police"]
    row = next(r for r in rows[1:] if r[0] == ending.reference)
    assert row[2] == (today + timedelta(days=5)).strftime("%d/%m/%Y") and row[3] == "5"
    exposure = client.get("/expiry/export.csv?window=exposure").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(exposure[1:]), delimiter=";"))
    assert rows[0][2:] == ["Réservations prévues", "Prochaine réservation"]
    row = next(r for r in rows[1:] if r[0] == uninsured.reference)
    assert row[3] == format_datetime(booking_at, "fr") and "UTC" not in exposure  # Paris time
    board = client.get("/expiry/?window=30").get_data(as_text=True)
    assert "Tableau des échéances RC Pro" in board and "Exporter en CSV" in board


def _reminder(language):
    officer = make_staff("vetting_officer")
    provider = make_provider()
    provider.language = language
    today = paris_today(utcnow())
    policy = _policy(
        provider, starts=today - timedelta(days=300), ends=today + timedelta(days=7), verified_by=officer
    )
    insurance_sweep.sweep_policies(today=today, now=utcnow())
    assert insurance_sweep.write_reminders(now=utcnow()) == 1
    note = db.session.scalar(
        sa.select(Notification).where(
            Notification.template == "insurance_reminder", Notification.related_id == str(policy.id)
        )
    )
    return note, policy


def test_an_insurance_reminder_is_in_french_by_default(app):
    note, policy = _reminder("fr")
    day = format_date(policy.ends_on, "fr")
    assert note.subject.startswith(f"Votre assurance RC Pro prend fin le {day}")
    assert note.body.startswith("Bonjour ") and "dans 7 jours" in note.body
    assert "Merci de nous envoyer l'attestation" in note.body and "Please" not in note.body


def test_an_insurance_reminder_is_in_english_for_an_english_speaking_provider(app):
    note, policy = _reminder("en")
    assert note.subject.startswith(f"Your RC Pro insurance ends on {format_date(policy.ends_on, 'en')}")
    assert note.body.startswith("Hello ") and "in 7 days" in note.body and "Bonjour" not in note.body
