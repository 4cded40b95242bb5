"""An agent takes a damage complaint through a dispute to a manager's decision, in a real browser:
record the complaint, work it, open a dispute above the threshold with evidence from both sides,
propose a decision; the proposing agent cannot decide it; another person, a manager, does."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from console.db import db, utcnow
from console.notifications.models import Notification
from disputes.complaints.models import Complaint
from disputes.complaints.workflow import Status
from disputes.disputes.models import Dispute
from disputes.disputes.workflow import DisputeStatus
from marketplace import consents
from tests.browser.conftest import sign_in
from tests.factories import make_booking, make_complaint, make_staff

pytestmark = [pytest.mark.browser, pytest.mark.committed]

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _server_errors(page) -> list[str]:
    failures: list[str] = []
    page.on("response", lambda r: failures.append(f"{r.status} {r.url}") if r.status >= 500 else None)
    return failures


def test_an_agent_takes_a_damage_complaint_through_a_dispute_to_a_managers_decision(
    browser, live_url, tmp_path
):
    agent = make_staff("support_agent", name="Agathe Agent")
    manager = make_staff("manager", name="Manon Manager")
    booking = make_booking(price_cents=9_000)
    consents.record_consent(
        booking.client, recipient="insurer", purpose="damage_claim", given=True, source="app",
        wording_version="2026-12", actor="system:tests", now=utcnow(),
    )  # fmt: skip
    db.session.commit()
    client_ref, booking_ref, client_email = booking.client.reference, booking.reference, booking.client.email
    evidence = tmp_path / "photo-vase.pdf"
    evidence.write_bytes(PDF)

    # The agent records the complaint from the phone call.
    page = browser.new_page()
    errors = _server_errors(page)
    page.on("dialog", lambda dialog: dialog.accept())
    sign_in(page, live_url, agent.email)
    page.goto(f"{live_url}/complaints/new/")
    page.fill("#client_reference", client_ref)
    page.fill("#booking_reference", booking_ref)
    page.select_option("#channel", "phone")
    page.select_option("#category", "damage")
    page.fill("#subject", "Vase <b>cassé</b> dans le salon")
    page.fill("#description", "La cliente signale un vase Lalique cassé pendant le ménage.")
    page.click("input[type=submit][value=Save], button[type=submit]:has-text('Save')")
    page.wait_for_selector("[data-testid=complaint-title]")
    assert "Vase <b>cassé</b>" in page.inner_text("[data-testid=complaint-title]")  # shown as text
    assert page.inner_text("[data-testid=complaint-severity]") == "High"
    complaint_url = page.url

    # Takes it, works it, answers the client (first response met) and notes something internal.
    page.select_option("[data-testid=assignee-select]", str(agent.id))
    page.click("[data-testid=assign]")
    page.wait_for_selector("text=assigned to Agathe Agent")
    for event in ("triage", "start"):
        page.click(f"[data-testid=event-{event}]")
        page.wait_for_selector(f"text={event if event == 'triage' else 'start work'} done")
    page.select_option("[data-testid=entry-kind]", "to_client")
    page.fill("[data-testid=entry-body]", "Nous examinons votre demande et revenons vers vous sous 48 h.")
    page.click("[data-testid=add-entry]")
    page.wait_for_selector("text=Message queued in the outbox.")
    assert page.inner_text("[data-testid=timer-first-response]") == "met"
    page.select_option("[data-testid=entry-kind]", "note")
    page.fill(
        "[data-testid=entry-body]", "Cliente très remontée; carte 4970 1012 3456 7893 lue au téléphone."
    )
    page.click("[data-testid=add-entry]")
    page.wait_for_selector("text=Note added")
    assert "[card ••••7893]" in page.inner_text("[data-testid=conversation]")

    # Opens a damage dispute above the 500 EUR threshold, the booking's price shown beside it.
    page.select_option("[data-testid=dispute-kind]", "damage")
    page.fill("[data-testid=dispute-amount]", "850")
    page.fill("[data-testid=dispute-claim]", "Remplacement du vase (facture jointe).")
    page.click("[data-testid=open-dispute]")
    page.wait_for_selector("[data-testid=dispute-title]")
    dispute_url = page.url
    assert page.inner_text("[data-testid=claimed]") == "€850.00"
    assert page.inner_text("[data-testid=booking-price]") == "€90.00"
    assert page.inner_text("[data-testid=terms]") == "2026-03"
    assert page.is_visible("[data-testid=needs-manager]")

    # Evidence from both sides, the provider's response, the insurer's claim.
    for side in ("client", "provider"):
        page.select_option("[data-testid=evidence-form] select[name=side]", side)
        page.set_input_files("[data-testid=evidence-file]", str(evidence))
        page.click("[data-testid=add-evidence]")
        page.wait_for_selector("text=Evidence added.")
    assert page.locator("[data-testid=evidence] li").count() == 2
    page.fill("[data-testid=response-text]", "Le vase était déjà fêlé, photo à l'appui.")
    page.click("[data-testid=record-response]")
    page.wait_for_selector("text=Provider's response recorded.")
    page.fill("[data-testid=insurer-claim-input]", "AXA/2026/0042")
    page.click("[data-testid=record-insurer-claim]")
    page.wait_for_selector("text=Insurer's claim reference recorded.")

    # Proposes a partial award: above the threshold it goes to a manager.
    page.select_option("[data-testid=outcome]", "partially_upheld")
    page.fill("[data-testid=award]", "600")
    page.fill("[data-testid=reasons]", "Vase déjà fêlé: 600 EUR sur 850 EUR.")
    page.click("[data-testid=propose]")
    page.wait_for_selector("text=Decision proposed")
    assert page.inner_text("[data-testid=dispute-status]") == "Awaiting decision"

    # The agent who proposed it cannot decide it.
    page.click("[data-testid=decide]")
    page.wait_for_selector("text=Whoever proposed the decision cannot decide it")
    assert page.inner_text("[data-testid=dispute-status]") == "Awaiting decision"

    # A manager decides it from the managers' queue.
    manager_page = browser.new_page()
    manager_errors = _server_errors(manager_page)
    sign_in(manager_page, live_url, manager.email)
    manager_page.goto(f"{live_url}/disputes-to-decide/")
    manager_page.click("table.model-list a[data-testid^=dispute-]")
    manager_page.wait_for_url(dispute_url)
    assert "Proposed by Agathe Agent" in manager_page.inner_text("[data-testid=proposal]")
    assert manager_page.input_value("[data-testid=award]") == "600"
    manager_page.click("[data-testid=decide]")
    manager_page.wait_for_selector("text=Dispute decided")
    assert "partially upheld, €600.00 — by Manon Manager" in manager_page.inner_text("[data-testid=decision]")

    # The agent resolves the complaint.
    page.goto(complaint_url)
    page.click("[data-testid=event-resolve]")
    page.wait_for_selector("text=resolve done")
    assert page.inner_text("[data-testid=complaint-status]") == "Resolved"
    assert errors == [] and manager_errors == []

    db.session.remove()
    complaint = db.session.scalar(sa.select(Complaint))
    dispute = db.session.scalar(sa.select(Dispute))
    assert complaint.status == Status.RESOLVED and complaint.resolution_met is True
    assert dispute.status == DisputeStatus.DECIDED and dispute.amount_awarded_cents == 60_000
    assert dispute.proposed_by_id == agent.id and dispute.decided_by_id == manager.id
    assert dispute.insurer_claim_reference == "AXA/2026/0042"
    told = db.session.scalar(sa.select(Notification).where(Notification.template == "dispute_decided"))
    assert told.recipient == client_email


def test_an_agent_bulk_assigns_unassigned_complaints_to_a_colleague(browser, live_url):
    agent = make_staff("support_agent", name="Agathe Agent")
    colleague = make_staff("support_agent", name="Basile Colleague")
    complaints = [make_complaint(actor=agent) for _ in range(3)]
    db.session.commit()
    ids = [c.id for c in complaints]
    page = browser.new_page()
    errors = _server_errors(page)
    sign_in(page, live_url, agent.email)
    page.goto(f"{live_url}/queue/unassigned/")
    for complaint_id in ids[:2]:
        page.check(f"input.action-checkbox[value='{complaint_id}']")
    page.select_option("[data-testid=bulk-assignee]", str(colleague.id))
    page.click("text=With selected")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("[data-console-action=assign_to]")
    page.wait_for_selector("text=Assigned to Basile Colleague: 2 of 2.")
    shown = page.eval_on_selector_all(
        "table.model-list a[data-testid^=complaint-]", "links => links.map(a => a.dataset.testid)"
    )
    assert shown == [f"complaint-{ids[2]}"]  # the two assigned ones left the unassigned queue
    assert errors == []
    db.session.remove()
    assignees = db.session.scalars(sa.select(Complaint.assignee_id).order_by(Complaint.id)).all()
    assert assignees == [colleague.id, colleague.id, None]
