"""A French support agent's day on one complaint, in a real browser: take it, apply a macro (the
text appears in the composer with the client's first name), send it and set it waiting in one
click, see it in the conversation; then resolve with another macro. Resolving a complaint whose
client heard nothing asks why."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from console.db import db, utcnow
from console.notifications.models import Notification
from disputes.complaints import macros
from disputes.complaints.models import Complaint
from disputes.complaints.workflow import Status
from tests.browser.conftest import sign_in
from tests.factories import make_booking, make_client, make_complaint, make_staff

pytestmark = [pytest.mark.browser, pytest.mark.committed]


def _server_errors(page) -> list[str]:
    failures: list[str] = []
    page.on("response", lambda r: failures.append(f"{r.status} {r.url}") if r.status >= 500 else None)
    return failures


def _team_macro(manager, title: str, body: str, then: str):
    fields = macros.MacroFields(title=title, body=body, then=then, shared=True)
    return macros.save_macro(None, fields=fields, actor=manager, now=utcnow())


def test_an_agent_takes_replies_with_a_macro_waits_and_resolves(browser, live_url):
    agent = make_staff("support_agent", name="Agathe Durand", language="fr")
    manager = make_staff("manager")
    photos = _team_macro(
        manager,
        "Demande de photos",
        "Bonjour {prenom},\nPourriez-vous envoyer des photos ({reference}) ?",
        "wait_on_client",
    )
    done = _team_macro(manager, "Résolution", "Bonjour {prenom}, votre dossier est réglé. {agent}", "resolve")
    client = make_client(full_name="Léa Petit")
    complaint = make_complaint(booking=make_booking(client=client), client=client, category="damage")
    db.session.commit()
    reference, photos_id, done_id, client_email = complaint.reference, photos.id, done.id, client.email

    page = browser.new_page()
    errors = _server_errors(page)
    sign_in(page, live_url, agent.email)
    page.goto(f"{live_url}/complaints/details/?id={complaint.id}")
    report = page.locator("[data-testid=conversation] li").first
    assert "vase cassé" in report.inner_text() and "signalement du client" in report.inner_text()

    page.click("[data-testid=take]")
    page.wait_for_selector("text=attribuée à Agathe Durand")
    page.wait_for_load_state("load")  # the page's script, which fills the composer, has run
    page.click(f"[data-testid=macro-{photos_id}]")
    text = page.input_value("[data-testid=entry-body]")
    assert text == f"Bonjour Léa,\nPourriez-vous envoyer des photos ({reference}) ?"  # filled, visible
    assert "Demande de photos" in page.inner_text("[data-testid=macro-applied]")
    assert "btn-primary" in page.get_attribute("[data-testid=send-wait_on_client]", "class")
    page.click("[data-testid=send-wait_on_client]")
    page.wait_for_selector("text=attend désormais le client")
    assert page.inner_text("[data-testid=complaint-status]") == "En attente du client"
    sent = page.inner_text("[data-testid=entry-to_client]")
    assert "Bonjour Léa," in sent and "Message au client" in sent
    assert "Statut : En attente du client" in page.inner_text("[data-testid=conversation]")

    page.click(f"[data-testid=macro-{done_id}]")
    assert (
        page.input_value("[data-testid=entry-body]") == "Bonjour Léa, votre dossier est réglé. Agathe Durand"
    )
    page.click("[data-testid=send-resolve]")
    page.wait_for_selector("text=est résolue")
    assert page.inner_text("[data-testid=complaint-status]") == "Résolue"
    assert page.locator("[data-testid=entry-to_client]").count() == 2
    assert errors == []

    db.session.remove()
    saved = db.session.get(Complaint, complaint.id)
    assert saved.status == Status.RESOLVED and saved.assignee_id == agent.id
    sent = db.session.scalars(sa.select(Notification.recipient)).all()
    assert sent == [client_email, client_email]  # both replies went to the client's outbox


def test_resolving_when_the_client_heard_nothing_asks_why(browser, live_url):
    agent = make_staff("support_agent", language="fr")
    complaint = make_complaint(category="question", actor=agent)
    db.session.commit()
    page = browser.new_page()
    errors = _server_errors(page)
    sign_in(page, live_url, agent.email)
    page.goto(f"{live_url}/complaints/details/?id={complaint.id}")
    for event in ("triage", "start"):
        page.click(f"[data-testid=event-{event}]")
        page.wait_for_selector(f"[data-testid=event-{'start' if event == 'triage' else 'resolve'}]")
    assert page.get_attribute("[data-testid=resolve-reason]", "required") is not None
    page.fill("[data-testid=resolve-reason]", "Réponse donnée au téléphone")
    page.click("[data-testid=event-resolve]")
    page.wait_for_selector("text=Résolue sans message au client : Réponse donnée au téléphone")
    assert page.inner_text("[data-testid=complaint-status]") == "Résolue"
    assert errors == []


def test_the_queue_by_keyboard_urgent_first_one_line_a_row(browser, live_url):
    agent = make_staff("support_agent", language="fr")
    now = utcnow()
    quiet = [make_complaint(category="question", actor=agent, now=now) for _ in range(24)]
    urgent = make_complaint(category="harassment", actor=agent, now=now - timedelta(hours=4))
    db.session.commit()
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    errors = _server_errors(page)
    sign_in(page, live_url, agent.email)
    page.goto(f"{live_url}/queue/unassigned/")
    first = page.locator("table.model-list tbody tr").first
    assert first.locator(f"[data-testid=complaint-{urgent.id}]").count() == 1  # breached first
    assert "en retard de" in first.inner_text() and "Critique" in first.inner_text()
    heights = page.eval_on_selector_all("table.model-list tbody tr", "rows => rows.map(r => r.offsetHeight)")
    assert len(heights) == 25 and max(heights) < 40  # one line a row
    visible = page.eval_on_selector_all(
        "table.model-list tbody tr",
        "rows => rows.filter(r => r.getBoundingClientRect().bottom <= innerHeight).length",
    )
    assert visible >= 20

    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.dataset.testid") == "skip-link"
    page.locator("body").click(position={"x": 5, "y": 890})
    page.keyboard.press("j")
    page.keyboard.press("j")
    second = page.locator("tr.kbd-current")
    assert second.count() == 1 and second.locator(f"[data-testid=complaint-{urgent.id}]").count() == 0
    assert len(quiet) == 24
    page.keyboard.press("k")
    assert page.locator(f"tr.kbd-current [data-testid=complaint-{urgent.id}]").count() == 1
    page.keyboard.press("?")
    assert page.is_visible("[data-testid=keyboard-help]") and "Raccourcis clavier" in page.inner_text(
        "[data-testid=keyboard-help]"
    )
    page.keyboard.press("?")
    page.keyboard.press("o")
    page.wait_for_selector("[data-testid=complaint-title]")
    assert urgent.reference in page.inner_text("[data-testid=complaint-title]")
    page.wait_for_load_state("load")  # the page's shortcuts are bound once its script has run
    page.keyboard.press("r")
    assert page.evaluate("document.activeElement.name") == "body"
    assert errors == []
    context.close()
