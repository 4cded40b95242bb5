"""RQ worker for the console: app context in every job, fresh DB pool after fork, periodic jobs,
and a worker and scheduler that wait for Redis when it goes away instead of crashing."""

from __future__ import annotations

import logging
import time

from flask import Flask
from rq import Worker
from rq.scheduler import RQScheduler
from rq.worker_registration import REDIS_WORKER_KEYS

from console.db import db, utcnow
from console.jobs import REDIS_ERRORS, get_queue, get_redis
from console.schedule import schedule_periodic_jobs

log = logging.getLogger(__name__)


# An idle worker waits this long for a job before it looks at its maintenance (which schedules
# the periodic jobs): well under the shortest period (1 minute), so no slot is ever skipped.
IDLE_WAIT_SECONDS = 10
MAINTENANCE_SECONDS = 30
# While Redis does not answer, the scheduler tries again after 1, 2, 4… seconds, at most this long.
REDIS_RETRY_MAX_SECONDS = 10


class ConsoleScheduler(RQScheduler):
    """RQ's scheduler (its own process, forked by the worker) that outlives a Redis outage.

    RQ's loop lets a connection error end the process with a traceback; the worker starts another
    one only at its next maintenance, and a Redis that lost its data has also lost the scheduler's
    registration and lock. Here an error is logged in one line, the scheduler waits and tries
    again, then registers and takes its lock again before it moves due jobs to their queues.
    """

    def work(self):
        self._install_signal_handlers()
        wait, registered = 1.0, False
        while not self._stop_requested:
            try:
                if not registered:
                    self.register_birth()
                    registered = True
                if self.should_reacquire_locks:
                    self.acquire_locks()
                self.heartbeat()
                self.enqueue_scheduled_jobs()
            except REDIS_ERRORS as error:
                log.warning("scheduler: Redis does not answer (%s); trying again in %d s", error, wait)
                registered = False
                self._forget_locks()
                self._sleep(wait)
                wait = min(wait * 2, REDIS_RETRY_MAX_SECONDS)
                continue
            if wait > 1:
                log.warning(
                    "scheduler: Redis answers again; locks held for %s", ", ".join(self.acquired_locks)
                )
            wait = 1.0
            self._sleep(self.interval)
        try:
            self.stop()
        except REDIS_ERRORS:
            log.warning("scheduler: stopped without releasing its locks (Redis does not answer)")

    def heartbeat(self):
        """Also register again when Redis lost the scheduler's record (RQ's heartbeat takes an
        expired lock again, but would leave the record without its pid and start time)."""
        if not self.connection.exists(self.key):
            log.warning("scheduler: its registration was lost in Redis; registering again")
            self.register_birth()
        super().heartbeat()

    def _forget_locks(self) -> None:
        """After an outage the locks may have expired or vanished: take them again when Redis is back."""
        self._acquired_locks = set()
        self._scheduled_job_registries = []
        self.lock_acquisition_time = None
        self._status = self.Status.STARTED

    def _sleep(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while not self._stop_requested and time.monotonic() < deadline:
            time.sleep(min(0.2, seconds))


class ConsoleWorker(Worker):
    """A forking worker; each job's memory goes back to the OS when its work horse exits."""

    flask_app: Flask
    max_connection_wait_time = REDIS_RETRY_MAX_SECONDS  # back within seconds of Redis, not a minute

    @property
    def dequeue_timeout(self) -> int:
        return IDLE_WAIT_SECONDS

    def heartbeat(self, timeout: int | None = None, pipeline=None):
        """Also register again when Redis lost the worker's record (a restart without persistence,
        a flush): otherwise the health check and the Jobs page would count one worker too few; and
        schedule the periodic jobs again at once, since they were lost too."""
        if pipeline is not None:
            super().heartbeat(timeout, pipeline)
            return
        try:
            if not self.connection.sismember(REDIS_WORKER_KEYS, self.key):
                log.warning("worker %s: its registration was lost in Redis; registering again", self.name)
                self.connection.delete(self.key)
                self.register_birth()
                self.last_cleaned_at = None  # the schedule went with it: maintenance at once
            super().heartbeat(timeout, pipeline)
        except REDIS_ERRORS as error:  # RQ's loop would quit; its dequeue waits for Redis instead
            log.warning("worker %s: heartbeat not sent, Redis does not answer (%s)", self.name, error)

    def execute_job(self, job, queue):
        try:
            super().execute_job(job, queue)
        except REDIS_ERRORS as error:
            # The job's outcome could not be recorded; a report run is then failed by its sweep.
            log.warning(
                "worker %s: job %s not recorded, Redis does not answer (%s)", self.name, job.id, error
            )

    def _start_scheduler(self, burst=False, logging_level="INFO", date_format=None, log_format=None):
        """RQ's own start, with the scheduler above (RQ has no setting for the class)."""
        options = {k: v for k, v in (("date_format", date_format), ("log_format", log_format)) if v}
        self.scheduler = ConsoleScheduler(
            self.queues,
            connection=self.connection,
            logging_level=logging_level if logging_level is not None else self.log.level,
            serializer=self.serializer,
            **options,
        )
        self.scheduler.acquire_locks()
        if not self.scheduler.acquired_locks:
            return
        if burst:
            try:
                self.scheduler.register_birth()
                self.scheduler.enqueue_scheduled_jobs()
            finally:
                self.scheduler.release_locks()
                self.scheduler.register_death()
        else:
            self.scheduler.start()

    def check_for_suspension(self, burst: bool):
        # RQ's loop quits on an error here; the wait for Redis belongs to the dequeue below.
        try:
            super().check_for_suspension(burst)
        except REDIS_ERRORS as error:
            log.warning("worker %s: Redis does not answer (%s)", self.name, error)

    def set_state(self, state, pipeline=None):
        try:
            super().set_state(state, pipeline)
        except REDIS_ERRORS as error:
            log.warning("worker %s: state %s not saved, Redis does not answer (%s)", self.name, state, error)

    def unsubscribe(self):
        """RQ's, with the wait for the pub/sub thread bounded: redis-py 8 may otherwise wait out
        the thread's 60 s poll when the unsubscription lands first; and quiet when Redis is gone."""
        if not self.pubsub_thread:
            return
        try:
            self.pubsub.unsubscribe()
        except REDIS_ERRORS as error:
            log.warning("worker %s: not unsubscribed, Redis does not answer (%s)", self.name, error)
        self.pubsub_thread.stop(timeout=2)
        self.pubsub.close()

    def main_work_horse(self, job, queue):
        with self.flask_app.app_context():
            # The parent's pooled connections must not be shared with the forked child.
            db.engine.dispose(close=False)
            super().main_work_horse(job, queue)

    def run_maintenance_tasks(self):
        """RQ's maintenance (which restarts a scheduler process that died), then the periodic jobs.
        While Redis does not answer, it is tried again at the next pass instead of ending the worker."""
        try:
            super().run_maintenance_tasks()
            with self.flask_app.app_context():
                schedule_periodic_jobs(self.connection, now=utcnow())
        except REDIS_ERRORS as error:
            log.warning("worker %s: maintenance postponed, Redis does not answer (%s)", self.name, error)


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
