"""Reviews in French by default: the author of a hidden review is told why in their language, and
a French agent moderates in French."""

from __future__ import annotations

import sqlalchemy as sa

from console.db import db, utcnow
from console.notifications.models import Notification
from reviews import services
from tests.conftest import sign_in
from tests.factories import make_booking, make_client, make_staff


def _hidden(language: str):
    client = make_client()
    client.language = language
    review = services.record_review(
        booking=make_booking(client=client),
        rating=1,
        text="Appelez-moi au 06 12 34 56 78",
        actor="system:tests",
        now=utcnow(),
    )
    services.moderate(
        review, "hide", reason_code="contact_details", actor=make_staff("support_agent"), now=utcnow()
    )
    note = db.session.scalar(sa.select(Notification).where(Notification.template == "review_hidden"))
    return review, note


def test_the_author_of_a_hidden_review_is_told_why_in_french_by_default():
    review, note = _hidden("fr")
    assert note.subject == f"Votre avis {review.reference} n'est pas affiché sur Ekoklean"
    assert "Bonjour" in note.body
    assert "Il contient des coordonnées (numéro de téléphone, e-mail ou adresse)." in note.body
    assert "Nous ne modifions jamais le texte d'un avis." in note.body


def test_an_english_author_is_told_in_english():
    review, note = _hidden("en")
    assert note.subject == f"Your review {review.reference} is not shown on Ekoklean"
    assert "It contains contact details (phone number, e-mail or address)." in note.body


def test_a_french_agent_moderates_in_french(app):
    staff = make_staff("support_agent", language="fr")
    review = services.record_review(
        booking=make_booking(), rating=2, text="Bof.", actor="system:tests", now=utcnow()
    )
    db.session.commit()
    client = app.test_client()
    assert sign_in(client, staff.email).status_code == 302

    queue = client.get("/moderation/").get_data(as_text=True)
    assert "Soumis le" in queue and "Signalements ouverts" in queue and "Avis à modérer" in queue

    page = client.get(f"/moderation/review/{review.id}").get_data(as_text=True)
    assert "En attente" in page and "Publier" in page and "Masquer" in page
    assert "Il ne porte pas sur la prestation réalisée" in page and "pas encore modéré" in page
