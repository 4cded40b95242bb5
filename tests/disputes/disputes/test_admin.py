"""Dispute screens through the Flask test client: bad amounts, four eyes, concurrent decisions,
evidence files, refund ids."""

from __future__ import annotations

import io

import sqlalchemy as sa

from console.audit.models import AuditEvent
from console.db import db, utcnow
from disputes.disputes import services as dispute_services
from disputes.disputes.models import Dispute
from disputes.disputes.workflow import DisputeStatus
from tests.conftest import csrf_token
from tests.factories import make_booking, make_complaint, make_dispute

CARD = "4970 1012 3456 7893"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _post(client, url, data, page):
    return client.post(url, data={"csrf_token": csrf_token(client, page), **data})


def _flashes(response) -> str:
    return response.get_data(as_text=True)


def test_open_a_dispute_with_a_negative_or_too_large_amount(client_as):
    client = client_as("support_agent")
    complaint = make_complaint(booking=make_booking(price_cents=4500))
    db.session.commit()
    page = f"/complaints/details/?id={complaint.id}"
    _post(
        client,
        f"/complaints/open-dispute/{complaint.id}",
        {"kind": "refund", "amount": "-10", "claim": "x"},
        page,
    )
    assert "cannot be negative" in client.get(page).get_data(as_text=True)
    _post(
        client,
        f"/complaints/open-dispute/{complaint.id}",
        {"kind": "refund", "amount": "45,01", "claim": "x"},
        page,
    )
    assert "cannot exceed the booking" in client.get(page).get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Dispute)) == 0
    response = _post(
        client,
        f"/complaints/open-dispute/{complaint.id}",
        {"kind": "refund", "amount": "45", "claim": "Not done"},
        page,
    )
    dispute = db.session.scalar(sa.select(Dispute))
    assert response.headers["Location"].endswith(f"/disputes/details/?id={dispute.id}")
    detail = client.get(f"/disputes/details/?id={dispute.id}").get_data(as_text=True)
    assert "€45.00" in detail and "2026-03" in detail  # the booking's price and terms beside the claim


def test_a_decision_without_reasons_and_the_four_eyes_rule_on_the_page(client_as):
    agent = client_as("support_agent")
    manager = client_as("manager")
    complaint = make_complaint(booking=make_booking())
    dispute = make_dispute(complaint, amount_claimed_cents=90_000)
    db.session.commit()
    page = f"/disputes/details/?id={dispute.id}"
    _post(
        agent,
        f"/disputes/decide/{dispute.id}",
        {"outcome": "upheld", "amount": "900", "reasons": "", "expected_version": 1},
        page,
    )
    assert "Written reasons: This field is required." in agent.get(page).get_data(as_text=True)
    _post(
        agent,
        f"/disputes/decide/{dispute.id}",
        {"outcome": "upheld", "amount": "900", "reasons": "ok", "expected_version": 1},
        page,
    )
    assert "propose the decision first" in agent.get(page).get_data(as_text=True)
    _post(
        manager,
        f"/disputes/propose/{dispute.id}",
        {"outcome": "upheld", "amount": "900", "reasons": "Invoice", "expected_version": 1},
        page,
    )
    db.session.expire_all()
    assert dispute.status == DisputeStatus.AWAITING_DECISION
    assert dispute.reference in manager.get("/disputes-to-decide/").get_data(as_text=True)
    _post(
        manager,
        f"/disputes/decide/{dispute.id}",
        {"outcome": "upheld", "amount": "900", "reasons": "Invoice", "expected_version": dispute.version},
        page,
    )
    assert "proposed the decision cannot decide it" in manager.get(page).get_data(as_text=True)
    db.session.expire_all()
    assert dispute.status == DisputeStatus.AWAITING_DECISION


def test_two_managers_decide_at_once_the_second_is_told(client_as):
    first, second = client_as("manager"), client_as("manager")
    complaint = make_complaint(booking=make_booking(price_cents=4500))
    dispute = make_dispute(complaint, kind="refund", amount_claimed_cents=4500)
    db.session.commit()
    page = f"/disputes/details/?id={dispute.id}"
    version = dispute.version
    data = {"outcome": "rejected", "amount": "0", "reasons": "No proof", "expected_version": version}
    _post(first, f"/disputes/decide/{dispute.id}", data, page)
    token = csrf_token(second, page)
    second.post(
        f"/disputes/decide/{dispute.id}",
        data={"csrf_token": token, **data, "outcome": "upheld", "amount": "45"},
    )
    assert "was already decided by" in second.get(page).get_data(as_text=True)
    db.session.expire_all()
    assert dispute.outcome.value == "rejected"


def test_evidence_upload_refuses_html_and_downloads_are_audited(client_as):
    client = client_as("support_agent")
    dispute = make_dispute(make_complaint(booking=make_booking()))
    db.session.commit()
    page = f"/disputes/details/?id={dispute.id}"
    token = csrf_token(client, page)
    client.post(
        f"/disputes/evidence/{dispute.id}",
        data={"csrf_token": token, "side": "client", "file": (io.BytesIO(b"<html></html>"), "x.pdf")},
        content_type="multipart/form-data",
    )
    assert "PDF, JPEG or PNG" in client.get(page).get_data(as_text=True)
    client.post(
        f"/disputes/evidence/{dispute.id}",
        data={
            "csrf_token": csrf_token(client, page),
            "side": "provider",
            "file": (io.BytesIO(PDF), "devis.pdf"),
        },
        content_type="multipart/form-data",
    )
    db.session.expire_all()
    evidence = dispute.evidence[0]
    response = client.get(f"/disputes/download/{evidence.id}")
    assert response.status_code == 200 and response.data == PDF
    assert response.headers["Content-Disposition"].startswith("attachment")
    response.close()  # the body is the open file
    assert (
        db.session.scalar(sa.select(AuditEvent.purpose).where(AuditEvent.action == "file.download"))
        == "dispute"
    )


def test_a_card_number_as_a_refund_id_is_refused(client_as):
    client = client_as("support_agent")
    dispute = make_dispute(
        make_complaint(booking=make_booking(price_cents=4500)), kind="refund", amount_claimed_cents=4500
    )
    dispute_services.decide_dispute(
        dispute, outcome="upheld", amount_awarded_cents=4500, reasons="ok", actor=client.staff, now=utcnow()
    )
    db.session.commit()
    page = f"/disputes/details/?id={dispute.id}"
    response = _post(
        client,
        f"/disputes/refund/{dispute.id}",
        {"text": "4970101234567893", "expected_version": dispute.version},
        page,
    )
    assert response.status_code == 302
    assert "not a transaction id" in client.get(page).get_data(as_text=True)
    db.session.expire_all()
    assert dispute.payment_transaction_id is None
