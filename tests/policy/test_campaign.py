"""Announcing a significant version: chunks on real RQ workers, exactly once per client, resumed
after a worker is killed mid-chunk."""

from __future__ import annotations

import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta

import pytest
import sqlalchemy as sa
from rq import Queue, SimpleWorker
from rq.registry import StartedJobRegistry

from console.db import db, utcnow
from console.domain import DomainError
from console.notifications.models import Notification, NotificationStatus
from policy import campaign, reporting, services
from policy.models import PolicyCampaign, PolicyNotice
from policy.workflow import CampaignStatus
from tests import factories
from tests.conftest import PROJECT_ROOT_ENV
from tests.reports.test_jobs import _kill_worker_and_horse, _wait_for_killed_backends


def work(queue_redis):
    SimpleWorker([Queue("default", connection=queue_redis)], connection=queue_redis).work(burst=True)


def significant_version(*, days_ahead=30):
    drafter, publisher = factories.make_staff("manager"), factories.make_staff("manager")
    now = utcnow()
    version = services.draft_version(
        title="Politique", body="# Politique\n\nNouvelle version", summary="Frais d'annulation revus.",
        effective_at=now + timedelta(days=days_ahead), significant=True, actor=drafter, now=now,
    )  # fmt: skip
    services.submit_version(version, actor=drafter, now=now)
    services.publish_version(version, actor=publisher, now=now)
    return version, publisher


def per_client(version_id) -> Counter:
    notices = db.session.execute(
        sa.select(PolicyNotice.client_id, Notification.recipient)
        .join(Notification, Notification.related_id == sa.cast(PolicyNotice.id, sa.String))
        .where(Notification.related_type == "PolicyNotice", PolicyNotice.policy_version_id == version_id)
    ).all()
    return Counter(client_id for client_id, _ in notices)


@pytest.fixture
def small_chunks(app):
    original = app.config["POLICY_CAMPAIGN_CHUNK"]
    app.config["POLICY_CAMPAIGN_CHUNK"] = 3
    yield 3
    app.config["POLICY_CAMPAIGN_CHUNK"] = original


def test_a_campaign_reaches_every_client_once_in_their_language_at_the_smtp_rate(
    app, queue_redis, small_chunks
):
    clients = [factories.make_client() for _ in range(8)]
    for n, client in enumerate(clients):
        client.language = "en" if n % 2 else "fr"
    version, manager = significant_version()
    started = campaign.start_campaign(version, actor=manager, now=utcnow())
    db.session.commit()
    work(queue_redis)
    db.session.refresh(started)
    assert started.status == CampaignStatus.DONE and started.queued == 8 and started.chunks == 3
    assert per_client(version.id) == Counter({c.id: 1 for c in clients})
    notes = db.session.scalars(
        sa.select(Notification)
        .where(Notification.template == "policy_version_changed")
        .order_by(Notification.id)
    ).all()
    by_recipient = {n.recipient: n for n in notes}
    assert by_recipient[clients[0].email].subject.startswith("Notre politique de protection")
    assert by_recipient[clients[1].email].subject.startswith("Our customer protection policy")
    assert f"/policy/versions/{version.number}" in notes[0].body
    slots = [n.next_attempt_at for n in notes]
    spacing = 60 / app.config["SMTP_MESSAGES_PER_MINUTE"]
    assert slots == sorted(slots) and (slots[-1] - slots[0]).total_seconds() >= 7 * spacing - 0.001
    assert campaign.run_chunk(started.id, now=utcnow()) is False  # done: running again changes nothing
    counts = reporting.campaign_counts(started)
    assert (counts.audience, counts.queued, counts.pending) == (8, 8, 8)


def test_a_version_is_announced_once_and_only_before_it_takes_effect():
    version, manager = significant_version()
    campaign.start_campaign(version, actor=manager, now=utcnow())
    with pytest.raises(DomainError):
        campaign.start_campaign(version, actor=manager, now=utcnow())
    late, manager = significant_version(days_ahead=1)
    with pytest.raises(DomainError):
        campaign.start_campaign(late, actor=manager, now=utcnow() + timedelta(days=2))


