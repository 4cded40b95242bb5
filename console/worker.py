"""RQ worker for the console: app context in every job, fresh DB pool after fork, periodic jobs."""

from __future__ import annotations

import logging

from flask import Flask
from rq import Worker

from console.db import db, utcnow
from console.jobs import get_queue, get_redis
from console.schedule import schedule_periodic_jobs

log = logging.getLogger(__name__)


class ConsoleWorker(Worker):
    """A forking worker; each job's memory goes back to the OS when its work horse exits."""

    flask_app: Flask

    def main_work_horse(self, job, queue):
        with self.flask_app.app_context():
            # The parent's pooled connections must not be shared with the forked child.
            db.engine.dispose(close=False)
            super().main_work_horse(job, queue)

    def run_maintenance_tasks(self):
        super().run_maintenance_tasks()
        with self.flask_app.app_context():
            schedule_periodic_jobs(self.connection, now=utcnow())


def make_worker(app: Flask, queues: list[str], *, maintenance_interval: int = 60) -> ConsoleWorker:
    with app.app_context():
        worker = ConsoleWorker(
            [get_queue(q) for q in queues],
            connection=get_redis(app),
            maintenance_interval=maintenance_interval,
        )
    worker.flask_app = app
    return worker
