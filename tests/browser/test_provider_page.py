"""The provider page in a real browser: the verdict and its reasons as a person sees them, and a
complaint reference that opens the complaint."""

from __future__ import annotations

from datetime import timedelta

import pytest

from console.db import db, utcnow
from restrictions import services as restrictions
from tests.browser.conftest import sign_in
from tests.factories import make_booking, make_complaint, make_provider, make_staff, make_verified_policy

pytestmark = [pytest.mark.browser, pytest.mark.committed]


def test_a_support_agent_sees_why_a_provider_cannot_work_and_opens_a_complaint(page, live_url, tmp_path):
    now = utcnow()
    agent = make_staff("support_agent")
    provider = make_provider(trade_name="Éclat Ménage")
    make_verified_policy(provider)
    booking = make_booking(provider=provider, scheduled_start=now - timedelta(days=2))
    complaint = make_complaint(booking=booking, category="quality", subject="Salle de bains oubliée", now=now)
    proposal = restrictions.propose_restriction(
        provider, reason_code="low_rating", actor="system:tests", now=now
    )
    restrictions.confirm_proposal(proposal, actor=make_staff("manager"), now=now)
    db.session.commit()
    provider_id, complaint_id, reference = provider.id, complaint.id, complaint.reference
    sign_in(page, live_url, agent.email)

    page.goto(f"{live_url}/providers/details/?id={provider_id}")

    panel = page.locator("[data-testid=eligibility-panel]")
    assert panel.locator("[data-testid=verdict-text]").inner_text() == "Cannot work"
    assert panel.locator("[data-testid=eligibility]").inner_text() == "Not bookable"
    reasons = panel.locator("[data-testid=verdict-reasons] li").all_inner_texts()
    assert "restricted: low rating" in reasons, reasons
    assert any(r.startswith("Restriction in force since") for r in reasons), reasons
    assert "1 complaint open." in panel.inner_text()
    assert panel.evaluate("el => getComputedStyle(el).backgroundColor") not in ("rgba(0, 0, 0, 0)", "")
    cards = page.locator(".provider-cards section.card")
    assert cards.count() == 6 and all(cards.nth(i).is_visible() for i in range(6))
    page.screenshot(path=str(tmp_path / "provider.png"), full_page=True)

    page.locator("[data-testid=card-complaints]").get_by_role("link", name=reference).click()

    page.wait_for_url(f"{live_url}/complaints/details/?id={complaint_id}")
    assert reference in page.inner_text("body") and "Salle de bains oubliée" in page.inner_text("body")
    assert page.console_errors == [], page.console_errors
