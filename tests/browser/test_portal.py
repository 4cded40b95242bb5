"""The portal in a real browser, from the e-mail in the outbox: a provider sends a renewed RC Pro
certificate and an officer verifies it; a client on a phone (390 px) replies to a complaint with
a photo, then rates its resolution once."""

from __future__ import annotations

import os
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from console.business_time import paris_today
from console.db import db, utcnow
from console.notifications.models import Notification
from disputes.complaints import services as complaints
from disputes.complaints.models import ComplaintEntry, EntryKind, Satisfaction
from disputes.complaints.workflow import Status
from insurance import services as insurance
from insurance import sweep as insurance_sweep
from insurance.models import InsurancePolicy
from insurance.workflow import InsuranceStatus, Verification
from portal import answers
from portal.models import PortalAttachment
from tests.browser.conftest import sign_in
from tests.factories import CERTIFICATE_PDF, make_policy, make_provider, make_staff
from tests.portal.helpers import complaint_in

pytestmark = [pytest.mark.browser, pytest.mark.committed]
SHOTS = os.environ.get("PORTAL_SCREENSHOTS")  # a folder to keep the pages' screenshots in


def _shot(page, tmp_path, name):
    page.screenshot(path=str(tmp_path / f"{name}.png"), full_page=True)
    if SHOTS:
        os.makedirs(SHOTS, exist_ok=True)
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


def _link_in_outbox(template: str, recipient: str, live_url: str) -> str:
    """The portal link of the latest message of `template` to `recipient`, served by the live app."""
    db.session.rollback()
    note = db.session.scalar(
        sa.select(Notification)
        .where(Notification.template == template, Notification.recipient == recipient)
        .order_by(Notification.id.desc())
        .limit(1)
    )
    assert note is not None, f"no {template} message to {recipient} in the outbox"
    url = re.search(r"https?://\S+/portal/[A-Za-z0-9_-]+", note.body).group(0)
    return live_url + url[url.index("/portal/") :]


def test_a_provider_sends_a_certificate_from_the_reminder_and_an_officer_verifies_it(
    page, live_url, tmp_path
):
    officer = make_staff("vetting_officer", name="Officer Verif")
    provider = make_provider()
    today = paris_today(utcnow())
    make_policy(
        provider,
        starts_on=today - timedelta(days=358),
        ends_on=today + timedelta(days=7),
        verified_by=make_staff("vetting_officer"),
    )
    insurance_sweep.sweep_policies(today=today, now=utcnow())  # the 7-day reminder
    insurance_sweep.write_reminders(now=utcnow())  # its message, with its link
    db.session.commit()
    provider_id, email = provider.id, provider.email
    assert insurance.provider_status(provider_id, today) == InsuranceStatus.EXPIRING

    page.goto(_link_in_outbox("insurance_reminder", email, live_url))
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.inner_text("h1") == "Votre attestation d'assurance RC Pro"
    page.fill("#f-insurer", "MAAF Pro")
    page.fill("#f-policy_number", "MAAF-2027-77")
    page.check("#a-regular_cleaning")
    page.fill("#f-coverage", "1500000")
    page.fill("#f-deductible", "150")
    page.fill("#f-starts_on", (today + timedelta(days=7)).isoformat())
    page.fill("#f-ends_on", (today + timedelta(days=372)).isoformat())
    page.set_input_files(
        "#f-certificate",
        files=[{"name": "attestation-2027.pdf", "mimeType": "application/pdf", "buffer": CERTIFICATE_PDF}],
    )
    _shot(page, tmp_path, "portal-certificate")
    page.click("[data-testid=certificate-submit]")
    page.wait_for_selector("[data-testid=portal-done]")
    assert "votre attestation a bien été reçue" in page.inner_text("[data-testid=portal-done]")
    page.reload()  # a single-use link: spent
    assert page.inner_text("[data-testid=refused-title]") == "Ce lien ne fonctionne plus"

    db.session.rollback()
    pending = db.session.scalar(
        sa.select(InsurancePolicy).where(InsurancePolicy.policy_number == "MAAF-2027-77")
    )
    assert pending.verification == Verification.PENDING and pending.certificate is not None
    sign_in(page, live_url, officer.email)
    page.goto(f"{live_url}/certificates/")
    page.click(f"[data-testid=open-{pending.id}]")
    page.wait_for_url(f"{live_url}/policies/details/?id={pending.id}")
    page.click("[data-testid=verify]")
    page.wait_for_url(f"{live_url}/policies/details/?id={pending.id}")
    assert page.inner_text("[data-testid=verification-status]") == "verified"
    assert [e for e in page.console_errors if "410" not in e] == []  # the spent link's page is a 410

    db.session.rollback()
    assert insurance.provider_status(provider_id, today + timedelta(days=30)) == InsuranceStatus.VALID