def test_the_campaign_page_shows_progress_and_failures(client_as):
    factories.make_client()
    bounced = factories.make_client(email="bounce@example.org")
    version, manager = significant_version()
    started = campaign.start_campaign(version, actor=manager, now=utcnow())
    campaign.run_chunk(started.id, now=utcnow())
    note = db.session.scalars(sa.select(Notification).where(Notification.recipient == bounced.email)).one()
    note.status, note.last_error = NotificationStatus.FAILED, "SMTPRecipientsRefused: 550 unknown user"
    db.session.flush()
    page = client_as("manager").get(f"/policy_campaigns/details/?id={started.id}").get_data(as_text=True)
    assert 'data-testid="queued">2<' in page and 'data-testid="failed">1<' in page
    assert "bounce@example.org" in page and "550 unknown user" in page


def _worker(app, tmp_path):
    env = PROJECT_ROOT_ENV | {
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "REDIS_URL": app.config["REDIS_URL"],
        "FILES_DIR": app.config["FILES_DIR"],
        "CONSOLE_ENV": "testing",
        "SECRET_KEY": app.config["SECRET_KEY"],
        "INSTANCE_PATH": str(tmp_path),
        "POLICY_CAMPAIGN_CHUNK": "3",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "tests.worker_app", "jobs", "worker", "--queues", "default"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip


def _hold_writes(connection, campaign_id):
    """Make the worker's chunk wait mid-way: PostgreSQL lets it claim its clients and holds it at
    the outbox; SQLite holds it at its first write."""
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("LOCK TABLE notification IN EXCLUSIVE MODE")
    else:
        connection.execute(
            sa.text("UPDATE policy_campaign SET chunks = chunks WHERE id = :id"), {"id": campaign_id}
        )


@pytest.mark.committed
def test_a_worker_killed_mid_chunk_and_two_workers_after_it_still_tell_each_client_once(
    app, queue_redis, tmp_path, small_chunks
):
    clients = [factories.make_client() for _ in range(10)]
    version, manager = significant_version()
    started = campaign.start_campaign(version, actor=manager, now=utcnow())
    db.session.commit()
    campaign_id = started.id
    work_one = Queue("default", connection=queue_redis)
    SimpleWorker([work_one], connection=queue_redis).work(burst=True, max_jobs=1)  # the first chunk
    db.session.rollback()
    assert db.session.get(PolicyCampaign, campaign_id).cursor_client_id == clients[2].id
    db.session.rollback()
    blocker = db.engine.connect()
    _hold_writes(blocker, campaign_id)
    worker = _worker(app, tmp_path)
    try:
        registry = StartedJobRegistry("default", connection=queue_redis)
        deadline = time.monotonic() + 60
        while not registry.get_job_ids() and time.monotonic() < deadline:
            time.sleep(0.01)
        assert registry.get_job_ids(), "the worker never started the second chunk"
        time.sleep(1.0)  # into the chunk, waiting on the held lock (under SQLite's 5 s busy timeout)
        _kill_worker_and_horse(worker)
        worker.wait(timeout=10)
    finally:
        blocker.rollback()
        blocker.close()
        if worker.poll() is None:
            _kill_worker_and_horse(worker)
            worker.wait(timeout=10)
        _wait_for_killed_backends()
    db.session.rollback()
    stalled = db.session.get(PolicyCampaign, campaign_id)
    assert stalled.status == CampaignStatus.RUNNING and stalled.queued == 3  # the killed chunk left nothing
    assert campaign.resume_stalled(now=utcnow()) == []  # not stalled for long yet
    assert campaign.resume_stalled(now=utcnow() + timedelta(minutes=3)) == [campaign_id]
    db.session.commit()
    from console.jobs import enqueue
    from policy import jobs

    queue_redis.delete(*queue_redis.keys("rq:queue:default"))  # the killed job's successors, if any
    enqueue(jobs.run_campaign_chunk, campaign_id)
    enqueue(jobs.run_campaign_chunk, campaign_id)  # twice: two workers race on the same campaign
    workers = [_worker(app, tmp_path) for _ in range(2)]
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            db.session.rollback()
            if db.session.get(PolicyCampaign, campaign_id).status == CampaignStatus.DONE:
                break
            time.sleep(0.05)
    finally:
        for process in workers:
            _kill_worker_and_horse(process)
            process.wait(timeout=10)
        _wait_for_killed_backends()
    db.session.rollback()
    done = db.session.get(PolicyCampaign, campaign_id)
    assert done.status == CampaignStatus.DONE and done.queued == 10
    assert per_client(version.id) == Counter({c.id: 1 for c in clients})
