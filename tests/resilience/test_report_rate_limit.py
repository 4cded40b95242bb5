"""At most REPORT_REQUESTS_PER_MINUTE report requests per person and minute (a Redis counter)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from console.db import db
from reports import services
from reports.models import ReportRun
from reports.workflow import ReportKind
from tests import factories
from tests.conftest import csrf_token


@pytest.fixture
def limit_of_three(app):
    previous = app.config["REPORT_REQUESTS_PER_MINUTE"]
    app.config["REPORT_REQUESTS_PER_MINUTE"] = 3
    yield 3
    app.config["REPORT_REQUESTS_PER_MINUTE"] = previous


def runs() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(ReportRun))


def _request(actor, now):
    return services.request_report(ReportKind.PROVIDER_REGISTER, parameters={}, actor=actor, now=now)


def test_above_the_limit_a_person_is_told_to_wait_and_nothing_is_created(queue_redis, limit_of_three, now):
    manager, colleague = factories.make_staff("manager"), factories.make_staff("manager")
    for _ in range(3):
        _request(manager, now)
    with pytest.raises(services.TooManyRequests, match="3 reports in the last minute"):
        _request(manager, now + timedelta(seconds=30))
    assert runs() == 3
    _request(colleague, now)  # the counter is per person
    _request(manager, now + timedelta(minutes=1))  # and per minute
    assert runs() == 5
    assert queue_redis.ttl(f"reports:requests:{manager.id}:{int(now.timestamp()) // 60}") > 0


def test_scheduled_runs_are_not_counted(queue_redis, limit_of_three, now):
    for _ in range(5):
        _request("system:tests", now)
    assert runs() == 5


def test_the_page_says_so_above_the_limit(client_as, queue_redis, limit_of_three):
    client = client_as("manager")
    token = csrf_token(client, "/reports/")
    data = {"csrf_token": token, "kind": "provider_register"}
    # Seven requests fall in at most two minutes: at least one minute sees a fourth one.
    answers = [client.post("/reports/request", data=data, follow_redirects=True) for _ in range(7)]
    assert all(a.status_code == 200 for a in answers)
    refused = [a for a in answers if "Wait a minute before asking for another" in a.get_data(as_text=True)]
    assert refused
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ReportRun)) == 7 - len(refused) <= 6
