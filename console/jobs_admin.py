"""The jobs page: queued, running, scheduled, finished and failed jobs, with retry."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import flash, redirect, request, url_for
from flask_admin import expose
from flask_login import current_user
from rq import Worker
from rq.exceptions import InvalidJobOperation, NoSuchJobError
from rq.job import Job
from rq.registry import (
    FailedJobRegistry,
    FinishedJobRegistry,
    ScheduledJobRegistry,
    StartedJobRegistry,
)

from console.admin_base import ConsoleBaseView
from console.audit import services as audit
from console.db import db
from console.domain import Role
from console.i18n import gettext as _
from console.i18n import lazy_gettext as _l
from console.jobs import QUEUES, REDIS_ERRORS, get_queue, get_redis

SHOWN = 50


@dataclass(frozen=True)
class JobRow:
    id: str
    queue: str
    state: str
    func: str
    enqueued_at: datetime | None
    started_at: datetime | None
    ended_at: datetime | None
    error: str | None


def _row(job: Job, queue: str, state: str) -> JobRow:
    error = None
    if state == "failed":
        result = job.latest_result()
        error = (result.exc_string if result else None) or _("no traceback kept")
    return JobRow(
        job.id, queue, state, job.func_name or "?", job.enqueued_at, job.started_at, job.ended_at, error
    )


def _jobs(queue_name: str) -> dict[str, list[JobRow]]:
    queue = get_queue(queue_name)
    connection = queue.connection
    registries = {
        "running": StartedJobRegistry(queue=queue),
        "scheduled": ScheduledJobRegistry(queue=queue),
        "failed": FailedJobRegistry(queue=queue),
        "finished": FinishedJobRegistry(queue=queue),
    }
    rows = {"queued": [_row(j, queue_name, "queued") for j in queue.get_jobs(0, SHOWN - 1)]}
    for state, registry in registries.items():
        ids = registry.get_job_ids(0, SHOWN - 1, desc=state in {"failed", "finished"})
        jobs = [j for j in Job.fetch_many(ids, connection=connection) if j is not None]
        rows[state] = [_row(j, queue_name, state) for j in jobs]
    return rows


class JobsView(ConsoleBaseView):
    roles = frozenset({Role.MANAGER, Role.ADMIN})

    @expose("/")
    def index(self):
        try:
            per_queue = {name: _jobs(name) for name in QUEUES}
            workers = Worker.all(connection=get_redis())
        except REDIS_ERRORS as exc:
            return self.render(
                "console/jobs.html",
                error=_("The job queue (Redis) does not answer. Jobs wait until it is back."),
                error_detail=str(exc),
                per_queue={},
                workers=[],
            )
        return self.render(
            "console/jobs.html", error=None, error_detail=None, per_queue=per_queue, workers=workers
        )

    @expose("/retry", methods=["POST"])
    def retry(self):
        job_id, queue_name = request.form.get("job_id", ""), request.form.get("queue", "")
        if queue_name not in QUEUES or not job_id or len(job_id) > 200:
            flash(_("Unknown job."), "danger")
            return redirect(url_for(".index"))
        try:
            FailedJobRegistry(queue=get_queue(queue_name)).requeue(job_id)
        except InvalidJobOperation:  # it exists, but did not fail in that queue
            flash(_("Job %(job)s is not among the failed jobs of that queue.", job=job_id), "danger")
            return redirect(url_for(".index"))
        except (NoSuchJobError, ValueError):
            flash(_("The job could not be retried: it is no longer in the failed jobs."), "danger")
            return redirect(url_for(".index"))
        except REDIS_ERRORS:
            flash(_("The job could not be retried: the job queue (Redis) does not answer."), "danger")
            return redirect(url_for(".index"))
        audit.record(current_user, "jobs.retry", object_type="Job", object_id=job_id)
        db.session.commit()
        flash(_("Job %(job)s is queued again.", job=job_id), "success")
        return redirect(url_for(".index"))


def register(admin) -> None:
    admin.add_view(JobsView(name=_l("Jobs"), endpoint="jobs", category=_l("Administration")))
