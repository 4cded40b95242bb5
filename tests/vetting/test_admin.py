"""Vetting screens through the test client: queues, the case page, bad input and concurrent decisions."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
import sqlalchemy as sa

from console.audit.models import AuditEvent
from console.db import db, utcnow
from console.files.models import StoredFile
from tests.conftest import count_queries, csrf_token
from tests.factories import make_applicant, make_staff, make_verified_policy
from tests.vetting.conftest import RUBRIC_MARKS, pass_all_checks
from vetting import checks, services
from vetting.models import VettingCase
from vetting.workflow import CaseStatus, CheckKind

PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


def _page(case) -> str:
    return f"/vetting_cases/details/?id={case.id}"


def _post(client, url, case, **fields):
    return client.post(
        url, data={"csrf_token": csrf_token(client, _page(case))} | fields, follow_redirects=True
    )


def _text(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def case_in_review(officer):
    provider, case = make_applicant()
    make_verified_policy(provider)
    for check in case.checks:
        checks.start_check(check, actor=officer, now=utcnow())
    db.session.commit()
    return case


def _check(case, kind):
    return case.check(CheckKind(kind))


def test_the_case_page_shows_the_three_checks_and_records_the_viewing(client_as, case_in_review):
    client = client_as("vetting_officer")
    response = client.get(_page(case_in_review))
    page = _text(response)
    assert response.status_code == 200
    for kind in ("background", "skills", "references"):
        assert f'data-testid="check-{kind}"' in page
    assert "Viewed, never stored" in page and "valid today" in page
    viewed = db.session.scalar(
        sa.select(AuditEvent).where(
            AuditEvent.action == "vetting.case_view", AuditEvent.object_id == str(case_in_review.id)
        )
    )
    assert viewed.actor_id == client.staff.id and viewed.purpose == "vetting_work"


def test_support_agents_cannot_open_cases_queues_or_documents(client_as, case_in_review, officer):
    document = checks.upload_document(
        case_in_review, kind="identity", upload=(io.BytesIO(PDF), "id.pdf"), actor=officer, now=utcnow()
    )
    db.session.commit()
    client = client_as("support_agent")
    for url in (
        _page(case_in_review),
        "/vetting_cases/",
        "/vetting_mine/",
        "/vetting_ready/",
        f"/vetting_cases/document/{document.id}?purpose=vetting",
    ):
        assert client.get(url).status_code == 403, url


@pytest.mark.parametrize(
    ("kind", "fields", "message"),
    [
        ("skills", {"score": "101"} | {k: "3" for k in RUBRIC_MARKS}, "0 to 100"),
        ("skills", {"score": "<script>", "punctuality": "3"}, "Nothing was saved"),
        ("skills", {"score": "80"} | {k: "9" for k in RUBRIC_MARKS}, "1 to 5"),
        (
            "background",
            {"b3_issue_date": "2999-01-01", "b3_outcome": "compatible"},
            "cannot be in the future",
        ),
        ("background", {"b3_issue_date": "2020-01-01", "b3_outcome": "compatible"}, "more than 3 months old"),
        ("background", {"b3_issue_date": "not a date", "b3_outcome": "compatible"}, "Nothing was saved"),
        (
            "background",
            {"document_type": "passport", "document_expiry": "2030-01-01", "last4": "123456789"},
            "never the whole number",
        ),
        (
            "background",
            {"document_type": "b3", "document_expiry": "2030-01-01", "last4": "1234"},
            "Nothing was saved",
        ),
        (
            "background",
            {"siret_active": "1", "b3_outcome": "compatible"},
            "Enter the extract&#39;s issue date.",
        ),
    ],
)
def test_bad_evidence_is_refused_with_a_message_and_changes_nothing(
    client_as, case_in_review, kind, fields, message
):
    """A bad part anywhere in a check's form saves none of it (the SIRET part of the last case is fine)."""
    check = _check(case_in_review, kind)
    version = check.version
    client = client_as("vetting_officer")
    fields = {"expected_version": str(version), "outcome": "pass"} | fields
    response = _post(client, f"/vetting_cases/check/{check.id}/submit", case_in_review, **fields)
    assert response.status_code == 200 and message in _text(response), _text(response)[-3000:]
    db.session.expire_all()
    assert db.session.get(type(check), check.id).version == version


