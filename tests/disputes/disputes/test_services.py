"""Dispute services against the real database: claims, evidence, decisions, four eyes, refunds."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from console.db import db
from console.domain import DomainError
from console.files.models import StoredFile
from console.notifications.models import Notification
from disputes.disputes import services
from disputes.disputes.models import Dispute, DisputeEvidence
from disputes.disputes.workflow import DisputeStatus, Outcome
from insurance import services as insurance
from marketplace import consents
from tests.factories import make_booking, make_complaint, make_dispute, make_staff

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def agent():
    return make_staff("support_agent")


@pytest.fixture
def complaint(agent, now):
    return make_complaint(booking=make_booking(price_cents=4500), actor=agent, now=now)


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_a_dispute_needs_a_booking(agent, now):
    with pytest.raises(DomainError, match="names no booking"):
        make_dispute(make_complaint(actor=agent, now=now), actor=agent, now=now)


@pytest.mark.parametrize(
    ("kind", "amount", "message"),
    [
        ("refund", 4501, "cannot exceed the booking's price"),
        ("refund", -500, "more than zero"),
        ("damage", 0, "more than zero"),
        ("refund", "45", "whole number"),
        ("chargeback", 100, "Unknown kind"),
    ],
)
def test_bad_claims_are_refused_and_nothing_is_saved(complaint, agent, now, kind, amount, message):
    with pytest.raises(DomainError, match=message):
        make_dispute(complaint, kind=kind, amount_claimed_cents=amount, actor=agent, now=now)
    assert _count(Dispute) == 0


def test_a_damage_dispute_records_the_rc_pro_that_covered_the_service(complaint, agent, now):
    provider = complaint.provider
    policy = insurance.register_policy(
        provider,
        fields={
            "insurer": "AXA France",
            "policy_number": "RCP-1",
            "insured_name": provider.legal_name,
            "insured_siret": provider.siret,
            "activities": ["regular_cleaning"],
            "coverage_per_claim_cents": 200_000_000,
            "deductible_cents": 30_000,
            "starts_on": date(2026, 1, 1),
            "ends_on": date(2026, 12, 31),
        },
        certificate=(io.BytesIO(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"), "attestation.pdf"),
        actor="system:tests",
        now=now,
    )
    insurance.verify_policy(policy, actor=make_staff("vetting_officer"), now=now)
    dispute = make_dispute(complaint, amount_claimed_cents=120_000, actor=agent, now=now)
    assert dispute.insurance_policy_id == policy.id and dispute.status == DisputeStatus.OPEN
    # Nothing goes to the insurer without the client's consent to it (marketplace/consents.py).
    with pytest.raises(DomainError, match="has not agreed to their details being shared"):
        services.record_insurer_claim(dispute, reference="AXA/2026/0042", actor=agent, now=now)
    assert dispute.insurer_claim_reference is None
    client = dispute.booking.client
    consents.record_consent(
        client, recipient="insurer", purpose="damage_claim", given=True, source="support",
        wording_version="2026-12", actor=agent, now=now,
    )  # fmt: skip
    services.record_insurer_claim(dispute, reference="AXA/2026/0042", actor=agent, now=now)
    assert dispute.insurer_claim_reference == "AXA/2026/0042"
    consents.record_consent(
        client, recipient="insurer", purpose="damage_claim", given=False, source="app",
        wording_version=None, actor="system:tests", now=now,
    )  # fmt: skip
    with pytest.raises(DomainError, match="has not agreed"):  # withdrawn: no further sharing
        services.record_insurer_claim(dispute, reference="AXA/2026/0043", actor=agent, now=now)


def test_only_one_undecided_dispute_per_complaint(complaint, agent, now):
    make_dispute(complaint, actor=agent, now=now)
    with pytest.raises(DomainError, match="already has a dispute"):
        make_dispute(complaint, actor=agent, now=now)


def test_evidence_from_both_sides_follows_the_upload_rules(complaint, agent, now):
    dispute = make_dispute(complaint, actor=agent, now=now)
    services.add_evidence(
        dispute,
        side="client",
        upload=(io.BytesIO(PDF), "photo.pdf"),
        description="Vase",
        actor=agent,
        now=now,
    )
    services.add_evidence(
        dispute,
        side="provider",
        upload=(io.BytesIO(PDF), "devis.pdf"),
        description=None,
        actor=agent,
        now=now,
    )
    with pytest.raises(DomainError, match="PDF, JPEG or PNG"):
        services.add_evidence(
            dispute,
            side="client",
            upload=(io.BytesIO(b"<html>hi</html>"), "x.pdf"),
            description=None,
            actor=agent,
            now=now,
        )
    db.session.flush()
    assert [e.side.value for e in dispute.evidence] == ["client", "provider"]
    assert _count(DisputeEvidence) == 2 and _count(StoredFile) == 2


def test_an_agent_decides_at_or_below_the_threshold_and_the_client_is_told(complaint, agent, now):
    dispute = make_dispute(complaint, kind="refund", amount_claimed_cents=4500, actor=agent, now=now)
    with pytest.raises(DomainError, match="written reasons is required"):
        services.decide_dispute(
            dispute, outcome="partially_upheld", amount_awarded_cents=2000, reasons=" ", actor=agent, now=now
        )
    with pytest.raises(DomainError, match="nothing to propose"):
        services.propose_decision(
            dispute, outcome="upheld", amount_awarded_cents=4500, reasons="ok", actor=agent, now=now
        )
    services.decide_dispute(
        dispute,
        outcome="partially_upheld",
        amount_awarded_cents=2000,
        reasons="Half the job was done.",
        actor=agent,
        now=now,
    )
    assert dispute.status == DisputeStatus.DECIDED and dispute.amount_awarded_cents == 2000
    note = db.session.scalar(sa.select(Notification).where(Notification.template == "dispute_decided"))
    assert (
        note.recipient == complaint.client.email and "20,00\xa0€" in note.body
    )  # the client reads French by default
    with pytest.raises(DomainError, match="already decided"):
        services.decide_dispute(
            dispute, outcome="rejected", amount_awarded_cents=0, reasons="x", actor=agent, now=now
        )


def test_above_the_threshold_a_manager_other_than_the_proposer_decides(complaint, agent, now):
    first, second = make_staff("manager"), make_staff("manager")
    dispute = make_dispute(complaint, amount_claimed_cents=80_000, actor=agent, now=now)
    with pytest.raises(DomainError, match="propose the decision first"):
        services.decide_dispute(
            dispute, outcome="upheld", amount_awarded_cents=80_000, reasons="ok", actor=first, now=now
        )
    services.propose_decision(
        dispute,
        outcome="upheld",
        amount_awarded_cents=80_000,
        reasons="Invoice provided.",
        actor=first,
        now=now,
    )
    assert dispute.status == DisputeStatus.AWAITING_DECISION
    with pytest.raises(DomainError, match="proposed the decision cannot decide it"):
        services.decide_dispute(
            dispute, outcome="upheld", amount_awarded_cents=80_000, reasons="ok", actor=first, now=now
        )
    with pytest.raises(DomainError, match="A manager must decide"):
        services.decide_dispute(
            dispute, outcome="upheld", amount_awarded_cents=80_000, reasons="ok", actor=agent, now=now
        )
    services.decide_dispute(
        dispute,
        outcome=Outcome.UPHELD,
        amount_awarded_cents=80_000,
        reasons="Invoice checked.",
        actor=second,
        now=now,
    )
    assert dispute.decided_by_id == second.id and dispute.proposed_by_id == first.id
    db.session.flush()


def test_a_manager_sends_a_proposal_back(complaint, agent, now):
    manager = make_staff("manager")
    dispute = make_dispute(complaint, amount_claimed_cents=80_000, actor=agent, now=now)
    services.propose_decision(
        dispute, outcome="rejected", amount_awarded_cents=0, reasons="No proof.", actor=agent, now=now
    )
    with pytest.raises(DomainError, match="support agent or manager"):
        services.send_back(dispute, note="Ask for photos", actor=agent, now=now)
    services.send_back(dispute, note="Ask for photos", actor=manager, now=now)
    assert dispute.status == DisputeStatus.OPEN and dispute.proposed_by_id is None


def test_a_concurrent_decision_is_refused_by_the_version(complaint, agent, now):
    dispute = make_dispute(complaint, kind="refund", amount_claimed_cents=4500, actor=agent, now=now)
    with pytest.raises(DomainError, match="changed by someone else"):
        services.decide_dispute(
            dispute,
            outcome="rejected",
            amount_awarded_cents=0,
            reasons="No.",
            actor=agent,
            now=now,
            expected_version=dispute.version + 1,
        )


def test_the_refund_records_the_payment_providers_id_never_a_card(complaint, agent, now):
    dispute = make_dispute(complaint, kind="refund", amount_claimed_cents=4500, actor=agent, now=now)
    with pytest.raises(DomainError, match="nothing to refund"):
        services.record_refund(dispute, transaction_id="re_3NxAbc123", actor=agent, now=now)
    services.decide_dispute(
        dispute, outcome="upheld", amount_awarded_cents=4500, reasons="Not done.", actor=agent, now=now
    )
    with pytest.raises(DomainError, match="card number"):
        services.record_refund(dispute, transaction_id="4970101234567893", actor=agent, now=now)
    services.record_refund(dispute, transaction_id="re_3NxAbc123", actor=agent, now=now)
    assert dispute.payment_transaction_id == "re_3NxAbc123"
    with pytest.raises(DomainError, match="already records"):
        services.record_refund(dispute, transaction_id="re_other123", actor=agent, now=now)


def test_the_provider_response_is_recorded_until_the_decision(complaint, agent, now):
    dispute = make_dispute(complaint, actor=agent, now=now)
    services.record_provider_response(
        dispute, text="Le vase était déjà fêlé.", actor=agent, now=now + timedelta(hours=1)
    )
    assert dispute.provider_responded_at == now + timedelta(hours=1)
    with pytest.raises(DomainError, match="Only a damage dispute"):
        services.record_insurer_claim(
            make_dispute(
                make_complaint(booking=make_booking(), actor=agent, now=now),
                kind="refund",
                amount_claimed_cents=100,
                actor=agent,
                now=now,
            ),
            reference="AXA/1",
            actor=agent,
            now=now,
        )
