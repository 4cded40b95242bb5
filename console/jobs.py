"""The job queue: Redis connection, the `job` decorator, enqueueing after commit.

Jobs take ids (never ORM objects), run in their own app context and transaction, and are
safe to run twice.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from contextvars import ContextVar
from datetime import datetime
from typing import Any

import redis
from flask import Flask, current_app, has_app_context
from rq import Queue, get_current_job
from rq.job import Job

from console import redis_server
from console.db import after_commit, db
from console.domain import QueueUnavailable

log = logging.getLogger(__name__)

QUEUES = ("default", "reports")
REDIS_ERRORS = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, OSError)

# Set while a console job runs, so rules that need a person (restrictions) can refuse jobs.
running_job: ContextVar[str | None] = ContextVar("running_job", default=None)


def in_job() -> bool:
    """Whether the code runs inside a job (console job wrapper or any RQ job)."""
    return running_job.get() is not None or get_current_job() is not None


def redis_url(app: Flask | None = None) -> str:
    app = app or current_app
    return app.config["REDIS_URL"] or redis_server.socket_url(app.config["EMBEDDED_REDIS_DIR"])


def get_redis(app: Flask | None = None) -> redis.Redis:
    """The app's Redis client (one connection pool per process)."""
    app = app or current_app
    client = app.extensions.get("console_redis")
    if client is None:
        client = redis.Redis.from_url(redis_url(app), socket_connect_timeout=2, socket_timeout=10)
        app.extensions["console_redis"] = client
    return client


def get_queue(name: str = "default") -> Queue:
    return Queue(name, connection=get_redis())


def ensure_available() -> None:
    """Raise QueueUnavailable unless Redis answers; call it before committing work that needs a job."""
    try:
        get_redis().ping()
    except REDIS_ERRORS as exc:
        raise QueueUnavailable(
            "The job queue is unavailable right now; nothing was started. Try again in a minute."
        ) from exc


# --- jobs -------------------------------------------------------------------------------

_job_app: Flask | None = None
_app_factory: Callable[[], Flask] | None = None


def use_app_factory(factory: Callable[[], Flask]) -> None:
    """Hand the job wrapper the app factory, for jobs run by a worker without an app context
    (a plain `rq worker`); the factory calls this, so this module never imports it."""
    global _app_factory
    _app_factory = factory


def _app_for_job() -> Flask:
    global _job_app
    if has_app_context():
        return current_app._get_current_object()
    if _job_app is None:
        if _app_factory is None:
            raise RuntimeError("no app factory: create the app once before running jobs")
        _job_app = _app_factory()
    return _job_app


def job(*, queue: str = "default", timeout: int = 180) -> Callable:
    """Make a function an RQ job: own app context, one commit, logged with the job id."""

    def decorate(fn: Callable) -> Callable:
        @functools.wraps(fn)
        def run(*args: Any, **kwargs: Any) -> Any:
            app = _app_for_job()
            current = get_current_job()
            job_id = current.id if current else "inline"
            token = running_job.set(fn.__qualname__)
            with app.app_context():
                log.info("job %s %s started", job_id, fn.__qualname__)
                try:
                    result = fn(*args, **kwargs)
                    db.session.commit()
                except Exception as exc:
                    db.session.rollback()
                    if current is None:  # run inline: nobody else prints the traceback
                        log.exception("job %s %s failed", job_id, fn.__qualname__)
                    else:  # the RQ worker prints the traceback once, right after this line
                        log.error("job %s %s failed: %s", job_id, fn.__qualname__, type(exc).__name__)
                    raise
                finally:
                    running_job.reset(token)
                log.info("job %s %s finished", job_id, fn.__qualname__)
                return result

        run.queue_name = queue
        run.timeout = timeout
        return run

    return decorate


def system_actor(name: str) -> str:
    """The audit actor for work done by a job: 'system:<job>'."""
    return f"system:{name}"


def enqueue(
    fn: Callable, *args: Any, job_id: str | None = None, at: datetime | None = None, **kwargs: Any
) -> Job:
    """Put a job on its queue now (or at `at`); raise QueueUnavailable if Redis is down."""
    config = current_app.config
    options = {
        "job_timeout": getattr(fn, "timeout", 180),
        "result_ttl": config["JOB_RESULT_TTL"],
        "failure_ttl": config["JOB_FAILURE_TTL"],
        "job_id": job_id,
        "args": args,
        "kwargs": kwargs,
    }
    queue = get_queue(getattr(fn, "queue_name", "default"))
    try:
        if at is not None:
            return queue.enqueue_at(at, fn, **options)
        return queue.enqueue(fn, **options)
    except REDIS_ERRORS as exc:
        raise QueueUnavailable("The job queue is unavailable right now.") from exc


def enqueue_after_commit(fn: Callable, *args: Any, **kwargs: Any) -> None:
    """Enqueue once the current transaction commits, so the worker reads committed rows."""
    after_commit(enqueue, fn, *args, **kwargs)


@job()
def ping(message: str = "pong") -> str:
    """A no-op job used by `jobs ping` and the tests to prove a worker runs jobs."""
    return message