def test_html_in_every_text_field_is_shown_as_text(client_as, case_in_review):
    client = client_as("vetting_officer")
    payload = '<img src=x onerror="alert(1)">'
    _post(
        client,
        f"/vetting_cases/reference/{case_in_review.id}",
        case_in_review,
        name=payload,
        relationship=payload,
        phone="0612345678",
    )
    page = _text(client.get(_page(case_in_review)))
    assert payload not in page and "&lt;img src=x" in page


def test_an_upload_that_lies_about_its_type_is_refused_and_nothing_is_stored(client_as, case_in_review):
    files_before = db.session.scalar(sa.select(sa.func.count()).select_from(StoredFile))
    client = client_as("vetting_officer")
    response = _post(
        client,
        f"/vetting_cases/upload/{case_in_review.id}",
        case_in_review,
        kind="identity",
        file=(io.BytesIO(b"<html><script>alert(1)</script>"), "carte.pdf"),
    )
    assert "Only PDF, JPEG or PNG" in _text(response)
    response = _post(
        client,
        f"/vetting_cases/upload/{case_in_review.id}",
        case_in_review,
        kind="identity",
        file=(io.BytesIO(b""), "x.pdf"),
    )
    assert "Nothing was saved" in _text(response) or "empty" in _text(response)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(StoredFile)) == files_before


def test_a_document_is_downloaded_only_with_a_purpose_and_the_access_is_audited(
    client_as, case_in_review, officer
):
    document = checks.upload_document(
        case_in_review,
        kind="certification",
        upload=(io.BytesIO(PDF), "cap-proprete.pdf"),
        actor=officer,
        now=utcnow(),
    )
    db.session.commit()
    client = client_as("vetting_officer")
    refused = client.get(f"/vetting_cases/document/{document.id}", follow_redirects=True)
    assert "Choose why you open this document" in _text(refused)
    response = client.get(f"/vetting_cases/document/{document.id}?purpose=vetting")
    assert response.status_code == 200 and response.data == PDF
    response.close()  # the body is the open file
    assert response.headers["Content-Disposition"].startswith("attachment")
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "file.download"))
    assert event.purpose == "vetting" and event.actor_id == client.staff.id
    assert client.get("/vetting_cases/document/999999?purpose=vetting").status_code == 404


def test_the_same_attempt_posted_twice_is_logged_once(client_as, case_in_review, officer):
    reference = checks.add_reference(
        case_in_review,
        fields={"name": "Mme Roux", "relationship": "cliente", "phone": "0611223344"},
        actor=officer,
        now=utcnow(),
    )
    db.session.commit()
    client = client_as("vetting_officer")
    url = f"/vetting_cases/attempt/{reference.id}"
    first = _post(client, url, case_in_review, number="1", outcome="no_answer")
    second = _post(client, url, case_in_review, number="1", outcome="no_answer")
    assert "Contact attempt logged" in _text(first) and "Attempt 1 was already logged" in _text(second)
    db.session.refresh(reference)
    assert reference.failed_attempts == 1


def test_bulk_assignment_to_a_chosen_officer(client_as, officer):
    cases = [make_applicant()[1] for _ in range(3)]
    db.session.commit()
    client = client_as("manager")
    response = client.post(
        "/vetting_unassigned/action/",
        data={
            "csrf_token": csrf_token(client, "/vetting_unassigned/"),
            "action": "assign",
            "rowid": [str(c.id) for c in cases[:2]],
            "assignee": str(officer.id),
        },
        follow_redirects=True,
    )
    assert "Assigned to Olivia Officer: 2 of 2" in _text(response)
    db.session.expire_all()
    assert all(
        c.assignee_id == officer.id for case in cases[:2] for c in db.session.get(VettingCase, case.id).checks
    )
    assert all(c.assignee_id is None for c in db.session.get(VettingCase, cases[2].id).checks)
    mine = client_as("vetting_officer")
    assert mine.get("/vetting_mine/").status_code == 200


def test_assigning_to_someone_who_is_not_an_officer_is_refused(client_as, case_in_review):
    support = make_staff("support_agent")
    db.session.commit()
    client = client_as("manager")
    response = client.post(
        "/vetting_cases/action/",
        data={
            "csrf_token": csrf_token(client, "/vetting_cases/"),
            "action": "assign",
            "rowid": [str(case_in_review.id)],
            "assignee": str(support.id),
        },
        follow_redirects=True,
    )
    assert "assigned to an active vetting officer" in _text(response)


