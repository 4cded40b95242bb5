"""Vetting driven through a real browser: an applicant is taken from application to approval by
two vetting officers (one does the three checks, each in one form; the other, told by the queue
that they may approve, approves: four eyes), and a support agent cannot open a vetting case even
with its address.

The journey counts a person's clicks the way the job was measured before (each click on a link,
button, radio, checkbox or list; typing is not counted; reaching a queue is two clicks in the menu):
the three checks took 23 clicks and the approval 6 (with the first officer's sign-out)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from console.audit.models import AuditEvent
from console.business_time import paris_today
from console.db import db, utcnow
from console.notifications.models import Notification
from marketplace.models import Provider, VettingStatus
from tests.browser.conftest import sign_in
from tests.factories import make_applicant, make_staff, make_verified_policy
from vetting import checks
from vetting.models import VettingCase
from vetting.workflow import CaseStatus, CheckKind, CheckStatus

pytestmark = [pytest.mark.browser, pytest.mark.committed]

FLASH_OK, FLASH_REFUSED = ".alert-dismissable.alert-success", ".alert-dismissable.alert-danger"
KINDS = [kind.value for kind in CheckKind]  # background, skills, references
RUBRIC_MARKS = {"punctuality": "5", "thoroughness": "4", "care_of_belongings": "5", "communication": "4"}
CHECKS_BEFORE, APPROVAL_BEFORE = 23, 6  # clicks measured on the previous forms, counted as below


class Clicks:
    """Counts what a person clicks: `page.click`, `page.check`, `page.select_option`, and two per
    queue reached through the menu (`queue`)."""

    def __init__(self, page, live_url):
        self.page, self.live_url, self.count = page, live_url, 0
        for name in ("click", "check", "select_option"):
            setattr(page, name, self._counted(getattr(page, name)))

    def _counted(self, act):
        def counted(*args, **kwargs):
            self.count += 1
            return act(*args, **kwargs)

        return counted

    def queue(self, path: str) -> None:
        self.count += 2  # the menu, then the queue
        self.page.goto(f"{self.live_url}{path}")


def _sign_out(page, live_url):
    page.click("button:has-text('Sign out')")
    page.wait_for_url(f"{live_url}/login")


def _submit(page, button: str, flash: str, back_to: str) -> None:
    """Click a submit button, follow the redirect back to `back_to`, and read the success flash."""
    with page.expect_navigation():
        page.click(button)
    assert page.url.startswith(back_to), page.url
    refused = page.locator(FLASH_REFUSED)
    assert refused.count() == 0, refused.all_inner_texts()
    assert flash in page.inner_text(FLASH_OK), page.inner_text(FLASH_OK)


def _status(page, kind: str) -> str:
    return page.inner_text(f"[data-testid=check-status-{kind}]")


def _chip(page, case_id: int, kind: str):
    return page.locator(f"[data-testid=chip-{case_id}-{kind}]")


def _background_in_one_form(page, case_url, today):
    form = "[data-testid=form-background]"
    page.select_option(f"{form} [name=document_type]", "id_card")
    page.fill(f"{form} input[type=date][name=document_expiry]", (today + timedelta(days=900)).isoformat())
    page.fill(f"{form} [name=last4]", "7X2B")
    page.check(f"{form} input[name=siret_active][value='1']")
    page.fill(f"{form} input[type=date][name=b3_issue_date]", (today - timedelta(days=20)).isoformat())
    page.check(f"{form} input[name=b3_outcome][value=compatible]")
    _submit(page, f"{form} [data-testid=pass-background]", "The background check is passed.", case_url)
    assert "id card ending …7X2B" in page.inner_text("[data-testid=identity]")
    assert page.inner_text("[data-testid=siret]") == "active"
    assert "compatible" in page.inner_text("[data-testid=b3]")


def _skills_in_one_form(page, case_url):
    form = "[data-testid=form-skills]"
    page.fill(f"{form} [name=score]", "85")
    page.check(f"{form} [name=trial_passed]")
    for item, mark in RUBRIC_MARKS.items():
        page.fill(f"{form} [name={item}]", mark)
    _submit(page, f"{form} [data-testid=pass-skills]", "The skills check is passed.", case_url)
    assert page.inner_text("[data-testid=score]").startswith("85 / 100")


def _references_in_one_form(page, case_url):
    form = "[data-testid=reference-form]"
    for name, relationship, phone in (
        ("Mme Lefèvre", "ancienne employeuse", "0612345678"),
        ("M. Bernard", "client régulier", "0698765432"),
    ):
        page.fill(f"{form} [name=name]", name)
        page.fill(f"{form} [name=relationship]", relationship)
        page.fill(f"{form} [name=phone]", phone)
        _submit(page, f"{form} button", "Reference added.", case_url)
    assert page.locator("[data-testid^=reference-status-]").count() == 2

    form = "[data-testid=form-references]"
    for n in (1, 2):  # both references were called: the outcome of each call goes with the check
        page.select_option(f"{form} [data-testid=check-attempt-{n}]", "positive")
    _submit(page, f"{form} [data-testid=pass-references]", "The references check is passed.", case_url)
    assert [page.inner_text(f"[data-testid=reference-status-{n}]") for n in (1, 2)] == [
        "verified positive"
    ] * 2


def test_two_officers_take_an_applicant_from_application_to_approval(page, live_url, tmp_path):
    officer_a = make_staff("vetting_officer", name="Alice Arnaud")
    officer_b = make_staff("vetting_officer", name="Bruno Bastien")
    provider, case = make_applicant()
    make_verified_policy(provider)
    db.session.commit()
    officer_a_id, officer_b_id = officer_a.id, officer_b.id
    provider_id, case_id, provider_email = provider.id, case.id, provider.email
    today = paris_today(utcnow())
    case_url = f"{live_url}/vetting_cases/details/?id={case_id}"
    page.on("dialog", lambda dialog: dialog.accept())  # the bulk action's confirmation

    # Officer A takes the unassigned case.
    sign_in(page, live_url, officer_a.email)
    page.goto(f"{live_url}/vetting_unassigned/")
    assert page.locator(f"[data-testid=case-{case_id}]").count() == 1
    page.check(f"input.action-checkbox[value='{case_id}']")
    page.click("text=With selected")
    with page.expect_navigation():
        page.click("[data-console-action=assign_to_me]")
    assert "Assigned to you: 1 of 1." in page.inner_text(FLASH_OK)
    assert page.locator(f"[data-testid=case-{case_id}]").count() == 0  # no longer unassigned

    # The job starts here: from "My checks" to the three checks done.
    clicks = Clicks(page, live_url)
    clicks.queue("/vetting_mine/")
    rows = page.locator("table.model-list tbody tr", has=page.locator(f"[data-testid=case-{case_id}]"))
    assert rows.count() == 1  # one row per case, a chip per check
    for kind in KINDS:
        assert _chip(page, case_id, kind).inner_text() == f"{kind}: pending · Alice Arnaud"
    with page.expect_navigation():
        page.click(f"[data-testid=case-{case_id}]")
    assert page.url == case_url
    assert page.inner_text("[data-testid=case-status]") == "open"
    assert page.inner_text("[data-testid=insurance-state]") == "valid today"
    assert page.inner_text("[data-testid=eligibility]") == "Not bookable"

    _background_in_one_form(page, case_url, today)
    assert _status(page, "background") == "passed"
    assert page.get_attribute("[data-testid=check-status-background]", "class").endswith("badge-success")
    assert page.inner_text("[data-testid=case-status]") == "in review"
    _skills_in_one_form(page, case_url)
    assert _status(page, "skills") == "passed"
    _references_in_one_form(page, case_url)
    assert [_status(page, kind) for kind in KINDS] == ["passed"] * 3
    assert page.inner_text("[data-testid=case-status]") == "ready for decision"
    checks_clicks = clicks.count
    assert checks_clicks <= 14 < CHECKS_BEFORE, checks_clicks
    page.screenshot(path=str(tmp_path / "case-officer-a.png"), full_page=True)

    # Four eyes: whoever completed a check may not approve; the queue says so before the case does.
    page.goto(f"{live_url}/vetting_ready/")
    for kind in KINDS:
        chip = _chip(page, case_id, kind)
        assert chip.inner_text() == f"{kind}: passed · Alice Arnaud"
        assert "badge-success" in chip.get_attribute("class")
    assert page.inner_text(f"[data-testid=approval-{case_id}]") == "you may not approve (you did a check)"
    page.goto(case_url)
    assert page.is_disabled("[data-testid=approve]")
    blockers = page.inner_text("[data-testid=approve-blockers]")
    assert "you completed a check" in blockers and "four eyes" in blockers, blockers

    # Officer B decides.
    clicks.count = 0
    _sign_out(page, live_url)
    sign_in(page, live_url, officer_b.email)  # its button click is counted
    clicks.queue("/vetting_ready/")
    assert page.inner_text(f"[data-testid=approval-{case_id}]") == "you may approve"
    with page.expect_navigation():
        page.click(f"[data-testid=case-{case_id}]")
    assert page.url == case_url
    assert page.inner_text("[data-testid=case-status]") == "ready for decision"
    assert page.locator("[data-testid=approve-blockers]").count() == 0
    assert page.is_enabled("[data-testid=approve]")
    page.screenshot(path=str(tmp_path / "case-officer-b.png"), full_page=True)
    _submit(page, "[data-testid=approve]", "Approved:", case_url)
    approval_clicks = clicks.count
    assert approval_clicks <= APPROVAL_BEFORE, approval_clicks
    print(f"clicks: checks {checks_clicks} (was {CHECKS_BEFORE}), approval {approval_clicks}")
    assert page.inner_text("[data-testid=case-status]") == "approved"
    assert page.locator("[data-testid=approve]").count() == 0
    assert page.inner_text("[data-testid=eligibility]") == "Bookable"

    page.goto(f"{live_url}/providers/details/?id={provider_id}")
    assert page.inner_text("[data-testid=eligibility-panel] [data-testid=eligibility]") == "Bookable"
    page.goto(f"{live_url}/vetting_ready/")
    assert page.locator(f"[data-testid=case-{case_id}]").count() == 0
    assert page.console_errors == [], page.console_errors

    db.session.rollback()  # end the test's own read snapshot before looking again
    case = db.session.get(VettingCase, case_id)
    assert case.status == CaseStatus.APPROVED
    assert case.decided_by_id == officer_b_id
    assert {c.kind: (c.status, c.completed_by_id) for c in case.checks} == {
        kind: (CheckStatus.PASSED, officer_a_id) for kind in CheckKind
    }
    assert db.session.get(Provider, provider_id).vetting_status == VettingStatus.APPROVED
    notes = db.session.scalars(
        sa.select(Notification).where(
            Notification.template == "vetting_approved", Notification.recipient == provider_email
        )
    ).all()
    assert len(notes) == 1
    views = db.session.scalars(
        sa.select(AuditEvent.actor_id).where(
            AuditEvent.action == "vetting.case_view",
            AuditEvent.object_type == "VettingCase",
            AuditEvent.object_id == str(case_id),
        )
    ).all()
    assert officer_b_id in views and officer_a_id in views, views


def test_a_check_refused_in_its_form_says_why_and_keeps_nothing(page, live_url):
    officer = make_staff("vetting_officer", name="Alice Arnaud")
    provider, case = make_applicant()
    make_verified_policy(provider)
    checks.assign_case(case, assignee=officer, actor=officer, now=utcnow())
    db.session.commit()
    case_url = f"{live_url}/vetting_cases/details/?id={case.id}"
    sign_in(page, live_url, officer.email)
    page.goto(case_url)
    form = "[data-testid=form-background]"
    page.check(f"{form} input[name=siret_active][value='1']")  # the extract is not recorded as viewed
    with page.expect_navigation():
        page.click(f"{form} [data-testid=pass-background]")
    refused = page.inner_text(FLASH_REFUSED)
    assert "cannot pass yet" in refused and "criminal-record extract not viewed" in refused, refused
    assert _status(page, "background") == "pending"
    assert page.inner_text("[data-testid=siret]") == "not checked"  # nothing of the form was kept
    assert page.inner_text("[data-testid=case-status]") == "open"


def test_a_support_agent_cannot_open_a_vetting_case_by_its_address(page, live_url):
    agent = make_staff("support_agent")
    _provider, case = make_applicant()
    db.session.commit()
    case_id = case.id
    sign_in(page, live_url, agent.email)

    for path in (f"/vetting_cases/details/?id={case_id}", "/vetting_mine/"):
        response = page.goto(f"{live_url}{path}")
        assert response.status == 403, path
        assert "Not allowed" in page.inner_text("h2"), path
        assert "Your role does not give access" in page.inner_text("body"), path
        assert page.locator("[data-testid=case-title]").count() == 0, path
    # Nor does the menu offer the vetting screens (the selector finds the agent's other menus).
    page.goto(f"{live_url}/")
    menus = [text.strip() for text in page.locator(".navbar a.dropdown-toggle").all_inner_texts()]
    assert "Providers and clients" in menus and "Vetting" not in menus, menus
    # The browser reports each refused page load, and nothing else (no script blocked or broken).
    assert len(page.console_errors) == 2, page.console_errors
    assert all("status of 403" in error for error in page.console_errors), page.console_errors

    db.session.rollback()
    views = db.session.scalar(
        sa.select(sa.func.count()).select_from(AuditEvent).where(AuditEvent.action == "vetting.case_view")
    )
    assert views == 0  # a refused opening is not a viewing of the file
