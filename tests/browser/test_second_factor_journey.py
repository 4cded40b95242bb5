"""A manager sets up the second factor at sign-in in a real browser, keeps the recovery codes,
signs out and signs in again with a code."""

from __future__ import annotations

import pyotp
import pytest

from console.db import db
from tests.factories import make_staff

pytestmark = [pytest.mark.browser, pytest.mark.committed]


@pytest.fixture
def required(app):
    before = app.config["MFA_REQUIRED_ROLES"]
    app.config["MFA_REQUIRED_ROLES"] = frozenset({"manager", "admin"})
    yield
    app.config["MFA_REQUIRED_ROLES"] = before


def _password(page, live_url, email):
    page.goto(f"{live_url}/login")
    page.fill("#email", email)
    page.fill("#password", "correct-horse-battery")
    page.click("button[type=submit]")


def test_enrolment_and_sign_in_with_the_second_factor(page, live_url, required, tmp_path):
    staff = make_staff("manager", password="correct-horse-battery")
    db.session.commit()
    _password(page, live_url, staff.email)
    page.wait_for_selector("[data-testid=enrol-form]")
    assert "Your role requires a second factor" in page.inner_text("body")
    qr = page.locator("[data-testid=mfa-qr]")
    assert qr.get_attribute("src").startswith("data:image/svg+xml;base64,")
    assert qr.evaluate("img => img.naturalWidth") > 0  # the browser drew the QR code
    page.screenshot(path=str(tmp_path / "enrol.png"), full_page=True)
    secret = page.inner_text("[data-testid=mfa-secret]").replace(" ", "")
    page.fill("#code", "000000")
    page.click("button[type=submit]")
    assert "This code is not the one your app shows now" in page.inner_text("body")
    assert page.console_errors == [
        "Failed to load resource: the server responded with a status of 401 (UNAUTHORIZED)"
    ]
    page.console_errors.clear()  # the refused code's page answers 401, as the sign-in page does
    page.fill("#code", pyotp.TOTP(secret).now())
    page.click("button[type=submit]")
    page.wait_for_selector("[data-testid=recovery-codes]")
    codes = page.inner_text("[data-testid=recovery-codes]").split()
    assert len(codes) == 10
    page.click("[data-testid=continue]")
    page.wait_for_selector("[data-testid=signed-in-as]")
    page.click("text=Sign out")
    page.wait_for_url(f"{live_url}/login")

    _password(page, live_url, staff.email)
    page.wait_for_selector("[data-testid=second-factor-form]")
    assert page.locator("[data-testid=signed-in-as]").count() == 0  # not in before the code
    page.fill("#code", codes[0])
    page.click("button[type=submit]")
    page.wait_for_selector("[data-testid=signed-in-as]")
    page.goto(f"{live_url}/profile/")
    assert "Recovery codes left: 9" in page.inner_text("[data-testid=mfa-status]")
    assert page.console_errors == [], page.console_errors