def test_approve_is_disabled_with_the_reason_for_the_officer_who_did_the_checks(client_as, applicant):
    provider, case = applicant
    client = client_as("vetting_officer")
    pass_all_checks(case, client.staff)
    db.session.commit()
    page = _text(client.get(_page(case)))
    assert 'data-testid="approve-blockers"' in page and "four eyes" in page
    response = _post(client, f"/vetting_cases/approve/{case.id}", case, expected_version=str(case.version))
    assert "cannot be approved" in _text(response)
    assert db.session.get(VettingCase, case.id).status == CaseStatus.READY


def test_two_officers_approving_the_same_case_one_wins_the_other_is_told(client_as, ready_case):
    first, second = client_as("vetting_officer"), client_as("vetting_officer")
    version = str(ready_case.version)
    token_first, token_second = csrf_token(first, _page(ready_case)), csrf_token(second, _page(ready_case))
    url = f"/vetting_cases/approve/{ready_case.id}"
    won = first.post(
        url, data={"csrf_token": token_first, "expected_version": version}, follow_redirects=True
    )
    lost = second.post(
        url, data={"csrf_token": token_second, "expected_version": version}, follow_redirects=True
    )
    assert "Approved:" in _text(won)
    assert "changed by someone else" in _text(lost) and lost.status_code == 200
    db.session.expire_all()
    assert db.session.get(VettingCase, ready_case.id).decided_by_id == first.staff.id


def test_a_missing_csrf_token_is_refused(client_as, case_in_review):
    client = client_as("vetting_officer")
    check = _check(case_in_review, "skills")
    response = client.post(
        f"/vetting_cases/check/{check.id}/submit",
        data={"score": "80", "outcome": "fail"},
        follow_redirects=True,
    )
    assert "expired" in _text(response)
    assert db.session.get(type(check), check.id).score is None


def test_unknown_and_malformed_ids_are_not_found(client_as):
    client = client_as("vetting_officer")
    assert client.get("/vetting_cases/details/?id=99999999").status_code in (302, 404)
    assert client.get("/vetting_cases/details/?id=1%27%20OR%201=1").status_code in (302, 404)
    assert client.post("/vetting_cases/check/99999999999/submit").status_code in (400, 404)
    assert client.post("/vetting_cases/approve/2147483648").status_code in (400, 404)


def test_the_provider_page_links_the_case_for_officers_only(client_as, case_in_review):
    officer_page = _text(
        client_as("vetting_officer").get(f"/providers/details/?id={case_in_review.provider_id}")
    )
    support_page = _text(
        client_as("support_agent").get(f"/providers/details/?id={case_in_review.provider_id}")
    )
    assert case_in_review.reference in officer_page and 'data-testid="vetting-panel"' in officer_page
    assert 'data-testid="vetting-panel"' not in support_page
    assert "Check passed" not in support_page and "vetting.case" not in support_page


def test_an_officer_opens_a_new_case_for_a_provider_without_one(client_as, applicant, officer):
    provider, case = applicant
    checks.start_check(case.check(CheckKind.SKILLS), actor=officer, now=utcnow())
    services.reject_case(
        case, reason="skills_insufficient", statement="Score 40.", actor=officer, now=utcnow()
    )
    db.session.commit()
    client = client_as("vetting_officer")
    token = csrf_token(client, f"/providers/details/?id={provider.id}")
    response = client.post(
        f"/vetting_cases/open/{provider.id}", data={"csrf_token": token}, follow_redirects=True
    )
    assert "vetting case is open" in _text(response)
    assert services.active_case(provider.id).round.value == "initial"
    again = client.post(
        f"/vetting_cases/open/{provider.id}", data={"csrf_token": token}, follow_redirects=True
    )
    assert "already has an active vetting case" in _text(again)


@pytest.mark.parametrize(
    "url", ["/vetting_cases/", "/vetting_unassigned/", "/vetting_overdue/", "/vetting_ready/"]
)
def test_queue_pages_run_a_fixed_number_of_queries(client_as, url):
    client = client_as("vetting_officer")
    make_applicant()
    db.session.commit()
    client.get(url)
    with count_queries() as few:
        assert client.get(url).status_code == 200
    for _ in range(10):
        make_applicant()
    db.session.commit()
    with count_queries() as many:
        assert client.get(url).status_code == 200
    assert len(many) == len(few), (len(few), len(many))


def test_the_overdue_queue_lists_cases_past_their_deadline(client_as, officer):
    provider, case = make_applicant()
    case.due_at = utcnow() - timedelta(hours=1)
    db.session.commit()
    page = _text(client_as("vetting_officer").get("/vetting_overdue/"))
    assert case.reference in page and 'data-testid="overdue"' in page


