"""Subject rights: requests and their deadline, the export, erasure under legal holds."""

from __future__ import annotations

import io
import json
from datetime import date
from pathlib import Path

import pypdf
import pytest
from flask import current_app
from rq import Queue, SimpleWorker

from console.access_log import services as access_log
from console.access_log.services import Subject
from console.audit import services as audit
from console.db import db
from console.domain import DomainError
from console.notifications.models import Notification
from marketplace import services as marketplace
from privacy import services, workflow
from privacy.workflow import RequestStatus
from reports.models import ReportRun
from reports.workflow import RunStatus
from restrictions import services as restrictions
from reviews import services as reviews
from tests import factories
from tests.factories import (
    make_applicant,
    make_booking,
    make_client,
    make_complaint,
    make_dispute,
    make_provider,
    make_staff,
    make_verified_policy,
)


def test_the_deadline_is_one_month_after_receipt():
    assert workflow.due_on(date(2026, 1, 31)) == date(2026, 2, 28)
    assert workflow.due_on(date(2026, 12, 15)) == date(2027, 1, 15)
    assert workflow.is_overdue(date(2026, 2, 1), RequestStatus.RECEIVED, date(2026, 2, 2))
    assert not workflow.is_overdue(date(2026, 2, 1), RequestStatus.DONE, date(2026, 3, 2))


def test_only_another_person_confirms_an_erasure():
    assert workflow.needs_second_person("provider", restricted=True)
    assert not workflow.needs_second_person("client", restricted=True)
    assert workflow.may_confirm(1, 2) and not workflow.may_confirm(1, 1)


def _client_with_history(now):
    client = make_client(full_name="Hortense Quimper", email="hortense@example.fr")
    booking = make_booking(client=client)
    complaint = make_complaint(booking=booking, now=now)
    review = reviews.record_review(booking=booking, rating=3, text="Correct.", actor="system:tests", now=now)
    db.session.add(
        Notification(
            recipient=client.email,
            template="review",
            subject="Merci",
            body="Bonjour Hortense",
            related_type="Client",
            related_id=str(client.id),
        )
    )
    staff = make_staff("manager")
    access_log.record_access(
        staff,
        [Subject("client", client.id)],
        record_type="Client",
        record_id=client.id,
        purpose="audit",
        page="clients.details_view",
        now=now,
    )
    db.session.flush()
    return client, booking, complaint, review, staff


def test_the_export_holds_everything_about_a_client(now):
    client, booking, complaint, review, staff = _client_with_history(now)
    data = services.export("client", client.id, now=now)
    assert data["subject"] == {"type": "client", "reference": client.reference}
    assert (
        data["record"]["full_name"] == "Hortense Quimper" and data["record"]["email"] == "hortense@example.fr"
    )
    assert [b["reference"] for b in data["bookings"]] == [booking.reference]
    assert [c["reference"] for c in data["complaints"]] == [complaint.reference]
    assert data["complaints"][0]["description"] == complaint.description
    assert [r["text"] for r in data["reviews"]] == ["Correct."]
    assert data["consents"]["consent_partner_sharing"] is False
    assert [n["body"] for n in data["notifications"]] == ["Bonjour Hortense"]
    assert [(e["staff"], e["purpose"]) for e in data["access_log"]] == [(staff.email, "audit")]
    json.dumps(data)  # plain values only


def test_the_cli_writes_the_json_and_the_pdf(app, now, tmp_path):
    client, *_ = _client_with_history(now)
    out, pdf = tmp_path / "export.json", tmp_path / "export.pdf"
    result = app.test_cli_runner().invoke(
        args=["privacy", "export", client.reference, "--out", str(out), "--pdf", str(pdf)]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text(encoding="utf-8"))["record"]["full_name"] == "Hortense Quimper"
    text = "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf.read_bytes())).pages)
    assert client.reference in text and "Hortense Quimper" in text and "Bonjour Hortense" in text
    assert "Qui a consulté ces données" in text  # in French


