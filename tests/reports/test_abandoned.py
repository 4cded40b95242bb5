"""A run whose worker and work horse were SIGKILLed together is failed within two minutes: the sweep
reads the job's heartbeat in Redis (stamped every 30 s by a live worker), not only RQ's registry."""

from __future__ import annotations

from datetime import timedelta

from rq.executions import Execution
from rq.job import Job
from rq.registry import StartedJobRegistry

from console.db import db, utcnow
from reports import services
from reports.workflow import ReportKind, RunStatus
from tests import factories


def _started_by_a_worker(queue_redis):
    """A requested run whose job a worker took: RQ's own records, as the worker writes them."""
    run = services.request_report(
        ReportKind("provider_register"), parameters={}, actor=factories.make_staff("manager"), now=utcnow()
    )
    db.session.commit()
    services.start_run(run.id, now=utcnow())
    db.session.commit()
    job = Job.fetch(run.job_id, connection=queue_redis)
    with queue_redis.pipeline() as pipeline:
        job.prepare_for_execution("worker-that-will-be-killed", pipeline=pipeline)
        execution = Execution.create(job, ttl=90, pipeline=pipeline, worker_name="worker-that-will-be-killed")
        pipeline.execute()
    return run, Job.fetch(run.job_id, connection=queue_redis), execution


def test_a_silent_heartbeat_fails_the_run_before_the_registry_expires(queue_redis):
    run, job, _ = _started_by_a_worker(queue_redis)
    last_stamp = job.last_heartbeat
    assert services.mark_abandoned_runs(now=last_stamp + timedelta(seconds=40)) == 0  # 30 s rhythm + slack
    killed_for = last_stamp + timedelta(seconds=55)
    registry = StartedJobRegistry(services.JOB_QUEUE, connection=queue_redis)
    assert run.job_id not in registry.get_expired_job_ids(killed_for.timestamp())  # RQ would still wait
    assert services.mark_abandoned_runs(now=killed_for) == 1
    assert run.status == RunStatus.FAILED and run.error.startswith("Abandoned: the worker")
    # Worst case: killed just after a stamp, seen 50 s later, by a sweep that runs once a minute.
    assert services.HEARTBEAT_SILENCE + timedelta(minutes=1) <= timedelta(minutes=2)


def test_a_long_build_whose_worker_keeps_stamping_is_left_alone(queue_redis):
    run, job, execution = _started_by_a_worker(queue_redis)
    registry = StartedJobRegistry(services.JOB_QUEUE, connection=queue_redis)
    start = job.last_heartbeat
    for beat in range(1, 11):  # what the live worker writes every 30 s, for five minutes
        stamp = start + timedelta(seconds=30 * beat)
        job.heartbeat(stamp, ttl=90)
        queue_redis.zadd(registry.key, {execution.composite_key: stamp.timestamp() + 90}, xx=True)
        assert services.mark_abandoned_runs(now=stamp + timedelta(seconds=29)) == 0
    assert run.status == RunStatus.RUNNING
