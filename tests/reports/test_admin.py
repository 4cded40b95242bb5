"""The reports page: who may request, see, download and retry which report; bad input; live status."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from rq import Queue

from console.audit.models import AuditEvent
from console.business_time import paris_today
from console.db import db, utcnow
from reports.models import ReportRun
from reports.workflow import RunStatus
from tests import factories
from tests.conftest import InProcessWorker, csrf_token, signed_in_client


def post_request(client, **data):
    token = csrf_token(client, "/reports/")
    return client.post("/reports/request", data={"csrf_token": token, **data}, follow_redirects=True)


def runs() -> list[ReportRun]:
    return list(db.session.scalars(sa.select(ReportRun).order_by(ReportRun.id)))


def work(queue_redis):
    InProcessWorker([Queue("reports", connection=queue_redis)], connection=queue_redis).work(burst=True)


def test_the_form_offers_each_role_its_reports(client_as):
    kinds = {
        "manager": 6,  # the subject access report too
        "vetting_officer": 2,
        "support_agent": 1,
    }
    for role, count in kinds.items():
        page = client_as(role).get("/reports/").get_data(as_text=True)
        assert page.count("<option ") == count, role
    assert client_as("admin").get("/reports/").status_code == 403


def test_a_manager_requests_a_register_and_downloads_it(client_as, queue_redis, world):
    manager = client_as("manager")
    page = post_request(manager, kind="provider_register")
    assert page.status_code == 200 and "Requested: Provider compliance register" in page.get_data(
        as_text=True
    )
    (run,) = runs()
    assert run.status == RunStatus.QUEUED and run.requested_by_id == manager.staff.id
    work(queue_redis)
    status = manager.get(f"/reports/status?ids={run.id},abc,99999").get_json()
    assert list(status) == [str(run.id)] and status[str(run.id)]["status"] == "succeeded"
    download = manager.get(status[str(run.id)]["download"])
    assert download.status_code == 200 and download.mimetype == "application/pdf"
    assert download.data.startswith(b"%PDF-") and "attachment" in download.headers["Content-Disposition"]
    assert download.headers["Cache-Control"] == "no-store"
    event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "file.download")).one()
    assert event.actor == manager.staff.email and event.purpose == f"report {run.reference}"


def test_another_roles_run_is_a_403_and_a_missing_one_a_404(client_as, queue_redis):
    complaints = factories.make_report_run_row("succeeded", kind="complaints", **_finished())
    failed = factories.make_report_run_row("failed", kind="policy_compliance")
    db.session.commit()
    officer = client_as("vetting_officer")
    assert officer.get(f"/reports/download/{complaints.id}").status_code == 403
    token = csrf_token(officer, "/reports/")
    assert officer.post(f"/reports/retry/{failed.id}", data={"csrf_token": token}).status_code == 403
    assert officer.get(f"/reports/status?ids={complaints.id}").get_json() == {}
    assert complaints.reference not in officer.get("/reports/").get_data(as_text=True)
    assert officer.get("/reports/download/99999").status_code == 404
    assert officer.get("/reports/download/99999999999999").status_code == 404  # beyond a database integer
    support = client_as("support_agent")
    assert support.get(f"/reports/download/{complaints.id}").status_code != 403


def _finished() -> dict:
    from console.files.services import store_generated

    stored = store_generated(
        b"%PDF-1.4 fake", "x.pdf", content_type="application/pdf", extension=".pdf", actor="system:tests",
        now=utcnow(),
    )  # fmt: skip
    return {
        "file_id": stored.id, "sha256": stored.sha256, "page_count": 1, "byte_size": stored.size,
        "finished_at": utcnow(), "progress": 100,
    }  # fmt: skip


def test_a_tampered_pdf_is_refused_and_the_mismatch_audited(client_as, queue_redis, app):
    run = factories.make_report_run_row("succeeded", **_finished())
    db.session.commit()
    path = Path(app.config["FILES_DIR"]) / run.file.storage_name[:2] / run.file.storage_name
    path.write_bytes(b"%PDF-1.4 altered")
    manager = client_as("manager")
    response = manager.get(f"/reports/download/{run.id}", follow_redirects=True)
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert "does not match the fingerprint" in response.get_data(as_text=True)
    event = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "file.integrity_mismatch")
    ).one()
    assert event.changes["expected"] == run.sha256 and event.actor == manager.staff.email
    assert not db.session.scalar(sa.select(sa.func.count()).where(AuditEvent.action == "file.download"))


def test_an_unfinished_run_has_nothing_to_download(client_as, queue_redis):
    run = factories.make_report_run_row("running")
    db.session.commit()
    response = client_as("manager").get(f"/reports/download/{run.id}", follow_redirects=True)
    assert "has no file" in response.get_data(as_text=True)


def test_retry_from_the_page(client_as, queue_redis):
    manager = client_as("manager")
    failed = factories.make_report_run_row("failed", requester=manager.staff)
    db.session.commit()
    page = manager.get("/reports/").get_data(as_text=True)
    assert "The database stopped answering." in page and f'data-testid="retry-{failed.id}"' in page
    token = csrf_token(manager, "/reports/")
    response = manager.post(f"/reports/retry/{failed.id}", data={"csrf_token": token}, follow_redirects=True)
    assert "being tried again as a new attempt" in response.get_data(as_text=True)
    retried = db.session.scalars(sa.select(ReportRun).where(ReportRun.retry_of_id == failed.id)).one()
    assert retried.attempt == 2 and retried.status == RunStatus.QUEUED
    page = manager.get("/reports/").get_data(as_text=True)  # the retried run offers no Retry
    assert 'class="run-retry d-none"' in page.split(f'data-testid="run-{failed.id}"')[1].split("</tr>")[0]
    assert f'data-testid="retried-{failed.id}"' in page
    status = manager.get(f"/reports/status?ids={failed.id}").get_json()
    assert status[str(failed.id)]["retried"] is True
    again = manager.post(f"/reports/retry/{failed.id}", data={"csrf_token": token}, follow_redirects=True)
    assert "already retried" in again.get_data(as_text=True)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"kind": "policy_compliance", "starts_on": "2026-10-31", "ends_on": "2026-10-01"},
            "ends before it starts",
        ),
        ({"kind": "policy_compliance", "starts_on": "2026-10-01", "ends_on": "2999-10-31"}, "in the future"),
        ({"kind": "policy_compliance"}, "first and the last day"),
        (
            {"kind": "policy_compliance", "starts_on": "yesterday", "ends_on": "x"},
            "Period from: Not a valid date value.",
        ),
        ({"kind": "provider_dossier", "provider_reference": "PRV-999999"}, "no provider"),
        ({"kind": "provider_dossier", "provider_reference": "<script>"}, "such as PRV-000123"),
        ({"kind": "insurance_expiry", "days": "-3"}, "not valid"),
        ({"kind": "nonsense"}, "not valid"),
    ],
)
def test_bad_input_gets_a_clear_message_and_creates_nothing(client_as, queue_redis, data, message):
    response = post_request(client_as("manager"), **data)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert runs() == []


def test_a_role_cannot_request_another_roles_report(client_as, queue_redis):
    response = post_request(client_as("support_agent"), kind="provider_register")
    assert "not valid" in response.get_data(as_text=True) and runs() == []


def test_redis_down_refuses_the_request_clearly(app_without_redis):
    manager = signed_in_client(app_without_redis, "manager")
    page = manager.get("/reports/").get_data(as_text=True)
    assert "does not answer right now" in page
    token = csrf_token(manager, "/reports/")
    response = manager.post(
        "/reports/request", data={"csrf_token": token, "kind": "provider_register"}, follow_redirects=True
    )
    assert response.status_code == 200
    assert "The job queue is unavailable right now; nothing was started" in response.get_data(as_text=True)
    with app_without_redis.app_context():
        assert runs() == []


def test_a_vetting_officer_requests_a_dossier_by_reference(client_as, queue_redis):
    provider = factories.make_provider()
    db.session.commit()
    post_request(client_as("vetting_officer"), kind="provider_dossier", provider_reference=provider.reference)
    (run,) = runs()
    assert run.parameters == {"provider_id": provider.id}
    assert run.parameters_label == f"provider {provider.reference}"


def test_an_empty_days_field_means_the_default_window(client_as, queue_redis):
    post_request(client_as("manager"), kind="insurance_expiry", days="")
    (run,) = runs()
    assert run.parameters == {"days": 30} and run.parameters_label == "next 30 days"


def test_a_support_agent_requests_the_complaints_report(client_as, queue_redis):
    today = paris_today(utcnow())
    start = (today - timedelta(days=30)).isoformat()
    post_request(client_as("support_agent"), kind="complaints", starts_on=start, ends_on=today.isoformat())
    (run,) = runs()
    assert run.kind.value == "complaints"
    page = client_as("support_agent").get("/reports/").get_data(as_text=True)
    assert f"{today - timedelta(days=30):%d/%m/%Y} – {today:%d/%m/%Y}" in page


def test_the_home_page_shows_runs_in_progress_and_failed_ones(client_as, queue_redis):
    manager = client_as("manager")
    factories.make_report_run_row("running")
    failed = factories.make_report_run_row("failed")
    retried = factories.make_report_run_row("failed")
    factories.make_report_run_row("queued", retry_of_id=retried.id, attempt=2)
    factories.make_report_run_row("failed", kind="complaints")
    db.session.commit()
    assert failed.id
    home = manager.get("/").get_data(as_text=True)
    assert "Compliance reports" in home and "2 in progress, 2 failed" in home
    officer_home = client_as("vetting_officer").get("/").get_data(as_text=True)
    assert "2 in progress, 1 failed" in officer_home  # the complaints run is not theirs
