"""The daily purge of used submission tokens: old ones go in bounded batches, recent ones stay."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from rq import Queue

from console import submissions
from console.db import db, utcnow
from console.schedule import PERIODIC_JOBS
from console.submissions import FormSubmission, new_token
from tests.conftest import InProcessWorker, count_queries


def _used(n: int, at) -> list[str]:
    tokens = [new_token() for _ in range(n)]
    db.session.add_all(FormSubmission(token=t, used_at=at) for t in tokens)
    db.session.flush()
    return tokens


def _tokens() -> set[str]:
    return set(db.session.scalars(sa.select(FormSubmission.token)))


def test_tokens_used_over_a_day_ago_are_deleted_in_batches_and_recent_ones_kept(now):
    old = _used(23, now - submissions.KEEP - timedelta(minutes=1))
    recent = _used(4, now - submissions.KEEP + timedelta(minutes=1))
    with count_queries() as statements:
        assert submissions.purge_used(now=now, batch=10) == 23
    deletes = [s for s in statements if s.lstrip().upper().startswith("DELETE")]
    assert len(deletes) == 3  # 10 + 10 + 3, never one unbounded statement
    assert all("LIMIT" in s.upper() for s in statements if s.lstrip().upper().startswith("SELECT"))
    assert _tokens() == set(recent)
    assert not set(old) & _tokens()
    assert submissions.purge_used(now=now, batch=10) == 0  # safe to run twice


def test_a_purged_token_is_never_needed_again_a_csrf_token_has_expired_by_then(app):
    assert submissions.KEEP.total_seconds() > app.config["WTF_CSRF_TIME_LIMIT"]


def test_the_purge_is_a_daily_periodic_job():
    (periodic,) = [p for p in PERIODIC_JOBS if p.func == "console.submissions.purge_used_tokens"]
    assert periodic.daily_at is not None


def test_the_job_runs_on_a_worker_and_commits(queue_redis):
    from console import jobs

    old = _used(3, utcnow() - timedelta(days=2))
    kept = _used(1, utcnow())
    job = jobs.enqueue(submissions.purge_used_tokens)
    db.session.commit()
    InProcessWorker([Queue("default", connection=queue_redis)], connection=queue_redis).work(burst=True)
    assert job.get_status(refresh=True) == "finished", job.latest_result()
    assert job.return_value() == 3
    db.session.expire_all()
    assert set(kept) <= _tokens() and not set(old) & _tokens()
