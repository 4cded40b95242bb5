"""A French support agent merges a duplicate complaint in a real browser: the complaint page suggests
the client's other complaint, the merge asks for confirmation, the duplicate's message shows in the
conversation, and the duplicate is closed with a link back."""

from __future__ import annotations

from datetime import timedelta

import pytest

from console.db import db, utcnow
from disputes.complaints import services
from tests.browser.conftest import sign_in
from tests.factories import make_client, make_complaint, make_staff

pytestmark = [pytest.mark.browser, pytest.mark.committed]


def test_an_agent_merges_the_suggested_duplicate_and_follows_the_link(browser, live_url):
    agent = make_staff("support_agent", name="Agathe Durand", language="fr")
    colleague = make_staff("support_agent", name="Bruno Roy")
    client = make_client(full_name="Léa Petit")
    now = utcnow()
    first = make_complaint(
        client=client,
        category="quality",
        subject="Ménage mal fait",
        actor=agent,
        now=now - timedelta(hours=5),
    )
    second = make_complaint(
        client=client,
        category="quality",
        subject="Cuisine pas nettoyée",
        description="La cuisine n'a pas été faite.",
        actor=agent,
        now=now - timedelta(hours=2),
    )
    services.send_message(
        second, to="to_client", body="Pourriez-vous nous envoyer une photo de la cuisine ?", actor=colleague,
        now=now - timedelta(hours=1),
    )  # fmt: skip
    db.session.commit()
    first_id, second_id = first.id, second.id
    first_ref, second_ref = first.reference, second.reference

    page = browser.new_page()
    failures: list[str] = []
    page.on("response", lambda r: failures.append(f"{r.status} {r.url}") if r.status >= 500 else None)
    sign_in(page, live_url, agent.email)
    page.goto(f"{live_url}/complaints/details/?id={first_id}")

    panel = page.locator("[data-testid=duplicates]")
    assert "Doublons possibles" in panel.inner_text()
    row = panel.locator(f"[data-testid=duplicate-{second_id}]")
    text = row.inner_text()
    assert second_ref in text and "Cuisine pas nettoyée" in text and "Nouvelle" in text and "reçue le" in text
    assert row.locator("[data-testid=duplicate-link]").get_attribute("href").endswith(f"id={second_id}")

    confirm = row.locator("[data-testid=merge-confirm]")
    assert not confirm.is_visible()  # behind the confirmation
    row.locator("[data-testid=merge-open]").click()
    assert row.locator("[data-testid=keep-this]").is_checked()  # the one received first stays open
    assert f"Fusionner {second_ref} dans celle-ci" in row.inner_text()
    confirm.click()

    page.wait_for_selector(f"text={second_ref} a été fusionnée dans {first_ref} et clôturée.")
    conversation = page.locator("[data-testid=conversation]")
    moved = conversation.locator("[data-testid=entry-to_client]").inner_text()
    assert "Pourriez-vous nous envoyer une photo de la cuisine ?" in moved and "Message au client" in moved
    assert (
        "La cuisine n'a pas été faite."
        in conversation.locator("[data-testid=entry-merged-report]").inner_text()
    )
    assert "Fusionnée depuis" in conversation.locator("[data-testid=entry-merged-from]").inner_text()
    assert page.locator("[data-testid=duplicates]").count() == 0  # nothing left to merge

    conversation.locator("[data-testid=entry-merged-from-link]").click()
    page.wait_for_selector("[data-testid=merged-banner]")
    assert page.inner_text("[data-testid=complaint-status]") == "Clôturée"
    banner = page.inner_text("[data-testid=merged-banner]")
    assert f"Cette réclamation a été fusionnée dans {first_ref}" in banner
    assert page.locator("[data-testid=entry-form]").count() == 0  # no more replies here
    assert "Fusionnée dans" in page.inner_text("[data-testid=entry-merged-into]")

    page.click("[data-testid=merged-into-link]")
    page.wait_for_selector("[data-testid=entry-merged-from]")
    assert page.url.endswith(f"id={first_id}")
    assert failures == []
