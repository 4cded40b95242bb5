"""Report jobs on a real Redis with real RQ workers (in-process, and a forked worker process)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from rq import Queue
from rq.job import Job

from console.audit import services as audit
from console.db import db, utcnow
from console.files.models import StoredFile
from console.jobs import enqueue
from reports import jobs, services
from reports.models import ReportRun
from reports.workflow import ReportKind, RunStatus
from tests import factories
from tests.conftest import PROJECT_ROOT_ENV, InProcessWorker


def work(queue_redis, name="reports"):
    InProcessWorker([Queue(name, connection=queue_redis)], connection=queue_redis).work(burst=True)


def stored_files() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(StoredFile))


def test_a_worker_builds_the_report_and_a_second_run_of_the_job_changes_nothing(world, queue_redis, app):
    run = factories.make_report_run("provider_dossier", parameters={"provider_id": world.insured.id})
    db.session.commit()
    work(queue_redis)
    db.session.refresh(run)
    assert run.status == RunStatus.SUCCEEDED and run.progress == 100 and run.page_count >= 1
    assert Job.fetch(run.job_id, connection=queue_redis).return_value() == "succeeded"
    assert run.started_at <= run.finished_at and run.data_as_of and run.build_seconds is not None
    files = stored_files()
    again = enqueue(jobs.build_report, run.id)
    work(queue_redis)
    assert again.return_value() == "nothing to do" and stored_files() == files


def test_a_job_that_cannot_save_records_the_failure(world, queue_redis, app, tmp_path):
    blocker = tmp_path / "file-not-dir"
    blocker.write_text("x")
    run = factories.make_report_run("provider_register", actor=world.officer)
    db.session.commit()
    original, app.config["FILES_DIR"] = app.config["FILES_DIR"], str(blocker)
    try:
        work(queue_redis)
    finally:
        app.config["FILES_DIR"] = original
    db.session.refresh(run)
    assert run.status == RunStatus.FAILED and "could not be saved to storage" in run.error
    assert Job.fetch(run.job_id, connection=queue_redis).get_status() == "finished"  # handled, not a crash


@pytest.mark.committed
def test_the_database_disappearing_mid_job_fails_the_run_and_keeps_no_file(app, queue_redis):
    """The connection drops just as the PDF is being recorded (after the file was written)."""
    manager = factories.make_staff("manager")
    provider = factories.make_provider()
    run = factories.make_report_run(
        "provider_dossier", actor=manager, parameters={"provider_id": provider.id}
    )
    db.session.commit()
    run_id, files_dir = run.id, Path(app.config["FILES_DIR"])
    before = {p for p in files_dir.rglob("*") if p.is_file()}

    def drop_connection(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("INSERT INTO STORED_FILE"):
            sa.event.remove(db.engine, "before_cursor_execute", drop_connection)
            conn.connection.dbapi_connection.close()

    sa.event.listen(db.engine, "before_cursor_execute", drop_connection)
    assert jobs.build_report(run_id) == "failed"
    db.session.remove()
    run = db.session.get(ReportRun, run_id)
    assert run.status == RunStatus.FAILED
    assert (
        run.error == "The database stopped answering while the report was built. Nothing was kept; retry it."
    )
    assert run.file_id is None and stored_files() == 0
    assert {p for p in files_dir.rglob("*") if p.is_file()} == before  # the written PDF was removed


def _worker_env(app, tmp_path) -> dict[str, str]:
    return PROJECT_ROOT_ENV | {
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "REDIS_URL": app.config["REDIS_URL"],
        "FILES_DIR": app.config["FILES_DIR"],
        "CONSOLE_ENV": "testing",
        "SECRET_KEY": app.config["SECRET_KEY"],
        "INSTANCE_PATH": str(tmp_path),
    }


def _children(pid: int) -> list[int]:
    """The processes whose parent is `pid` (read from /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:  # ended meanwhile
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def _kill_worker_and_horse(worker) -> None:
    """SIGKILL the worker and its work horse. RQ puts the horse in a process group of its own
    (so that a timeout can kill it alone): killing the worker's group leaves the horse running."""
    for horse in _children(worker.pid):
        with contextlib.suppress(ProcessLookupError):  # it ended between the listing and now
            os.kill(horse, signal.SIGKILL)
    with contextlib.suppress(ProcessLookupError):  # the worker too may have ended on its own
        os.killpg(worker.pid, signal.SIGKILL)


def _wait_for_killed_backends(timeout: float = 15) -> None:
    """PostgreSQL finishes the query a killed client had sent before it notices the client is
    gone; until then that backend holds locks (the table clean-up after the test would wait on
    it, or deadlock). Wait until no other session of this database is busy."""
    if db.session.get_bind().dialect.name != "postgresql":
        return
    busy = sa.text(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
        "AND pid <> pg_backend_pid() AND state <> 'idle'"
    )
    deadline = time.monotonic() + timeout
    while db.session.scalar(busy) and time.monotonic() < deadline:
        db.session.rollback()
        time.sleep(0.05)
    db.session.rollback()


@pytest.mark.committed
def test_a_worker_killed_mid_job_leaves_a_run_shown_as_failed_within_minutes(app, queue_redis, tmp_path):
    manager = factories.make_staff("manager")
    provider = factories.make_provider()
    for n in range(500):  # a long audit trail: the dossier takes a few seconds to render
        audit.record(manager, "provider.viewed", provider, purpose=f"check {n}")
    run = factories.make_report_run(
        "provider_dossier", actor=manager, parameters={"provider_id": provider.id}
    )
    db.session.commit()
    run_id = run.id
    worker = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "tests.worker_app", "jobs", "worker", "--queues", "reports"],
        env=_worker_env(app, tmp_path),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its own process group: the worker and its work horse
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            status, progress = db.session.execute(
                sa.select(ReportRun.status, ReportRun.progress).where(ReportRun.id == run_id)
            ).one()
            db.session.rollback()
            if status != RunStatus.QUEUED and (status != RunStatus.RUNNING or progress >= 65):
                break  # 65: the data is gathered and the render of a 500-event audit trail begins
            time.sleep(0.005)
        _kill_worker_and_horse(worker)  # mid-render
        assert status == RunStatus.RUNNING
        worker.wait(timeout=10)
    finally:
        if worker.poll() is None:
            _kill_worker_and_horse(worker)
            worker.wait(timeout=10)
        _wait_for_killed_backends()
    assert db.session.get(ReportRun, run_id).status == RunStatus.RUNNING
    assert services.mark_abandoned_runs(now=utcnow()) == 0  # the worker's heartbeat has not expired yet
    db.session.commit()
    assert services.mark_abandoned_runs(now=utcnow() + timedelta(minutes=2)) == 1
    db.session.commit()
    run = db.session.get(ReportRun, run_id)
    assert run.status == RunStatus.FAILED and run.error.startswith("Abandoned: the worker")
    assert run.file_id is None


