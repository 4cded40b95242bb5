"""The default demo runs on a SQLite file: a worker builds two reports while managers keep using
the console (requesting reports, opening and writing pages). Nothing may fail with "database is
locked": WAL lets readers through, the busy timeout makes writers queue, and a transaction that
read first takes its write lock up front so a concurrent commit cannot invalidate it."""

from __future__ import annotations

import threading
import time

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade
from rq import Queue

from console.db import db
from console.submissions import new_token
from reports.models import ReportRun
from reports.workflow import RunStatus
from tests import factories
from tests.conftest import ConsoleTestClient, InProcessWorker, csrf_token, make_test_app, sign_in

pytestmark = pytest.mark.committed


@pytest.fixture
def demo_app(tmp_path, redis_url):
    app = make_test_app(
        f"sqlite:///{tmp_path / 'demo.db'}", redis_url, str(tmp_path / "files"), SQLITE_BEGIN_IMMEDIATE=True
    )
    app.test_client_class = ConsoleTestClient
    with app.app_context():
        upgrade()
        yield app
        db.session.remove()
        db.engine.dispose()


def test_the_file_database_is_in_wal_mode_with_a_busy_timeout(demo_app):
    with db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 30_000


def test_two_reports_and_a_worker_while_managers_keep_working(demo_app, queue_redis):
    manager = factories.make_staff("manager")
    for _ in range(200):
        factories.make_provider()
    db.session.commit()
    email = manager.email
    db.session.remove()
    statuses: list[int] = []
    stop = threading.Event()

    def browse() -> None:
        client = demo_app.test_client()
        statuses.append(sign_in(client, email).status_code)
        for _ in range(2):
            request_report(client)
        for _ in range(4):  # more requests while the worker builds: each reads, then writes
            if stop.is_set():
                break
            request_report(client)
            statuses.append(client.get("/providers/").status_code)

    def request_report(client) -> None:
        data = {"csrf_token": csrf_token(client, "/reports/"), "kind": "provider_register"}
        data["submission_token"] = new_token()
        statuses.append(client.post("/reports/request", data=data).status_code)

    browser = threading.Thread(target=browse)
    browser.start()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and _count(ReportRun) < 2:
        time.sleep(0.05)
    worker = InProcessWorker([Queue("reports", connection=queue_redis)], connection=queue_redis)
    worker.work(burst=True)
    stop.set()
    browser.join(timeout=60)

    worker.work(burst=True)  # the requests made while it worked
    runs = db.session.scalars(sa.select(ReportRun).order_by(ReportRun.id)).all()
    assert len(runs) >= 3
    assert {run.status for run in runs} == {RunStatus.SUCCEEDED}, [(r.status, r.error) for r in runs]
    assert statuses and set(statuses) <= {200, 302}, statuses


def _count(model) -> int:
    count = db.session.scalar(sa.select(sa.func.count()).select_from(model))
    db.session.remove()
    return count
