"""The console speaks French by default: pages, sign-in, times in Paris, money, and the statement
of reasons sent to a provider (in the provider's own language)."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import UTC, datetime

import sqlalchemy as sa

from console.db import db
from console.notifications.models import Notification
from restrictions import services as restrictions
from tests.conftest import sign_in
from tests.factories import make_booking, make_provider, make_staff

WINTER_AFTERNOON = datetime(2026, 12, 2, 13, 5, tzinfo=UTC)  # 14:05 in Paris (UTC+1)


def _flat(text: str) -> str:
    """Babel's French spacing (narrow and no-break spaces) as plain spaces, for readable asserts."""
    return text.replace("\u202f", " ").replace("\u00a0", " ")


def _client_for(app, *roles: str, language: str):
    staff = make_staff(*roles, language=language)
    db.session.commit()
    client = app.test_client()
    assert sign_in(client, staff.email).status_code == 302
    return client


@contextmanager
def default_language(app, language: str):
    """The console's default language for the block (the test suite's default is English)."""
    saved = app.config["DEFAULT_LANGUAGE"]
    app.config["DEFAULT_LANGUAGE"] = language
    try:
        yield
    finally:
        app.config["DEFAULT_LANGUAGE"] = saved


def test_a_french_staff_member_reads_french_paris_time_and_euros(app):
    booking = make_booking(scheduled_start=WINTER_AFTERNOON, price_cents=123_450)
    db.session.commit()

    page = _flat(_client_for(app, "support_agent", language="fr").get("/bookings/").get_data(as_text=True))
    assert '<html lang="fr">' in page
    assert "Réservations" in page and "Prévue le" in page and "Se déconnecter" in page
    assert "Mon profil" in page and "Agent du support" in page
    assert booking.reference in page and "02/12/2026 14:05" in page and "UTC" not in page
    assert "1 234,50 €" in page and "effectuée" in page and "Ménage régulier" in page

    page = _client_for(app, "support_agent", language="en").get("/bookings/").get_data(as_text=True)
    assert '<html lang="en">' in page
    assert "Bookings" in page and "Scheduled" in page and "Sign out" in page
    assert "02/12/2026 14:05" in page and "€1,234.50" in page and "Réservations" not in page


def test_the_french_home_page_greets_and_names_the_roles(app):
    page = _client_for(app, "manager", language="fr").get("/").get_data(as_text=True)
    assert "Bienvenue" in page and "Espace Responsable" in page
    assert "Décidez des restrictions" in page and "File des restrictions" in page


def test_the_sign_in_page_and_its_failure_are_french_by_default(app, client):
    staff = make_staff("manager")
    db.session.commit()
    with default_language(app, "fr"):
        page = client.get("/login").get_data(as_text=True)
        assert '<html lang="fr">' in page
        assert "Se connecter" in page and "Mot de passe" in page and "Réservé au personnel" in page
        response = sign_in(client, staff.email, password="not-the-password")
        assert response.status_code == 401
        assert "Échec de la connexion. Vérifiez votre e-mail et votre mot de passe" in response.get_data(
            as_text=True
        )
    assert "Sign in" in client.get("/login").get_data(as_text=True)  # the suite's English default


def test_the_statement_of_reasons_reaches_a_provider_in_their_language(now):
    manager = make_staff("manager")  # an English-speaking manager: the provider's language decides
    french, english = make_provider(), make_provider()
    english.language = "en"
    for provider in (french, english):
        proposal = restrictions.propose_restriction(
            provider, reason_code="insurance_lapsed", actor="system:tests", now=now
        )
        restrictions.confirm_proposal(proposal, actor=manager, now=now)
    db.session.flush()
    notes = {
        n.recipient: n
        for n in db.session.scalars(
            sa.select(Notification).where(Notification.template == "restriction_started")
        )
    }

    to_french = notes[french.email]
    assert to_french.subject == f"Votre compte Ekoklean est restreint ({french.reference})"
    assert "Bonjour" in to_french.body and "02/11/2026 11:00" in to_french.body  # 10:00 UTC in Paris
    assert "Motif : Attestation RC Pro expirée" in to_french.body
    assert "Votre assurance responsabilité civile professionnelle (RC Pro) a expiré" in to_french.body
    assert "réexamen" in to_french.body and "Your" not in to_french.body

    to_english = notes[english.email]
    assert to_english.subject == f"Your Ekoklean account is restricted ({english.reference})"
    assert "Your civil-liability insurance (RC Pro) has expired" in to_english.body
    assert "Reason: RC Pro insurance lapsed" in to_english.body and "02/11/2026 11:00" in to_english.body


def test_an_unsupported_stored_language_falls_back_to_french(app):
    page = _client_for(app, "admin", language="de").get("/").get_data(as_text=True)
    assert '<html lang="fr">' in page and "Bienvenue" in page and "Se déconnecter" in page


def test_wtforms_own_messages_are_french_for_a_french_staff_member(app):
    from tests.conftest import csrf_token
    from tests.factories import make_complaint, make_dispute

    complaint = make_complaint(booking=make_booking())
    dispute = make_dispute(complaint, amount_claimed_cents=9_000)
    client = _client_for(app, "support_agent", language="fr")
    page = f"/disputes/details/?id={dispute.id}"
    token = csrf_token(client, page)
    data = {"outcome": "upheld", "amount": "90", "reasons": "", "expected_version": 1, "csrf_token": token}
    client.post(f"/disputes/decide/{dispute.id}", data=data)
    shown = _flat(client.get(page).get_data(as_text=True))
    assert "Motifs écrits : Ce champ est requis." in shown and "This field is required" not in shown
