"""Report use cases against a real database and a real Redis."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from rq import Queue
from rq.job import Job

from console.audit.models import AuditEvent
from console.business_time import paris_today
from console.db import db, utcnow
from console.domain import QueueUnavailable
from console.files.models import StoredFile
from reports import services
from reports import workflow as wf
from reports.models import ReportRun
from reports.workflow import ReportKind, RunStatus
from tests import factories
from tests.conftest import InProcessWorker


def runs() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(ReportRun))


def request(kind="provider_register", parameters=None, actor=None):
    return services.request_report(
        ReportKind(kind),
        parameters=parameters or {},
        actor=actor or factories.make_staff("manager"),
        now=utcnow(),
    )


def test_a_request_creates_a_queued_run_and_enqueues_its_job_after_commit(queue_redis):
    manager = factories.make_staff("manager")
    run = request(actor=manager)
    queue = Queue("reports", connection=queue_redis)
    assert run.status == RunStatus.QUEUED and run.progress == 0 and run.attempt == 1
    assert run.requested_by_id == manager.id and run.requested_by == manager.email
    assert queue.count == 0  # not before the commit: a worker must never read an uncommitted run
    db.session.commit()
    assert queue.job_ids == [run.job_id]
    assert Job.fetch(run.job_id, connection=queue_redis).args == (run.id,)
    event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "report.request")).one()
    assert event.object_id == str(run.id) and event.changes["kind"] == "provider_register"


def test_redis_down_refuses_the_request_and_creates_nothing(app_without_redis):
    with app_without_redis.app_context():
        manager = factories.make_staff("manager")
        before = runs()
        with pytest.raises(QueueUnavailable, match="nothing was started"):
            request(actor=manager)
        assert runs() == before
        db.session.rollback()


@pytest.mark.parametrize(
    ("kind", "parameters", "message"),
    [
        ("policy_compliance", {"starts_on": "2026-10-31", "ends_on": "2026-10-01"}, "ends before it starts"),
        ("policy_compliance", {"starts_on": "2026-10-01", "ends_on": "2999-01-31"}, "in the future"),
        ("complaints", {"starts_on": "2024-01-01", "ends_on": "2025-12-31"}, "at most 366 days"),
        ("complaints", {"starts_on": "", "ends_on": "2025-12-31"}, "first and the last day"),
        ("complaints", {"starts_on": "31/12/2025", "ends_on": "2025-12-31"}, "YYYY-MM-DD"),
        ("provider_dossier", {"provider_id": 2_000_000_000}, "no provider"),
        ("provider_dossier", {"provider_id": "1"}, "no provider"),
        ("insurance_expiry", {"days": 0}, "between 1 and 30"),
        ("insurance_expiry", {"days": 400}, "between 1 and 30"),
    ],
)
def test_bad_parameters_are_refused_with_a_clear_message(queue_redis, kind, parameters, message):
    before = runs()
    with pytest.raises(wf.InvalidParameters, match=message):
        request(kind, parameters)
    assert runs() == before


def test_today_is_the_latest_end_of_a_period(queue_redis):
    today = paris_today(utcnow())
    run = request("policy_compliance", {"starts_on": today.replace(day=1), "ends_on": today})
    assert run.parameters == {"starts_on": today.replace(day=1).isoformat(), "ends_on": today.isoformat()}


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        ("vetting_officer", {"provider_register", "provider_dossier"}),
        ("support_agent", {"complaints"}),
        ("admin", set()),
        ("manager", set(ReportKind)),
    ],
)
def test_each_role_may_request_its_reports_only(queue_redis, role, allowed):
    person = factories.make_staff(role)
    provider = factories.make_provider()
    today = paris_today(utcnow())
    parameters = {
        "provider_dossier": {"provider_id": provider.id},
        "policy_compliance": {"starts_on": today, "ends_on": today},
        "complaints": {"starts_on": today, "ends_on": today},
        "subject_access": {"subject_reference": provider.reference},
    }
    for kind in ReportKind:
        if kind.value in allowed:
            assert request(kind.value, parameters.get(kind.value), actor=person).kind == kind
        else:
            with pytest.raises(services.NotAllowed):
                request(kind.value, parameters.get(kind.value), actor=person)


def failed_run(actor=None):
    run = request(actor=actor)
    services.start_run(run.id, now=utcnow())
    services.fail_run(run.id, error="The database stopped answering.", now=utcnow())
    return run


def test_retry_creates_a_new_attempt_and_keeps_the_failed_one(queue_redis):
    manager = factories.make_staff("manager")
    first = failed_run(manager)
    second = services.retry_run(first, actor=manager, now=utcnow())
    db.session.commit()
    assert first.status == RunStatus.FAILED and first.error  # kept as it was
    assert second.status == RunStatus.QUEUED and second.attempt == 2 and second.retry_of_id == first.id
    assert (
        second.job_id != first.job_id and second.kind == first.kind and second.parameters == first.parameters
    )
    assert Queue("reports", connection=queue_redis).job_ids[-1] == second.job_id
    with pytest.raises(wf.TransitionNotAllowed, match="already retried"):
        services.retry_run(first, actor=manager, now=utcnow())
    with pytest.raises(wf.TransitionNotAllowed, match="Only a failed"):
        services.retry_run(second, actor=manager, now=utcnow())


def test_a_retry_needs_the_queue_too(queue_redis, app_without_redis):
    with app_without_redis.app_context():
        run = factories.make_report_run_row("failed")
        with pytest.raises(QueueUnavailable):
            services.retry_run(run, actor=factories.make_staff("manager"), now=utcnow())
        assert db.session.scalar(sa.select(sa.func.count()).where(ReportRun.retry_of_id == run.id)) == 0
        db.session.rollback()


def test_starting_twice_does_nothing_the_second_time(queue_redis):
    run = request()
    assert services.start_run(run.id, now=utcnow()) is run
    assert services.start_run(run.id, now=utcnow()) is None
    assert services.start_run(2_000_000_000, now=utcnow()) is None


def test_a_failure_is_recorded_once(queue_redis):
    run = request()
    services.start_run(run.id, now=utcnow())
    assert services.fail_run(run.id, error="boom", now=utcnow())
    assert not services.fail_run(run.id, error="again", now=utcnow())
    assert run.status == RunStatus.FAILED and run.error == "boom" and run.finished_at


def test_disk_full_on_save_fails_the_run_and_keeps_nothing(world, queue_redis, app, tmp_path):
    """FILES_DIR is a file, so the directory for the PDF cannot be made: a real OSError on save."""
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("x")
    run = request("provider_dossier", {"provider_id": world.insured.id})
    services.start_run(run.id, now=utcnow())
    db.session.commit()  # as the job does before building
    files_before = db.session.scalar(sa.select(sa.func.count()).select_from(StoredFile))
    original = app.config["FILES_DIR"]
    app.config["FILES_DIR"] = str(blocker)
    try:
        with pytest.raises(OSError) as caught:
            services.build_run(run, clock=utcnow, progress=lambda p: None)
    finally:
        app.config["FILES_DIR"] = original
    message = wf.describe_failure(caught.value)
    assert message.startswith("The report could not be saved to storage (Not a directory).")
    assert str(tmp_path) not in message  # no internal path on the screen
    db.session.rollback()
    assert services.fail_run(run.id, error=message, now=utcnow())
    assert db.session.get(ReportRun, run.id).status == RunStatus.FAILED
    assert db.session.scalar(sa.select(sa.func.count()).select_from(StoredFile)) == files_before
    assert list(tmp_path.iterdir()) == [blocker]


# --- abandoned runs ------------------------------------------------------------------------------


def test_a_run_whose_job_failed_outside_our_code_is_marked_failed(queue_redis):
    run = request()
    db.session.commit()
    services.start_run(run.id, now=utcnow())
    job = Job.fetch(run.job_id, connection=queue_redis)
    job.set_status("failed")  # what RQ records when the work horse is killed
    assert services.mark_abandoned_runs(now=utcnow()) == 1
    assert run.status == RunStatus.FAILED and run.error.startswith("Abandoned: the worker")
    assert services.mark_abandoned_runs(now=utcnow()) == 0  # safe to run twice


def test_a_run_whose_job_crashed_before_recording_its_error_is_marked_failed(queue_redis):
    from console.jobs import enqueue
    from tests.test_jobs import explode

    run = factories.make_report_run_row("running", started_at=utcnow(), heartbeat_at=utcnow(), language="en")
    db.session.commit()
    enqueue(explode, job_id=run.job_id)  # fails in the worker, as a job whose database is gone does
    InProcessWorker([Queue("default", connection=queue_redis)], connection=queue_redis).work(burst=True)
    assert services.mark_abandoned_runs(now=utcnow()) == 1
    assert run.status == RunStatus.FAILED and run.error.startswith("Failed: the job stopped with an error")


def test_a_run_whose_job_is_not_in_redis_is_failed_after_a_grace_period(queue_redis):
    run = request()
    db.session.commit()
    queue_redis.flushdb()  # Redis restarted without its data
    assert services.mark_abandoned_runs(now=utcnow()) == 0  # just requested: give it a moment
    assert services.mark_abandoned_runs(now=utcnow() + wf.LOST_AFTER + timedelta(seconds=1)) == 1
    assert run.status == RunStatus.FAILED and "no longer in the queue" in run.error


def test_a_healthy_queued_or_running_run_is_left_alone(queue_redis):
    queued, running = request(), request()
    db.session.commit()
    services.start_run(running.id, now=utcnow())
    assert services.mark_abandoned_runs(now=utcnow() + timedelta(minutes=1)) == 0
    assert queued.status == RunStatus.QUEUED and running.status == RunStatus.RUNNING


def test_without_redis_a_silent_running_run_is_failed_by_its_heartbeat(queue_redis, app_without_redis):
    with app_without_redis.app_context():
        run = factories.make_report_run_row(
            "running", progress=40, started_at=utcnow(), heartbeat_at=utcnow()
        )
        assert services.mark_abandoned_runs(now=utcnow() + timedelta(minutes=5)) == 0
        later = utcnow() + wf.ABANDONED_AFTER + timedelta(seconds=services.JOB_TIMEOUT + 1)
        assert services.mark_abandoned_runs(now=later) == 1
        assert run.status == RunStatus.FAILED
        db.session.rollback()


def test_the_monthly_report_is_requested_once_per_month(queue_redis, now):
    first = services.request_monthly_policy_report(now=now)
    assert first.parameters == {"starts_on": "2026-10-01", "ends_on": "2026-10-31"}
    assert first.requested_by == services.MONTHLY_ACTOR and first.requested_by_id is None
    assert services.request_monthly_policy_report(now=now + timedelta(days=1)) is None
    december = services.request_monthly_policy_report(now=now + timedelta(days=30))
    assert december.parameters["starts_on"] == "2026-11-01"


def test_the_stored_pdf_path_is_not_a_static_url(world, queue_redis, app):
    run = request("provider_dossier", {"provider_id": world.insured.id})
    services.start_run(run.id, now=utcnow())
    services.build_run(run, clock=utcnow, progress=lambda p: None)
    path = Path(app.config["FILES_DIR"])
    assert path.resolve() not in Path(app.static_folder).resolve().parents
    assert run.byte_size == run.file.size and run.sha256 == run.file.sha256 and run.peak_memory_kib > 0