def test_the_awaiting_queue_flags_cases_that_may_be_withdrawn(client_as, officer, now):
    from vetting import sweep

    provider, case = make_applicant()
    services.await_provider(case, request="Le Kbis", actor=officer, now=now - timedelta(days=31))
    sweep.propose_withdrawals(now=now)
    db.session.commit()
    page = _text(client_as("vetting_officer").get("/vetting_awaiting/"))
    assert case.reference in page and "may be withdrawn" in page


def test_an_application_withdrawn_on_request_from_the_case_page(client_as, case_in_review):
    client = client_as("vetting_officer")
    page = _text(client.get(_page(case_in_review)))
    assert 'data-testid="withdraw-form"' in page
    response = _post(
        client,
        f"/vetting_cases/withdraw/{case_in_review.id}",
        case_in_review,
        text="The applicant asked us to stop by phone.",
        expected_version=str(case_in_review.version),
    )
    assert "is withdrawn" in _text(response)
    db.session.expire_all()
    assert db.session.get(VettingCase, case_in_review.id).status == CaseStatus.WITHDRAWN


def test_the_case_page_offers_only_the_steps_the_workflow_allows(client_as, officer):
    """Open: no check work started, no rejection yet; in review: reject and withdraw; awaiting:
    the provider's answer, no check forms, no decision card; decided: nothing but the record."""
    provider, case = make_applicant()
    make_verified_policy(provider)
    db.session.commit()
    client = client_as("vetting_officer")

    page = _text(client.get(_page(case)))
    assert 'data-testid="form-background"' in page and 'data-testid="decision"' in page
    assert 'data-testid="reject-form"' not in page  # an open case cannot be rejected yet
    assert 'data-testid="await-form"' in page and 'data-testid="withdraw-form"' in page
    assert 'data-testid="case-due"' in page and 'data-testid="upload-form"' in page

    checks.start_check(case.check(CheckKind.BACKGROUND), actor=officer, now=utcnow())
    db.session.commit()
    page = _text(client.get(_page(case)))
    assert 'data-testid="reject-form"' in page and 'data-testid="withdraw-form"' in page
    assert 'data-testid="form-background"' in page and 'data-testid="form-skills"' in page

    services.await_provider(case, request="A recent extract, please.", actor=officer, now=utcnow())
    db.session.commit()
    page = _text(client.get(_page(case)))
    assert 'data-testid="provider-answered"' in page
    assert 'data-testid="decision"' not in page and 'data-testid="case-due"' not in page
    assert 'data-testid="form-background"' not in page and 'data-testid="form-skills"' not in page
    assert 'data-testid="upload-form"' in page

    services.reject_case(
        case, reason="other", statement="Documents never received.", actor=officer, now=utcnow()
    )
    db.session.commit()
    page = _text(client.get(_page(case)))
    assert 'data-testid="decision-note"' in page and "Documents never received." in page
    for gone in ("decision", "upload-form", "provider-answered", "reference-form", "assign-skills"):
        assert f'data-testid="{gone}"' not in page


def test_failing_the_background_check_on_the_criminal_record_takes_a_reason_and_no_notes(
    client_as, case_in_review
):
    check = _check(case_in_review, "background")
    client = client_as("vetting_officer")
    page = _text(client.get(_page(case_in_review)))
    assert 'data-testid="failure-reason-select"' in page and "criminal-record extract incompatible" in page
    url = f"/vetting_cases/check/{check.id}/submit"
    written = {
        "expected_version": str(check.version),
        "b3_outcome": "incompatible",
        "b3_issue_date": (utcnow() - timedelta(days=3)).date().isoformat(),
        "outcome": "fail",
        "failure_reason": "criminal_record",
        "notes": "Condamnation pour vol en 2019",
    }
    response = _post(client, url, case_in_review, **written)
    assert "No notes when the check fails on the criminal record" in _text(response)
    db.session.expire_all()
    refused = _check(case_in_review, "background")
    assert refused.status.value == "in_progress" and not refused.b3_viewed  # nothing of it was kept
    response = _post(client, url, case_in_review, **(written | {"notes": ""}))
    page = _text(response)
    assert "The background check is failed." in page and "Condamnation" not in page
    assert 'data-testid="failure-reason-background"' in page
    db.session.expire_all()
    failed = _check(case_in_review, "background")
    assert (failed.status.value, failed.failure_reason.value, failed.notes) == (
        "failed",
        "criminal_record",
        None,
    )
