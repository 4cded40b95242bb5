from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, time, timedelta

import pytest
import sqlalchemy as sa
from rq import Queue
from rq.job import Job
from rq.registry import FailedJobRegistry, ScheduledJobRegistry

from console import jobs
from console.audit import services as audit
from console.audit.models import AuditEvent
from console.db import db
from console.domain import QueueUnavailable
from console.schedule import PERIODIC_JOBS, Periodic, schedule_periodic_jobs
from tests.conftest import PROJECT_ROOT_ENV, InProcessWorker, csrf_token, signed_in_client


@jobs.job()
def record_event(label: str) -> str:
    """A job that writes: proves the job's transaction commits."""
    audit.record(jobs.system_actor("tests"), f"test.{label}")
    return label


@jobs.job()
def explode() -> None:
    raise RuntimeError("boom in a job")


def _work(queue_redis, name="default"):
    InProcessWorker([Queue(name, connection=queue_redis)], connection=queue_redis).work(burst=True)


def test_a_worker_runs_an_enqueued_job_and_its_transaction_commits(queue_redis):
    job = jobs.enqueue(record_event, "ran")
    _work(queue_redis)
    assert Job.fetch(job.id, connection=queue_redis).get_status() == "finished"
    assert (
        db.session.scalar(sa.select(AuditEvent.actor).where(AuditEvent.action == "test.ran"))
        == "system:tests"
    )


def test_enqueue_after_commit_waits_for_the_commit(queue_redis):
    jobs.enqueue_after_commit(record_event, "after")
    assert Queue("default", connection=queue_redis).count == 0
    db.session.rollback()
    db.session.commit()
    assert Queue("default", connection=queue_redis).count == 0  # dropped with the rollback
    jobs.enqueue_after_commit(record_event, "after")
    db.session.commit()
    assert Queue("default", connection=queue_redis).count == 1


def test_a_failing_job_is_kept_with_its_traceback_and_can_be_retried_from_the_page(queue_redis, client_as):
    job = jobs.enqueue(explode)
    _work(queue_redis)
    assert job.id in FailedJobRegistry("default", connection=queue_redis).get_job_ids()
    manager = client_as("manager")
    page = manager.get("/jobs/").get_data(as_text=True)
    assert "boom in a job" in page and job.id in page
    response = manager.post(
        "/jobs/retry",
        data={"csrf_token": csrf_token(manager, "/jobs/"), "job_id": job.id, "queue": "default"},
    )
    assert response.status_code == 302
    assert job.id in Queue("default", connection=queue_redis).job_ids
    assert (
        db.session.scalar(sa.select(AuditEvent.action).where(AuditEvent.object_id == job.id)) == "jobs.retry"
    )


def test_retry_of_an_unknown_job_is_a_clear_message(queue_redis, client_as):
    manager = client_as("manager")
    response = manager.post(
        "/jobs/retry",
        data={"csrf_token": csrf_token(manager, "/jobs/"), "job_id": "nope", "queue": "default"},
        follow_redirects=True,
    )
    assert response.status_code == 200 and "could not be retried" in response.get_data(as_text=True)


def test_retry_of_a_job_that_did_not_fail_there_is_a_clear_message(queue_redis, client_as):
    """Found by the action fuzzing: a real job id with another queue (or one that succeeded) was a 500."""
    job = jobs.enqueue(record_event, "waiting")
    manager = client_as("manager")
    for queue in ("default", "reports"):
        response = manager.post(
            "/jobs/retry",
            data={"csrf_token": csrf_token(manager, "/jobs/"), "job_id": job.id, "queue": queue},
            follow_redirects=True,
        )
        assert response.status_code == 200
        assert "is not among the failed jobs of that queue" in response.get_data(as_text=True)


def test_redis_down_gives_a_clear_error(app_without_redis):
    with app_without_redis.app_context():
        with pytest.raises(QueueUnavailable):
            jobs.ensure_available()
        with pytest.raises(QueueUnavailable):
            jobs.enqueue(jobs.ping)


def test_jobs_page_when_redis_is_down(app_without_redis):
    page = signed_in_client(app_without_redis, "admin").get("/jobs/")
    assert page.status_code == 200 and "does not answer" in page.get_data(as_text=True)


