"""RC Pro certificates driven through a real browser: a vetting officer verifies the successor
of an expired policy from the queue, and the lapse proposal it makes moot is closed."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
import sqlalchemy as sa

from console.audit.models import AuditEvent
from console.business_time import paris_today
from console.db import db, utcnow
from insurance import services
from insurance.models import InsurancePolicy
from insurance.workflow import InsuranceStatus, Verification
from restrictions.models import RestrictionProposal
from restrictions.services import propose_restriction
from restrictions.workflow import ProposalStatus
from tests.browser.conftest import sign_in
from tests.factories import make_provider, make_staff

pytestmark = [pytest.mark.browser, pytest.mark.committed]

PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


def _register(provider, *, starts, ends, number, certificate=True):
    return services.register_policy(
        provider,
        fields={
            "insurer": "AXA France IARD",
            "policy_number": number,
            "insured_name": provider.legal_name,
            "insured_siret": provider.siret,
            "activities": ["regular_cleaning", "windows"],
            "coverage_per_claim_cents": 200_000_000,
            "deductible_cents": 15_000,
            "starts_on": starts,
            "ends_on": ends,
        },
        certificate=(io.BytesIO(PDF), "attestation-rc-pro.pdf") if certificate else None,
        actor="system:tests",
        now=utcnow(),
    )


def test_a_vetting_officer_verifies_the_successor_of_an_expired_policy(page, live_url, tmp_path):
    officer = make_staff("vetting_officer", name="Officer Verif")
    earlier_officer = make_staff("vetting_officer")
    provider = make_provider()  # approved
    today = paris_today(utcnow())
    expired = _register(
        provider, starts=today - timedelta(days=400), ends=today - timedelta(days=6), number="AXA-2025-1"
    )
    services.verify_policy(expired, actor=earlier_officer, now=utcnow())
    pending = _register(
        provider, starts=today - timedelta(days=5), ends=today + timedelta(days=360), number="AXA-2026-1"
    )
    proposal = propose_restriction(
        provider, reason_code="insurance_lapsed", actor="system:insurance-sweep", now=utcnow()
    )
    db.session.commit()
    provider_id, pending_id, proposal_id, officer_id = provider.id, pending.id, proposal.id, officer.id
    assert services.provider_status(provider_id, today) == InsuranceStatus.EXPIRED
    sign_in(page, live_url, officer.email)

    page.goto(f"{live_url}/certificates/")
    assert page.locator("a[data-testid^=open-]").count() == 1  # the verified one is not queued
    page.click(f"[data-testid=open-{pending_id}]")
    page.wait_for_url(f"{live_url}/policies/details/?id={pending_id}")
    assert page.inner_text("[data-testid=insurance-status]") == "expired"
    assert page.inner_text("[data-testid=verification-status]") == "pending"
    assert page.locator("[data-testid=no-flags]").count() == 1
    assert "Bookable" in page.inner_text("[data-testid=eligibility-panel]")
    page.screenshot(path=str(tmp_path / "policy.png"), full_page=True)

    page.click("[data-testid=verify]")
    page.wait_for_url(f"{live_url}/policies/details/?id={pending_id}")
    assert "Verified:" in page.inner_text(".alert-success")
    assert page.inner_text("[data-testid=insurance-status]") == "valid"
    assert page.inner_text("[data-testid=verification-status]") == "verified"
    assert page.locator("[data-testid=verify]").count() == 0

    page.goto(f"{live_url}/certificates/")
    assert page.locator("a[data-testid^=open-]").count() == 0
    assert page.console_errors == [], page.console_errors

    db.session.rollback()  # end the test's own read snapshot before looking again
    assert services.provider_status(provider_id, today) == InsuranceStatus.VALID
    policy = db.session.get(InsurancePolicy, pending_id)
    assert policy.verification == Verification.VERIFIED and policy.verified_by_id == officer_id
    closed = db.session.get(RestrictionProposal, proposal_id)
    assert closed.status == ProposalStatus.DISMISSED
    assert "Closed automatically" in closed.decision_note


def test_verifying_without_a_certificate_is_refused_on_the_page_unless_seen_elsewhere(page, live_url):
    officer = make_staff("vetting_officer", name="Officer Verif")
    provider = make_provider()
    today = paris_today(utcnow())
    bare = _register(
        provider, starts=today - timedelta(days=5), ends=today + timedelta(days=360), number="MAIF-1",
        certificate=False,
    )  # fmt: skip
    db.session.commit()
    bare_id = bare.id
    policy_url = f"{live_url}/policies/details/?id={bare_id}"
    sign_in(page, live_url, officer.email)

    page.goto(f"{live_url}/certificates/")
    assert page.inner_text(f"[data-testid=no-certificate-{bare_id}]") == "no certificate"
    page.click(f"[data-testid=open-{bare_id}]")
    page.wait_for_url(policy_url)
    assert page.locator("[data-testid=no-certificate]").count() == 1
    assert "No certificate was uploaded" in page.inner_text("[data-testid=verify-needs-certificate]")

    with page.expect_navigation():
        page.click("[data-testid=verify]")  # without saying anything
    refused = page.inner_text(".alert-danger")
    assert "No certificate was uploaded for this policy: upload it" in refused, refused
    assert page.inner_text("[data-testid=verification-status]") == "pending"

    page.check("[data-testid=seen-elsewhere]")
    page.fill("[data-testid=seen-elsewhere-detail]", "Vue sur l'extranet MAIF le 6 décembre, contrat actif.")
    with page.expect_navigation():
        page.click("[data-testid=verify]")
    assert "Verified:" in page.inner_text(".alert-success")
    assert page.inner_text("[data-testid=verification-status]") == "verified"
    assert page.console_errors == [], page.console_errors

    db.session.rollback()
    assert db.session.get(InsurancePolicy, bare_id).verification == Verification.VERIFIED
    event = db.session.scalars(
        sa.select(AuditEvent).where(
            AuditEvent.action == "insurance.verify", AuditEvent.object_id == str(bare_id)
        )
    ).one()
    assert event.shown_changes["without_certificate"] == "certificate_seen_elsewhere"
    assert event.shown_changes["seen_elsewhere"].startswith("Vue sur l'extranet MAIF")
