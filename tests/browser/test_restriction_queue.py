"""The managers' restriction queue, driven through a real browser: order, overdue rows,
deciding one proposal, bulk dismissal, the vetting officers' view, escaping and two people
deciding the same proposal at once."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from console.db import db, utcnow
from console.notifications.models import Notification
from marketplace.models import Provider
from restrictions import workflow as wf
from restrictions.models import Restriction, RestrictionProposal
from restrictions.services import propose_restriction
from restrictions.workflow import ProposalStatus
from tests.browser.conftest import sign_in
from tests.factories import make_provider, make_staff

pytestmark = [pytest.mark.browser, pytest.mark.committed]

SWEEP = "system:insurance-sweep"
NOT_PAINTED = {"rgba(0, 0, 0, 0)", "transparent", "rgb(255, 255, 255)", "rgba(255, 255, 255, 1)"}
HOSTILE_NAME = "<script>window.__x=1</script><b>Bold</b>"


def _propose(reason_code, *, now=None, **provider_fields):
    provider = make_provider(**provider_fields)
    return propose_restriction(provider, reason_code=reason_code, actor=SWEEP, now=now or utcnow())


def _queue_order(page) -> list[str]:
    """The proposal ids of the queue's rows, top to bottom."""
    return page.eval_on_selector_all(
        "table.model-list tbody a[data-testid^=decide-]",
        "links => links.map(a => a.dataset.testid.replace('decide-', ''))",
    )


def _row(page, proposal_id):
    return page.locator("table.model-list tbody tr", has=page.locator(f"[data-testid=decide-{proposal_id}]"))


def _background(locator) -> str:
    return locator.evaluate("el => getComputedStyle(el).backgroundColor")


def _track_server_errors(page) -> list[str]:
    failures: list[str] = []
    page.on("response", lambda r: failures.append(f"{r.status} {r.url}") if r.status >= 500 else None)
    return failures


def test_a_manager_confirms_an_insurance_proposal_from_the_queue(page, live_url, tmp_path):
    manager = make_staff("manager")
    now = utcnow()
    overdue = _propose("safety_complaint", now=now - timedelta(hours=6))  # due 1 h later: 5 h ago
    insurance = _propose("insurance_lapsed", now=now)  # due in 4 business hours
    quality = _propose("low_rating", now=now)  # due in 2 business days
    db.session.commit()
    manager_id, insurance_id, provider_id = manager.id, insurance.id, insurance.provider_id
    provider_email = insurance.provider.email
    statement = insurance.statement
    sign_in(page, live_url, manager.email)

    page.goto(f"{live_url}/proposals/")
    assert _queue_order(page) == [str(overdue.id), str(insurance.id), str(quality.id)]
    badges = page.locator("[data-testid=overdue]")
    assert badges.count() == 1
    assert _row(page, overdue.id).locator("[data-testid=overdue]").inner_text() == "Overdue"
    highlighted = _background(_row(page, overdue.id))
    assert highlighted not in NOT_PAINTED, highlighted
    # The same stripe parity as the overdue row (rows 1 and 3): the colour comes from "overdue".
    assert highlighted != _background(_row(page, quality.id)), highlighted
    page.screenshot(path=str(tmp_path / "queue.png"), full_page=True)

    page.click(f"[data-testid=decide-{insurance_id}]")
    page.wait_for_url(f"{live_url}/proposals/decide/{insurance_id}")
    panel = page.inner_text("[data-testid=eligibility-panel]")
    assert "Bookable" in panel and "Not bookable" not in panel, panel
    assert page.input_value("#statement") == statement
    page.click("[data-testid=confirm]")
    page.wait_for_url(f"{live_url}/proposals/")
    assert "Confirmed:" in page.inner_text(".alert-success")
    assert page.locator(f"[data-testid=decide-{insurance_id}]").count() == 0
    assert _queue_order(page) == [str(overdue.id), str(quality.id)]

    db.session.rollback()  # end the test's own read snapshot before looking again
    assert db.session.get(Provider, provider_id).is_bookable is False
    restrictions = db.session.scalars(
        sa.select(Restriction).where(Restriction.provider_id == provider_id)
    ).all()
    assert len(restrictions) == 1
    assert restrictions[0].decided_by_id == manager_id
    assert restrictions[0].proposal_id == insurance_id
    assert restrictions[0].statement == statement
    assert db.session.get(RestrictionProposal, insurance_id).status == ProposalStatus.CONFIRMED
    notes = db.session.scalars(
        sa.select(Notification).where(
            Notification.template == "restriction_started", Notification.recipient == provider_email
        )
    ).all()
    assert len(notes) == 1
    assert statement in notes[0].body

    page.goto(f"{live_url}/providers/details/?id={provider_id}")
    panel = page.inner_text("[data-testid=eligibility-panel]")
    assert "Not bookable" in panel and "restricted: insurance lapsed" in panel, panel
    badge = page.locator("[data-testid=eligibility-panel] [data-testid=eligibility]")
    assert badge.inner_text() == "Not bookable"
    assert page.console_errors == [], page.console_errors