def test_a_client_on_a_phone_replies_then_rates_the_resolution_once(browser, live_url, tmp_path):
    agent = make_staff("support_agent")
    complaint = complaint_in("in_progress", agent=agent)
    complaints.send_message(
        complaint,
        to="to_client",
        body="Pouvez-vous nous envoyer une photo du vase ?",
        actor=agent,
        now=utcnow(),
    )
    complaints.transition(complaint, "wait_on_client", actor=agent, now=utcnow())
    db.session.commit()
    complaint_id, email = complaint.id, complaint.client.email
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    errors = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)

    page.goto(_link_in_outbox("complaint_message", email, live_url))
    assert "Pouvez-vous nous envoyer une photo du vase ?" in page.inner_text("[data-testid=thread]")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing wider than the phone
    page.fill("#f-body", "Voici la photo du vase cassé.")
    page.set_input_files(
        "#f-evidence", files=[{"name": "vase.pdf", "mimeType": "application/pdf", "buffer": CERTIFICATE_PDF}]
    )
    page.focus("#f-body")
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"  # visible focus
    _shot(page, tmp_path, "portal-complaint-reply-390")
    page.click("[data-testid=message-submit]")
    page.wait_for_selector("[data-testid=portal-done]")
    assert "votre message a été ajouté" in page.inner_text("[data-testid=portal-done]")

    db.session.rollback()
    entry = db.session.scalar(
        sa.select(ComplaintEntry).where(
            ComplaintEntry.complaint_id == complaint_id, ComplaintEntry.kind == EntryKind.FROM_CLIENT
        )
    )
    assert entry.body == "Voici la photo du vase cassé."
    assert db.session.scalar(sa.select(PortalAttachment.id).where(PortalAttachment.entry_id == entry.id))
    complaint = db.session.get(type(complaint), complaint_id)
    assert complaint.status == Status.IN_PROGRESS  # the client's answer restarted the clock
    complaints.transition(
        complaint, "resolve", actor=db.session.merge(agent), now=utcnow() - timedelta(days=1, hours=2)
    )
    db.session.commit()
    assert answers.ask_satisfaction(now=utcnow()) == 1  # the hourly job's use case
    db.session.commit()

    page.goto(_link_in_outbox("portal_link", email, live_url))
    page.check("#score-5")
    page.fill("#f-comment", "Réponse rapide, merci.")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    _shot(page, tmp_path, "portal-satisfaction-390")
    page.click("[data-testid=satisfaction-submit]")
    page.wait_for_selector("[data-testid=portal-done]")
    page.go_back()
    page.reload()
    assert page.inner_text("[data-testid=refused-title]") == "Ce lien ne fonctionne plus"
    _shot(page, tmp_path, "portal-link-refused-390")
    assert [e for e in errors if "410" not in e] == [], errors  # the spent link's page is a 410
    context.close()

    db.session.rollback()
    rating = db.session.scalar(sa.select(Satisfaction).where(Satisfaction.complaint_id == complaint_id))
    assert (rating.score, rating.comment) == (5, "Réponse rapide, merci.")
