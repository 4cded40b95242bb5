"""Support in French by default: the queues, the complaint and dispute pages for a French agent
(Paris times, relative deadlines, French money) and the e-mails in each recipient's language."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from console.db import db, utcnow
from console.notifications.models import Notification
from disputes.complaints import alerts as complaint_alerts
from disputes.complaints import services as complaints
from disputes.disputes import services as disputes
from tests.conftest import sign_in
from tests.factories import make_booking, make_client, make_complaint, make_dispute, make_staff

NBSP = "[\u00a0\u202f ]"  # the spaces babel puts in French numbers and before the euro sign


def _french_agent(app, *roles):
    staff = make_staff(*(roles or ("support_agent",)), language="fr")
    db.session.commit()
    client = app.test_client()
    assert sign_in(client, staff.email).status_code == 302
    client.staff = staff
    return client


def _notification(template: str) -> Notification:
    return db.session.scalar(
        sa.select(Notification).where(Notification.template == template).order_by(Notification.id.desc())
    )


def test_the_complaint_queue_in_french_shows_relative_deadlines_with_the_paris_time_on_hover(app):
    agent = _french_agent(app)
    # A critical complaint received on 2 November 2026 at 12:05 UTC: first response due 13:05 UTC,
    # that is 14:05 in Paris (winter time), long past now.
    late = make_complaint(category="safety", now=datetime(2026, 11, 2, 12, 5, tzinfo=UTC))
    soon = make_complaint(category="safety", now=utcnow())  # due within the hour
    db.session.commit()

    body = agent.get("/complaints/").get_data(as_text=True)

    assert "Gravité" in body and "Catégorie" in body and "Prochaine échéance" in body and "Reçue le" in body
    assert "Critique" in body and "Sécurité" in body and "Nouvelle" in body
    late_due = re.search(rf'<span title="([^"]+)" data-testid="next-breach-{late.id}">([^<]+)<', body)
    assert late_due and late_due.group(1) == "02/11/2026 14:05"
    assert late_due.group(2).startswith("en retard de ")
    soon_due = re.search(rf'data-testid="next-breach-{soon.id}">([^<]+)<', body)
    assert soon_due and soon_due.group(1).startswith("dans ")
    assert "dépassé" in body and "première réponse" in body
    assert body.index(f'data-testid="complaint-{late.id}"') < body.index(f'data-testid="complaint-{soon.id}"')


def test_the_complaint_page_in_french(app):
    agent = _french_agent(app)
    complaint = make_complaint(
        booking=make_booking(price_cents=123_450), now=datetime(2026, 11, 2, 13, 5, tzinfo=UTC)
    )
    complaints.add_note(
        complaint, body="Cliente rappelée.", actor=agent.staff, now=datetime(2026, 11, 2, 13, 5, tzinfo=UTC)
    )
    db.session.commit()

    body = agent.get(f"/complaints/details/?id={complaint.id}").get_data(as_text=True)

    assert "Élevée" in body and "Dommages" in body and "par téléphone" in body
    assert "Échanges" in body and "Changer la gravité" in body and "Qualifier" in body
    assert "02/11/2026 14:05 · " in body  # the note's time, in Paris
    assert re.search(rf"1{NBSP}234,50{NBSP}€", body)
    assert "Première réponse" in body and "Ouvrir un litige" in body


def test_the_dispute_page_shows_money_in_french(app):
    agent = _french_agent(app)
    complaint = make_complaint(booking=make_booking(price_cents=4500))
    dispute = make_dispute(complaint, kind="refund", amount_claimed_cents=4250)
    db.session.commit()

    body = agent.get(f"/disputes/details/?id={dispute.id}").get_data(as_text=True)

    assert re.search(rf'data-testid="claimed">42,50{NBSP}€<', body)
    assert re.search(rf'data-testid="booking-price">45,00{NBSP}€<', body)
    assert re.search(rf"500,00{NBSP}€", body)  # the manager threshold
    assert "Montant demandé" in body and "Prix de la réservation" in body and "Remboursement" in body
    assert "Ouvert" in body and "Décider" in body and "EUR" not in body.replace("(€)", "")


def _client(language: str):
    client = make_client()
    client.language = language  # the language of the e-mails the client receives
    return client


def _decide(client_language: str):
    agent = make_staff("support_agent")
    booking = make_booking(client=_client(client_language), price_cents=4500)
    dispute = make_dispute(make_complaint(booking=booking), kind="refund", amount_claimed_cents=4500)
    disputes.decide_dispute(
        dispute,
        outcome="partially_upheld",
        amount_awarded_cents=2000,
        reasons="La moitié du ménage a été faite.",
        actor=agent,
        now=utcnow(),
    )
    return dispute, _notification("dispute_decided")


def test_a_dispute_decision_reaches_the_client_in_french_by_default():
    dispute, note = _decide("fr")
    assert (
        note.subject
        == f"Décision sur votre demande {dispute.reference} (réservation {dispute.booking.reference})"
    )
    assert "Bonjour" in note.body and "Décision : partiellement fondé" in note.body
    assert re.search(rf"Montant : 20,00{NBSP}€", note.body)


def test_a_dispute_decision_reaches_an_english_client_in_english():
    dispute, note = _decide("en")
    assert note.subject.startswith(f"Decision on your claim {dispute.reference}")
    assert "Outcome: partially upheld" in note.body and "Amount: €20.00" in note.body


def test_an_sla_breach_alert_reaches_a_french_manager_in_french():
    manager = make_staff("manager", language="fr")
    complaint = make_complaint(category="safety", now=datetime(2026, 11, 2, 12, 5, tzinfo=UTC))
    complaint_alerts.sweep_sla(now=datetime(2026, 11, 2, 14, 0, tzinfo=UTC))
    note = db.session.scalar(
        sa.select(Notification).where(
            Notification.template == "complaint_sla_breached", Notification.recipient == manager.email
        )
    )
    assert note.subject == f"Délai dépassé : première réponse de {complaint.reference} (critique)"
    assert "02/11/2026 14:05 (heure de Paris)" in note.body and "UTC" not in note.body


def test_a_message_to_an_english_client_is_in_english():
    agent = make_staff("support_agent")
    complaint = make_complaint(client=_client("en"))
    complaints.send_message(complaint, to="to_client", body="We are on it.", actor=agent, now=utcnow())
    note = _notification("complaint_message")
    assert note.subject.startswith(f"About your complaint {complaint.reference}")
    assert note.body.startswith("Hello ")
    assert complaint.first_response_at is not None and timedelta(0) <= utcnow() - complaint.first_response_at