def test_a_manager_dismisses_two_proposals_at_once(page, live_url):
    manager = make_staff("manager")
    first = _propose("insurance_lapsed")
    second = _propose("low_rating")
    db.session.commit()
    provider_ids = [first.provider_id, second.provider_id]
    proposal_ids = [first.id, second.id]
    sign_in(page, live_url, manager.email)

    page.goto(f"{live_url}/proposals/")
    for proposal_id in proposal_ids:
        page.check(f"input.action-checkbox[value='{proposal_id}']")
    page.click("text=With selected")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("[data-console-action=dismiss]")
    page.wait_for_selector("text=Dismissed: 2 of 2.")
    assert _queue_order(page) == []
    assert page.console_errors == [], page.console_errors

    db.session.rollback()
    for provider_id in provider_ids:
        assert db.session.get(Provider, provider_id).is_bookable is True
    for proposal_id in proposal_ids:
        assert db.session.get(RestrictionProposal, proposal_id).status == ProposalStatus.DISMISSED
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Restriction)) == 0


def test_a_vetting_officer_sees_only_vetting_proposals(page, live_url):
    officer = make_staff("vetting_officer")
    vetting = _propose("revetting_overdue")
    insurance = _propose("insurance_lapsed")
    db.session.commit()
    sign_in(page, live_url, officer.email)

    page.goto(f"{live_url}/proposals/")
    assert _queue_order(page) == [str(vetting.id)]
    assert wf.REASONS["insurance_lapsed"].label not in page.inner_text("table.model-list tbody")
    # Nor can the officer open the other proposal by its address.
    page.goto(f"{live_url}/proposals/decide/{insurance.id}")
    assert page.url.startswith(f"{live_url}/proposals/")
    assert page.locator("[data-testid=confirm]").count() == 0
    assert page.console_errors == [], page.console_errors


def test_a_hostile_trade_name_is_shown_as_text(page, live_url):
    manager = make_staff("manager")
    proposal = _propose("insurance_lapsed", trade_name=HOSTILE_NAME)
    db.session.commit()
    sign_in(page, live_url, manager.email)

    for url in (f"{live_url}/proposals/", f"{live_url}/proposals/decide/{proposal.id}"):
        page.goto(url)
        assert HOSTILE_NAME in page.inner_text("body"), url
        assert page.evaluate("typeof window.__x") == "undefined", url
        bold_from_name = page.evaluate(
            "() => [...document.querySelectorAll('b')].some(b => b.textContent === 'Bold')"
        )
        assert not bold_from_name, url
    assert page.console_errors == [], page.console_errors  # nothing tried to run and got blocked


def test_two_managers_decide_the_same_proposal(browser, live_url):
    manager_a = make_staff("manager", name="Manager Alpha")
    manager_b = make_staff("manager", name="Manager Beta")
    proposal = _propose("insurance_lapsed")
    db.session.commit()
    proposal_id, provider_id, manager_a_id = proposal.id, proposal.provider_id, manager_a.id
    decide_url = f"{live_url}/proposals/decide/{proposal_id}"

    contexts, pages, errors, failures = [], [], [], []
    try:
        for manager in (manager_a, manager_b):
            context = browser.new_context()
            contexts.append(context)
            page = context.new_page()
            page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
            failures.append(_track_server_errors(page))
            sign_in(page, live_url, manager.email)
            page.goto(decide_url)
            page.wait_for_selector("[data-testid=confirm]")
            pages.append(page)
        page_a, page_b = pages

        page_a.click("[data-testid=confirm]")
        page_a.wait_for_url(f"{live_url}/proposals/")
        assert "Confirmed:" in page_a.inner_text(".alert-success")

        page_b.click("[data-testid=confirm]")
        page_b.wait_for_load_state()
        text = page_b.inner_text("body")
        assert re.search(r"already|changed by someone else", text), text
        assert failures == [[], []], failures
        assert errors == [], errors
    finally:
        for context in contexts:
            context.close()

    db.session.rollback()
    restrictions = db.session.scalars(sa.select(Restriction)).all()
    assert [(r.provider_id, r.decided_by_id) for r in restrictions] == [(provider_id, manager_a_id)]
