"""RQ worker for the console: app context in every job, fresh DB pool after fork, periodic jobs."""

from __future__ import annotations

import logging

from flask import Flask
from rq import Worker
from rq.worker_registration import REDIS_WORKER_KEYS

from console.db import db, utcnow
from console.jobs import get_queue, get_redis
from console.schedule import schedule_periodic_jobs

log = logging.getLogger(__name__)


# An idle worker waits this long for a job before it looks at its maintenance (which schedules
# the periodic jobs): well under the shortest period (1 minute), so no slot is ever skipped.
IDLE_WAIT_SECONDS = 10
MAINTENANCE_SECONDS = 30


class ConsoleWorker(Worker):
    """A forking worker; each job's memory goes back to the OS when its work horse exits."""

    flask_app: Flask

    @property
    def dequeue_timeout(self) -> int:
        return IDLE_WAIT_SECONDS

    def heartbeat(self, timeout: int | None = None, pipeline=None):
        """Also register again when Redis lost the worker's record (a restart without persistence,
        a flush): otherwise the health check and the Jobs page would count one worker too few."""
        if pipeline is None and not self.connection.sismember(REDIS_WORKER_KEYS, self.key):
            log.warning("worker %s: its registration was lost in Redis; registering again", self.name)
            self.connection.delete(self.key)
            self.register_birth()
        super().heartbeat(timeout, pipeline)

    def main_work_horse(self, job, queue):
        with self.flask_app.app_context():
            # The parent's pooled connections must not be shared with the forked child.
            db.engine.dispose(close=False)
            super().main_work_horse(job, queue)

    def run_maintenance_tasks(self):
        super().run_maintenance_tasks()
        with self.flask_app.app_context():
            schedule_periodic_jobs(self.connection, now=utcnow())


def make_worker(
    app: Flask, queues: list[str], *, maintenance_interval: int = MAINTENANCE_SECONDS
) -> ConsoleWorker:
    with app.app_context():
        worker = ConsoleWorker(
            [get_queue(q) for q in queues],
            connection=get_redis(app),
            maintenance_interval=maintenance_interval,
        )
    worker.flask_app = app
    return worker
