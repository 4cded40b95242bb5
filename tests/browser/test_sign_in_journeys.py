"""Each role signs in through a real browser and lands on its own home page."""

from __future__ import annotations

import pytest

from console.auth.views import GENERIC_FAILURE
from console.db import db
from console.domain import Role
from tests.factories import PASSWORD, make_staff

pytestmark = [pytest.mark.browser, pytest.mark.committed]


def _sign_in(page, live_url, email, password=PASSWORD):
    page.goto(f"{live_url}/login")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("button[type=submit]")


@pytest.mark.parametrize("role", list(Role))
def test_each_role_signs_in_and_lands_on_its_home(page, live_url, role, tmp_path):
    staff = make_staff(role.value)
    db.session.commit()
    page.goto(f"{live_url}/staff/")  # a deep link first: sign-in must bring us back or home
    assert page.url.startswith(f"{live_url}/login")
    _sign_in(page, live_url, staff.email)
    page.wait_for_selector(f"[data-testid=home-{role.value}]")
    assert page.url == f"{live_url}/"
    assert staff.full_name in page.inner_text("[data-testid=signed-in-as]")
    assert page.console_errors == [], page.console_errors  # CSP blocks nothing the page needs
    page.screenshot(path=str(tmp_path / f"home-{role.value}.png"), full_page=True)
    page.click("text=Sign out")
    page.wait_for_url(f"{live_url}/login")
    assert "You are signed out." in page.content()


def test_a_wrong_password_shows_the_generic_message(page, live_url):
    staff = make_staff("manager")
    db.session.commit()
    _sign_in(page, live_url, staff.email, password="not-the-password")
    assert str(GENERIC_FAILURE) in page.inner_text("body")
    assert page.url.startswith(f"{live_url}/login")


def test_an_admin_creates_a_staff_account_in_the_browser(page, live_url):
    admin = make_staff("admin")
    db.session.commit()
    _sign_in(page, live_url, admin.email)
    page.goto(f"{live_url}/staff/new/")
    page.fill("#email", "browser.made@example.com")
    page.fill("#full_name", "Browser Made")
    page.select_option("#role_names", ["support_agent", "manager"])
    page.fill("#password", "browser-made-password")
    page.click("input[type=submit][value=Save]")
    page.wait_for_selector("text=browser.made@example.com")
    assert page.console_errors == [], page.console_errors


def test_bulk_actions_work_under_the_content_security_policy(page, live_url):
    admin = make_staff("admin")
    target = make_staff("support_agent", email="to.deactivate@example.com")
    db.session.commit()
    _sign_in(page, live_url, admin.email)
    page.goto(f"{live_url}/staff/?search=to.deactivate")
    page.check(f"input.action-checkbox[value='{target.id}']")
    page.click("text=With selected")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("[data-console-action=deactivate]")
    page.wait_for_selector("text=Deactivated: 1 of 1.")
    assert page.console_errors == [], page.console_errors
    target_id = target.id
    db.session.rollback()  # end the test's own read snapshot before looking again
    assert not db.session.get(type(target), target_id).active
