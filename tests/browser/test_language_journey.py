"""A French staff member reads the console in French, switches to English on their profile page
and back, in a real browser."""

from __future__ import annotations

import pytest

from console.db import db
from tests.browser.conftest import sign_in
from tests.factories import make_staff

pytestmark = [pytest.mark.browser, pytest.mark.committed]


def test_a_staff_member_switches_the_console_to_english_and_back(page, live_url):
    staff = make_staff("manager", language="fr")
    db.session.commit()
    sign_in(page, live_url, staff.email)
    assert page.get_attribute("html", "lang") == "fr"
    assert page.inner_text("[data-testid=home-title]") == f"Bienvenue, {staff.full_name}"
    assert "Se déconnecter" in page.inner_text("[data-testid=signed-in-as] ~ form")

    page.click("[data-testid=profile-link]")
    page.wait_for_selector("[data-testid=language-form]")
    assert "Langue de la console" in page.inner_text("[data-testid=language-form]")
    page.select_option("#language", "en")
    page.click("[data-testid=language-form] button[type=submit]")
    page.wait_for_selector("text=Your language is saved.")
    assert page.get_attribute("html", "lang") == "en"
    assert "Language of the console" in page.inner_text("[data-testid=language-form]")

    page.goto(f"{live_url}/")
    assert page.inner_text("[data-testid=home-title]") == f"Welcome, {staff.full_name}"
    assert "Manager home" in page.inner_text("[data-testid=home-manager]")

    page.click("[data-testid=profile-link]")
    page.select_option("#language", "fr")
    page.click("[data-testid=language-form] button[type=submit]")
    page.wait_for_selector("text=Votre langue est enregistrée.")
    page.goto(f"{live_url}/")
    assert page.get_attribute("html", "lang") == "fr"
    assert page.inner_text("[data-testid=home-title]") == f"Bienvenue, {staff.full_name}"
    assert page.console_errors == [], page.console_errors
