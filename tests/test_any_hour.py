"""The time-dependent cores of the suite, run with the clock set to a night and a weekend.

Whatever hour `make test` runs at, these prove the demo seed fills every support queue, a new
complaint's SLA starts due, the queue pages answer, and the periodic jobs are scheduled once and
ahead. time-machine moves the process's clock only inside each test's body (the fixtures, the
database and Redis keep the real one).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
import time_machine
from rq.registry import ScheduledJobRegistry

from console.db import db, utcnow
from console.schedule import PERIODIC_JOBS, schedule_periodic_jobs
from disputes.complaints import queues as queries
from disputes.complaints import services
from disputes.complaints.models import Complaint
from disputes.complaints.workflow import Severity, Status, TimerState, sla

MOMENTS = {
    "tuesday-night": datetime(2026, 12, 8, 3, 19, tzinfo=UTC),  # the hour the suite once failed at
    "saturday-afternoon": datetime(2026, 12, 12, 14, 0, tzinfo=UTC),
    "sunday-night": datetime(2026, 12, 13, 22, 30, tzinfo=UTC),
    "christmas-eve-evening": datetime(2026, 12, 24, 18, 45, tzinfo=UTC),  # a holiday follows
}
at_any_hour = pytest.mark.parametrize("moment", list(MOMENTS.values()), ids=list(MOMENTS))


@at_any_hour
def test_the_demo_seed_fills_every_support_queue(app, moment):
    with time_machine.travel(moment, tick=True):
        result = app.test_cli_runner().invoke(args=["demo", "seed", "--scale", "small"])
        assert result.exit_code == 0, result.output
        now = utcnow()
        assert abs(now - moment) < timedelta(hours=1)  # the clock really moved
        for queue in ("unassigned", "at_risk", "breached", "waiting"):
            assert queries.count_complaints(queries.queue_condition(queue, user_id=None, now=now)), queue
        open_ones = db.session.scalars(
            sa.select(Complaint).where(Complaint.status.in_(["new", "in_progress"]))
        )
        for complaint in open_ones:
            due, met = complaint.resolution_due_at, complaint.resolution_met
            services.refresh_sla(complaint, now=now)
            assert complaint.resolution_met == met
            assert abs(complaint.resolution_due_at - due) < timedelta(seconds=1), complaint


@at_any_hour
@pytest.mark.parametrize("severity", list(Severity))
def test_a_complaint_opened_now_starts_due_with_its_deadlines_ahead(moment, severity):
    with time_machine.travel(moment, tick=False):
        now = utcnow()
        timers = sla(severity, [(now, Status.NEW)], first_response_at=None, now=now)
        for timer in (timers.first_response, timers.resolution):
            assert timer.state == TimerState.DUE
            assert now < timer.at_risk_at < timer.due_at
        assert timers.first_response.due_at <= timers.resolution.due_at


@at_any_hour
def test_the_support_pages_answer_after_seeding(app, client_as, moment):
    with time_machine.travel(moment, tick=True):
        assert app.test_cli_runner().invoke(args=["demo", "seed", "--scale", "small"]).exit_code == 0
        db.session.commit()
        client = client_as("support_agent")
        for url in (
            "/support/",
            "/queue/at-risk/",
            "/queue/breached/",
            "/queue/waiting/",
            "/queue/unassigned/",
        ):
            response = client.get(url)
            assert response.status_code == 200, url


@at_any_hour
def test_the_periodic_jobs_are_scheduled_once_and_ahead(queue_redis, moment):
    with time_machine.travel(moment, tick=False):
        now = utcnow()
        first = schedule_periodic_jobs(queue_redis, now=now)
        assert {job_id.rsplit("-", 1)[0] for job_id in first} == {
            f"periodic-{p.name.replace('.', '_')}" for p in PERIODIC_JOBS
        }
        assert schedule_periodic_jobs(queue_redis, now=now + timedelta(seconds=30)) == []
        for periodic in PERIODIC_JOBS:
            for run_at in periodic.upcoming(now):
                assert run_at > now
                registry = ScheduledJobRegistry(periodic.queue, connection=queue_redis)
                assert periodic.job_id(run_at) in registry.get_job_ids()