def test_the_periodic_list_has_the_sweep_and_the_monthly_report():
    from console.schedule import PERIODIC_JOBS

    by_func = {p.func: p for p in PERIODIC_JOBS}
    sweep = by_func["reports.jobs.mark_abandoned_runs"]
    assert sweep.every == timedelta(minutes=1)
    monthly = by_func["reports.jobs.request_monthly_policy_report"]
    assert monthly.daily_at is not None and monthly.queue == "reports"


def test_the_periodic_jobs_run_on_a_worker(queue_redis):
    from console.jobs import get_queue

    earlier = utcnow() - timedelta(minutes=5)  # its job vanished with a Redis restart since
    dead = factories.make_report_run_row(
        "running", requested_at=earlier, started_at=earlier, heartbeat_at=earlier, language="en"
    )  # the sweep describes the failure in the run's language
    db.session.commit()
    get_queue("default").enqueue("reports.jobs.mark_abandoned_runs")
    get_queue("reports").enqueue("reports.jobs.request_monthly_policy_report")
    work(queue_redis, "default")
    work(queue_redis, "reports")  # the monthly request, then the report it asked for
    db.session.expire_all()
    assert dead.status == RunStatus.FAILED and "no longer in the queue" in dead.error
    monthly = db.session.scalars(
        sa.select(ReportRun).where(ReportRun.requested_by == services.MONTHLY_ACTOR)
    ).one()
    assert monthly.kind == ReportKind.POLICY_COMPLIANCE and monthly.status == RunStatus.SUCCEEDED
