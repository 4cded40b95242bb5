"""The SLA sweep and auto-close as jobs on a real Redis with a real RQ worker."""

from __future__ import annotations

import importlib
import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa
from rq import Queue
from rq.job import Job

from console import jobs
from console.db import db, is_write_conflict, utcnow
from console.notifications.models import Notification
from console.schedule import PERIODIC_JOBS
from disputes.complaints import alerts, services
from disputes.complaints import jobs as dispute_jobs
from disputes.complaints.models import SlaAlert
from disputes.complaints.workflow import Status
from tests.conftest import InProcessWorker
from tests.factories import make_complaint, make_staff


def _work(queue_redis) -> None:
    InProcessWorker([Queue("default", connection=queue_redis)], connection=queue_redis).work(burst=True)


def _alerts(template: str) -> list[str]:
    return db.session.scalars(
        sa.select(Notification.recipient).where(Notification.template == template)
    ).all()


def test_the_sla_sweep_runs_on_a_worker_and_alerts_once(queue_redis):
    manager = make_staff("manager")
    make_complaint(category="injury", now=utcnow() - timedelta(hours=2))  # critical: 1 calendar hour
    db.session.commit()
    for _ in range(2):
        job = jobs.enqueue(dispute_jobs.sweep_sla)
        _work(queue_redis)
        assert Job.fetch(job.id, connection=queue_redis).get_status() == "finished"
    assert _alerts("complaint_sla_breached") == [manager.email]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SlaAlert)) == 1


def test_the_auto_close_job_closes_old_resolved_complaints(queue_redis):
    agent = make_staff("support_agent")
    complaint = make_complaint(actor=agent, now=utcnow() - timedelta(days=9))
    for event in ("triage", "start", "resolve"):
        services.transition(
            complaint, event, actor=agent, now=utcnow() - timedelta(days=8), reason="Réglé par téléphone"
        )
    db.session.commit()
    job = jobs.enqueue(dispute_jobs.auto_close_resolved)
    _work(queue_redis)
    assert Job.fetch(job.id, connection=queue_redis).return_value() == 1
    db.session.expire_all()
    assert complaint.status == Status.CLOSED


def test_the_periodic_jobs_are_in_the_one_list_and_resolve():
    names = {p.name: p for p in PERIODIC_JOBS}
    for name in ("disputes.sweep_sla", "disputes.scan_reviews", "disputes.auto_close_resolved"):
        module, _, func = names[name].func.rpartition(".")
        assert callable(getattr(importlib.import_module(module), func))
    assert len(names) == len(PERIODIC_JOBS)  # fixed, unique ids


@pytest.mark.committed
def test_two_sweeps_at_once_alert_each_breach_once(app):
    with app.app_context():
        manager = make_staff("manager")
        for _ in range(3):
            make_complaint(category="theft", now=utcnow() - timedelta(hours=3))
        db.session.commit()
        manager_email = manager.email
    barrier, errors = threading.Barrier(2), []

    def sweep():
        with app.app_context():
            try:
                barrier.wait()
                alerts.sweep_sla(now=utcnow())
                db.session.commit()
            except Exception as exc:  # noqa: BLE001 - SQLite may refuse the second writer
                db.session.rollback()
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(SlaAlert)) == 3
        assert _alerts("complaint_sla_breached") == [manager_email] * 3
        assert all(is_write_conflict(e) for e in errors), errors
