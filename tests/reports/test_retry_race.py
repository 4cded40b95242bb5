"""Two managers retry the same failed report at once: one new attempt, and a clear answer for the other."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from console.db import db, utcnow
from reports import services
from reports.models import ReportRun
from tests import factories
from tests.conftest import csrf_token


def _attempts(failed_id: int) -> int:
    return db.session.scalar(sa.select(sa.func.count()).where(ReportRun.retry_of_id == failed_id))


def test_a_double_post_makes_one_attempt_and_says_so(client_as, queue_redis):
    manager = client_as("manager")
    failed = factories.make_report_run_row("failed", requester=manager.staff)
    db.session.commit()
    token = csrf_token(manager, "/reports/")
    first = manager.post(f"/reports/retry/{failed.id}", data={"csrf_token": token})
    second = manager.post(f"/reports/retry/{failed.id}", data={"csrf_token": token}, follow_redirects=True)
    assert first.status_code == 302 and second.status_code == 200
    assert "already retried" in second.get_data(as_text=True)
    assert _attempts(failed.id) == 1


@pytest.mark.committed
def test_a_retry_that_loses_the_race_is_a_conflict_not_a_500(app, queue_redis):
    """The second retry passes the "already retried?" check before the first commits, then meets
    the unique retry_of_id when it inserts: it is told someone else retried, nothing is saved."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite lets one writer in at a time; the race needs PostgreSQL's row locks")
    with app.app_context():
        first_manager, second_manager = factories.make_staff("manager"), factories.make_staff("manager")
        failed = factories.make_report_run_row("failed", requester=first_manager)
        db.session.commit()
        failed_id, managers = failed.id, (first_manager.id, second_manager.id)
    first_flushed, outcomes = threading.Event(), {}
    release_first = threading.Event()

    def retry(index: int) -> None:
        with app.app_context():
            try:
                run = db.session.get(ReportRun, failed_id)
                actor = db.session.get(type(first_manager), managers[index])
                services.retry_run(run, actor=actor, now=utcnow())
                if index == 0:
                    first_flushed.set()
                    release_first.wait(timeout=60)
                db.session.commit()
                outcomes[index] = "retried"
            except Exception as exc:  # noqa: BLE001 - the outcome is what the test checks
                db.session.rollback()
                outcomes[index] = exc
            finally:
                db.session.remove()

    first = threading.Thread(target=retry, args=(0,))
    first.start()
    assert first_flushed.wait(timeout=60)
    second = threading.Thread(target=retry, args=(1,))
    second.start()
    _wait_until_blocked_on_a_lock(app)
    release_first.set()
    first.join(timeout=60)
    second.join(timeout=60)
    assert outcomes[0] == "retried"
    assert isinstance(outcomes[1], services.AlreadyRetried), outcomes[1]
    assert "Someone else retried" in str(outcomes[1])
    with app.app_context():
        assert _attempts(failed_id) == 1


def _wait_until_blocked_on_a_lock(app) -> None:
    """Until another backend of this database waits on a lock (the second insert, on the index)."""
    query = sa.text(
        "SELECT count(*) FROM pg_stat_activity "
        "WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
    )
    event = threading.Event()
    with app.app_context(), db.engine.connect() as connection:
        for _ in range(6000):
            if connection.execute(query).scalar():
                return
            event.wait(0.01)
    raise AssertionError("the second retry never waited on the first")