def test_the_cli_refuses_an_unknown_reference(app, tmp_path):
    result = app.test_cli_runner().invoke(
        args=["privacy", "export", "CLI-9999999", "--out", str(tmp_path / "x.json")]
    )
    assert result.exit_code == 2
    assert "There is no client or provider CLI-9999999" in result.output
    assert not (tmp_path / "x.json").exists()


def _erasure_request(kind_reference, staff, now):
    return services.open_request(
        kind="erasure",
        reference=kind_reference,
        requested_by="the person, by e-mail",
        identity_check="ID card seen",
        received_at=now,
        actor=staff,
        now=now,
    )


def test_erasure_explains_what_stays_and_why(now):
    client, booking, complaint, review, staff = _client_with_history(now)
    dispute = make_dispute(complaint, now=now)
    holds = services.erasure_holds("client", client.id, now=now)
    assert {(h.kind, h.reference) for h in holds} == {
        ("dispute", dispute.reference),
        ("complaint", complaint.reference),
        ("booking", "1"),
    }
    assert all(h.reason for h in holds)


def test_erasing_a_client_pseudonymises_and_keeps_the_held_items(now):
    client, booking, complaint, review, staff = _client_with_history(now)
    request = _erasure_request(client.reference, staff, now)
    assert request.due_on == date(2026, 12, 2)
    assert services.ask_erasure(request, actor=staff, now=now)
    assert client.full_name == marketplace.ERASED_NAME and "hortense" not in client.email
    assert review.text == services.ERASED_TEXT
    assert complaint.description != services.ERASED_TEXT  # an open complaint is held
    assert request.status == RequestStatus.DONE and complaint.reference in request.outcome
    assert audit.verify().ok
    with pytest.raises(DomainError, match="already closed"):
        services.ask_erasure(request, actor=staff, now=now)


def test_a_restricted_provider_needs_a_second_person(now):
    provider = make_provider()
    first, second = make_staff("manager"), make_staff("admin")
    restrictions.restrict_provider(provider, reason_code="other", statement="s", actor=first, now=now)
    request = _erasure_request(provider.reference, first, now)
    assert not services.ask_erasure(request, actor=first, now=now)
    assert request.status == RequestStatus.AWAITING_CONFIRMATION and provider.legal_name != "(purged)"
    with pytest.raises(DomainError, match="Another person"):
        services.confirm_erasure(request, actor=first, now=now)
    services.confirm_erasure(request, actor=second, now=now)
    assert provider.legal_name == "(purged)" and request.status == RequestStatus.DONE
    assert audit.verify().ok


def test_an_unknown_reference_is_refused(now):
    with pytest.raises(services.UnknownPerson):
        _erasure_request("CLI-7777777", make_staff("manager"), now)


def test_the_subject_access_pdf_comes_through_the_reports_queue(app, queue_redis, now):
    client, *_ = _client_with_history(now)
    run = factories.make_report_run(
        "subject_access", actor=make_staff("manager", language="fr"),
        parameters={"subject_reference": client.reference},
    )  # fmt: skip
    db.session.commit()
    SimpleWorker([Queue("reports", connection=queue_redis)], connection=queue_redis).work(burst=True)
    run = db.session.get(ReportRun, run.id)
    db.session.refresh(run)
    assert run.status == RunStatus.SUCCEEDED
    path = Path(current_app.config["FILES_DIR"]) / run.file.storage_name[:2] / run.file.storage_name
    text = "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(path.read_bytes())).pages)
    assert "Droit d'accès" in text and client.reference in text and "Hortense Quimper" in text


def test_the_export_of_a_provider_holds_vetting_insurance_and_restrictions(now):
    provider, case = make_applicant()
    policy = make_verified_policy(provider)
    data = services.export("provider", provider.id, now=now)
    assert data["record"]["legal_name"] == provider.legal_name and data["record"]["siret"] == provider.siret
    assert [c["reference"] for c in data["vetting_cases"]] == [case.reference]
    assert [p["id"] for p in data["insurance_policies"]] == [policy.id]
    assert data["restrictions"] == [] and data["consents"] == {}
