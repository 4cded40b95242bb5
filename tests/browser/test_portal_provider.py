"""Each provider purpose and the policy acknowledgement in a real browser, from the e-mail in the
outbox (the vetting request, the statement of reasons, the announcement) or from the "send a new
link" button a support agent presses on the dispute's page."""

from __future__ import annotations

import os
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from console.db import db, utcnow
from console.notifications.models import Notification
from disputes.disputes.models import Dispute
from policy import campaign
from restrictions import services as restrictions
from restrictions.models import Restriction
from tests.browser.conftest import sign_in
from tests.factories import (
    CERTIFICATE_PDF,
    make_applicant,
    make_client,
    make_dispute,
    make_provider,
    make_staff,
)
from tests.policy.test_campaign import significant_version
from tests.portal.helpers import complaint_in
from vetting import services as vetting
from vetting.models import VettingCase
from vetting.workflow import CaseStatus

pytestmark = [pytest.mark.browser, pytest.mark.committed]
SHOTS = os.environ.get("PORTAL_SCREENSHOTS")


def _shot(page, tmp_path, name):
    for folder in filter(None, (str(tmp_path), SHOTS)):
        os.makedirs(folder, exist_ok=True)
        page.screenshot(path=os.path.join(folder, f"{name}.png"), full_page=True)


def _from_outbox(template: str, recipient: str, live_url: str) -> str:
    db.session.rollback()
    note = db.session.scalar(
        sa.select(Notification).where(Notification.template == template, Notification.recipient == recipient)
        .order_by(Notification.id.desc()).limit(1)
    )  # fmt: skip
    return live_url + "/portal/" + re.search(r"/portal/([A-Za-z0-9_-]+)", note.body).group(1)


def _pdf(name):
    return [{"name": name, "mimeType": "application/pdf", "buffer": CERTIFICATE_PDF}]


def test_the_provider_purposes_from_their_emails(page, live_url, tmp_path):
    officer, manager, agent = (
        make_staff("vetting_officer"),
        make_staff("manager"),
        make_staff("support_agent"),
    )
    applicant, case = make_applicant()
    vetting.await_provider(case, request="Votre attestation de formation.", actor=officer,
                           now=utcnow() - timedelta(hours=2))  # fmt: skip
    restricted = make_provider()
    restriction = restrictions.restrict_provider(
        restricted, reason_code="terms_breach", statement="Annulations répétées.", actor=manager, now=utcnow()
    )
    complaint = complaint_in("in_progress", agent=agent)
    dispute = make_dispute(complaint, actor=agent)
    db.session.commit()
    case_id, restriction_id, dispute_id = case.id, restriction.id, dispute.id

    page.goto(_from_outbox("vetting_awaiting", applicant.email, live_url))
    assert "Votre attestation de formation." in page.inner_text("[data-testid=asked]")
    page.set_input_files("#f-certification", files=_pdf("formation.pdf"))
    page.fill("#f-answer", "Ci-joint.")
    _shot(page, tmp_path, "portal-vetting-documents")
    page.click("[data-testid=vetting-submit]")
    page.wait_for_selector("[data-testid=portal-done]")

    page.goto(_from_outbox("restriction_started", restricted.email, live_url))
    assert "Annulations répétées." in page.inner_text("[data-testid=statement]")
    page.fill("#f-arguments", "Ce sont les clients qui ont annulé.")
    _shot(page, tmp_path, "portal-restriction-review")
    page.click("[data-testid=review-submit]")
    page.wait_for_selector("[data-testid=portal-done]")

    sign_in(page, live_url, agent.email)  # the agent sends the dispute's link from its page
    page.goto(f"{live_url}/disputes/details/?id={dispute_id}")
    page.click("[data-testid=send-link-dispute_answer] button")
    assert "A new link was sent" in page.inner_text(".alert-success")
    page.context.clear_cookies()
    page.goto(_from_outbox("portal_link", complaint.provider.email, live_url))
    assert page.inner_text("[data-testid=deadline]").startswith("Votre version des faits")
    page.fill("#f-body", "Le vase était déjà fêlé.")
    page.set_input_files("#f-evidence", files=_pdf("photo.pdf"))
    _shot(page, tmp_path, "portal-dispute-answer")
    page.click("[data-testid=dispute-submit]")
    page.wait_for_selector("[data-testid=portal-done]")

    db.session.rollback()
    assert db.session.get(VettingCase, case_id).status != CaseStatus.AWAITING_PROVIDER
    assert db.session.get(Restriction, restriction_id).review_request == "Ce sont les clients qui ont annulé."
    assert db.session.get(Dispute, dispute_id).provider_response == "Le vase était déjà fêlé."
    assert [e for e in page.console_errors if "410" not in e] == []


def test_a_client_acknowledges_the_policy_and_asks_for_a_new_link(page, live_url, tmp_path):
    someone = make_client()
    version, manager = significant_version()
    started = campaign.start_campaign(version, actor=manager, now=utcnow())
    campaign.run_chunk(started.id, now=utcnow())
    db.session.commit()
    url = _from_outbox("policy_version_changed", someone.email, live_url)
    page.goto(url)
    _shot(page, tmp_path, "portal-policy-ack")
    page.click("[data-testid=policy-submit]")
    page.wait_for_selector("[data-testid=portal-done]")
    page.goto(url)
    assert page.inner_text("[data-testid=refused-title]") == "Ce lien ne fonctionne plus"
    page.fill("#ask-email", someone.email)
    _shot(page, tmp_path, "portal-refused")
    page.click("[data-testid=ask-submit]")
    assert "un nouveau lien est en route" in page.inner_text("[data-testid=ask-sent]")
    _shot(page, tmp_path, "portal-new-link-sent")
