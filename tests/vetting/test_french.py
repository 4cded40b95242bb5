"""The vetting pages and e-mails in French: the officers' console, the applicant's messages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from console.db import db, utcnow
from console.formatting import format_datetime, format_delta
from console.notifications.models import Notification
from tests.conftest import sign_in
from tests.factories import make_applicant, make_staff, make_verified_policy
from vetting import checks, services
from vetting.models import VettingCase


def _french_officer(app):
    staff = make_staff("vetting_officer", language="fr")
    db.session.commit()
    client = app.test_client()
    assert sign_in(client, staff.email).status_code == 302
    return client, staff


def test_the_case_page_is_in_french_for_a_french_officer(app):
    client, officer = _french_officer(app)
    provider, case = make_applicant()
    make_verified_policy(provider)
    checks.start_check(case.checks[0], actor=officer, now=utcnow())
    case.opened_at = datetime(2026, 1, 15, 13, 5, tzinfo=UTC)  # winter: 14:05 in Paris
    case.due_at = utcnow() + timedelta(days=2, hours=3)
    db.session.commit()
    page = client.get(f"/vetting_cases/details/?id={case.id}").get_data(as_text=True)
    assert "Ouvert le 15/01/2026 14:05" in page
    assert f'title="{format_datetime(case.due_at, "fr")}">dans 2\u00a0j' in page
    assert "Antécédents" in page and "Compétences" in page and "valide aujourd'hui" in page
    assert "Pièce d'identité" in page and "Approuver" in page and "Historique" in page
    assert "Documents du prestataire requis" in page  # the third outcome of the check's form
    assert "Contrôle commencé" in page  # the timeline
    for english in ("Record the identity document", ">Approve<", ">Assign<", "Upload", "Reject and send"):
        assert english not in page
    assert "UTC" not in page


def test_an_overdue_case_says_how_late_in_the_french_queue(app):
    client, _officer = _french_officer(app)
    _provider, case = make_applicant()
    case.due_at = utcnow() - timedelta(hours=3, minutes=5)
    db.session.commit()
    page = client.get("/vetting_overdue/").get_data(as_text=True)
    late = format_delta(timedelta(hours=3, minutes=5), "fr")  # "3 h", babel's narrow no-break space
    assert f"en retard de {late}" in page and f'title="{format_datetime(case.due_at, "fr")}"' in page
    assert "ouvert" in page and "Tous les dossiers" in page


def _rejection_mail(language: str) -> Notification:
    officer = make_staff("vetting_officer")
    provider, case = make_applicant()
    provider.language = language
    checks.start_check(case.checks[0], actor=officer, now=utcnow())
    services.reject_case(case, reason="criminal_record", statement=None, actor=officer, now=utcnow())
    db.session.flush()
    return db.session.scalars(
        sa.select(Notification)
        .where(Notification.template == "vetting_rejected")
        .order_by(Notification.id.desc())
    ).first()


def test_the_rejection_and_its_statement_of_reasons_are_in_french_by_default(app):
    note = _rejection_mail("fr")
    assert note.subject.startswith("Votre candidature Ekoklean")
    assert "Exposé des motifs :" in note.body and "nous ne pouvons pas l'accepter" in note.body
    assert "Après examen de votre candidature" in note.body  # the generic statement, in French too
    case = db.session.scalar(sa.select(VettingCase).order_by(VettingCase.id.desc()))
    assert case.decision_note.startswith("Après examen")
    assert "Statement of reasons" not in note.body


def test_the_rejection_is_in_english_for_an_english_speaking_provider(app):
    note = _rejection_mail("en")
    assert note.subject.startswith("Your Ekoklean application")
    assert "Statement of reasons:" in note.body and "After reviewing your application" in note.body
    assert "Exposé" not in note.body