class TestPeriodic:
    every_minute = Periodic("tests.every_minute", "console.jobs.ping", every=timedelta(minutes=1))
    daily = Periodic("tests.daily", "console.jobs.ping", daily_at=time(3, 15))

    def test_next_runs(self):
        now = datetime(2026, 3, 28, 2, 30, 10, tzinfo=UTC)  # 03:30 in Paris, the day before DST
        assert self.every_minute.next_run(now) == datetime(2026, 3, 28, 2, 31, tzinfo=UTC)
        assert self.daily.next_run(now) == datetime(2026, 3, 29, 1, 15, tzinfo=UTC)  # 03:15 CEST

    def test_scheduling_twice_never_doubles_a_run(self, queue_redis, now):
        schedule_periodic_jobs(queue_redis, now=now - timedelta(days=1), jobs=[self.daily])  # no catch-up
        first = schedule_periodic_jobs(queue_redis, now=now, jobs=[self.every_minute, self.daily])
        second = schedule_periodic_jobs(
            queue_redis, now=now + timedelta(seconds=5), jobs=[self.every_minute, self.daily]
        )
        minute = self.every_minute.next_run(now)
        assert first == [
            self.every_minute.job_id(minute),
            self.every_minute.job_id(minute + timedelta(minutes=1)),  # a late maintenance leaves no gap
            self.daily.job_id(self.daily.next_run(now)),
        ]
        assert second == []
        scheduled = ScheduledJobRegistry("default", connection=queue_redis).get_job_ids()
        assert set(first) <= set(scheduled)

    def test_a_missed_daily_slot_is_caught_up_once(self, queue_redis):
        """Workers were down (or Redis lost its data) at 03:15: the run happens at the next pass, once."""
        now = datetime(2026, 3, 28, 8, 0, tzinfo=UTC)  # 09:00 in Paris, six hours after the slot
        missed = self.daily.job_id(datetime(2026, 3, 28, 2, 15, tzinfo=UTC))
        first = schedule_periodic_jobs(queue_redis, now=now, jobs=[self.daily])
        again = schedule_periodic_jobs(queue_redis, now=now + timedelta(minutes=1), jobs=[self.daily])
        assert missed in first and missed in Queue("default", connection=queue_redis).job_ids
        assert again == []

    def test_a_slot_scheduled_in_time_is_not_caught_up(self, queue_redis):
        before = datetime(2026, 3, 28, 1, 0, tzinfo=UTC)  # 02:00 in Paris: 03:15 is scheduled ahead
        schedule_periodic_jobs(queue_redis, now=before, jobs=[self.daily])
        after = schedule_periodic_jobs(queue_redis, now=before + timedelta(hours=5), jobs=[self.daily])
        assert after == [self.daily.job_id(datetime(2026, 3, 29, 1, 15, tzinfo=UTC))]

    def test_the_real_list_schedules_every_job_once(self, queue_redis, now):
        from console.schedule import PERIODIC_JOBS

        first = schedule_periodic_jobs(queue_redis, now=now)
        assert {job_id.rsplit("-", 1)[0] for job_id in first} == {
            f"periodic-{p.name.replace('.', '_')}" for p in PERIODIC_JOBS
        }
        assert schedule_periodic_jobs(queue_redis, now=now) == []

    def test_an_idle_worker_looks_at_its_schedule_well_within_a_minute(self, app):
        from console.worker import make_worker

        worker = make_worker(app, ["default"])
        shortest = min(p.every for p in PERIODIC_JOBS if p.every is not None)
        assert worker.dequeue_timeout + worker.maintenance_interval < shortest.total_seconds()


def _run_worker_command(app, tmp_path) -> subprocess.CompletedProcess:
    """`flask jobs worker --burst`, the command production runs, as a real process on the test's
    database and Redis."""
    env = PROJECT_ROOT_ENV | {
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "REDIS_URL": app.config["REDIS_URL"],
        "CONSOLE_ENV": "testing",
        "SECRET_KEY": app.config["SECRET_KEY"],
        "INSTANCE_PATH": str(tmp_path),
    }
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "tests.worker_app", "jobs", "worker", "--burst"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.committed
def test_the_worker_command_picks_up_a_job_in_a_forked_work_horse(app, queue_redis, tmp_path):
    """`flask jobs worker`, the command production runs, as a real process."""
    job = jobs.enqueue(record_event, "forked")
    result = _run_worker_command(app, tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    assert Job.fetch(job.id, connection=queue_redis).get_status() == "finished", result.stderr[-3000:]
    assert db.session.scalar(sa.select(AuditEvent.action).where(AuditEvent.action == "test.forked"))


@pytest.mark.committed
def test_a_failing_job_prints_its_traceback_once_in_the_worker_log(app, queue_redis, tmp_path):
    """The error that matters is printed once, with its traceback, not buried under copies."""
    job = jobs.enqueue(explode)
    result = _run_worker_command(app, tmp_path)
    log = result.stdout + result.stderr
    assert Job.fetch(job.id, connection=queue_redis).get_status() == "failed", log[-3000:]
    assert log.count("Traceback (most recent call last)") == 1, log[-3000:]
    assert log.count("RuntimeError: boom in a job") == 1, log[-3000:]
