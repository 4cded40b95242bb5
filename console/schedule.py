"""The one list of periodic jobs. Each run has a fixed id, so scheduling twice never doubles it."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import redis
from flask import current_app
from rq import Queue

log = logging.getLogger(__name__)
PARIS = ZoneInfo("Europe/Paris")


@dataclass(frozen=True)
class Periodic:
    name: str  # fixed id stem
    func: str  # dotted path, resolved by the worker
    every: timedelta | None = None
    daily_at: time | None = None  # Paris wall-clock time
    queue: str = "default"
    timeout: int = 300

    def next_run(self, now: datetime) -> datetime:
        """The first slot strictly after `now`, in UTC."""
        if self.every is not None:
            step = int(self.every.total_seconds())
            epoch = int(now.timestamp())
            return datetime.fromtimestamp((epoch // step + 1) * step, UTC)
        local = now.astimezone(PARIS)
        candidate = datetime.combine(local.date(), self.daily_at, PARIS)
        if candidate <= local:
            candidate = datetime.combine(local.date() + timedelta(days=1), self.daily_at, PARIS)
        return candidate.astimezone(UTC)

    def upcoming(self, now: datetime) -> list[datetime]:
        """The slots to hold in the scheduler now: the next two of a frequent job (so a maintenance
        pass that comes late never leaves a slot empty), the next one of a daily job."""
        first = self.next_run(now)
        return [first, self.next_run(first)] if self.every is not None else [first]

    def previous_run(self, now: datetime) -> datetime | None:
        """A daily job's latest slot at or before `now` (None for frequent jobs)."""
        if self.daily_at is None:
            return None
        return self.next_run(now - timedelta(days=1))

    def job_id(self, run_at: datetime) -> str:
        return f"periodic-{self.name.replace('.', '_')}-{run_at:%Y%m%dT%H%M%SZ}"


PERIODIC_JOBS: list[Periodic] = [
    Periodic(
        "notifications.deliver_pending",
        "console.notifications.jobs.deliver_pending",
        every=timedelta(minutes=1),
    ),
    # Reports: runs whose worker died show as failed within minutes; the previous month's policy
    # compliance report is requested on the first run of each month (daily, idempotent).
    Periodic("reports.mark_abandoned_runs", "reports.jobs.mark_abandoned_runs", every=timedelta(minutes=1)),
    Periodic(
        "reports.monthly_policy_report",
        "reports.jobs.request_monthly_policy_report",
        daily_at=time(5, 30),
        queue="reports",
    ),
    Periodic("audit.anchor_head", "console.audit.jobs.anchor_head", every=timedelta(minutes=5)),
    # The home page's charts, measured before their cached figures expire (console.home).
    Periodic("home.refresh_charts", "console.home.refresh_charts", every=timedelta(minutes=4)),
    Periodic(
        "insurance.refresh_expiry_board", "insurance.jobs.refresh_expiry_board", every=timedelta(minutes=5)
    ),
    Periodic("files.sweep_orphans", "console.files.jobs.sweep_orphans", daily_at=time(3, 45), timeout=900),
    Periodic(
        "retention.purge_submission_tokens", "console.submissions.purge_used_tokens", daily_at=time(3, 20)
    ),
    Periodic("retention.purge_security_logs", "console.auth.jobs.purge_security_logs", daily_at=time(3, 15)),
    Periodic(
        "retention.purge_access_log",
        "console.access_log.jobs.purge_access_log",
        daily_at=time(3, 25),
        timeout=900,
    ),
    Periodic("api.purge_idempotency_keys", "api.jobs.purge_idempotency_keys", daily_at=time(3, 20)),
    Periodic("insurance.sweep_policies", "insurance.jobs.sweep_policies", daily_at=time(6, 0)),
    Periodic("insurance.resume_sweeps", "insurance.jobs.resume_sweeps", every=timedelta(minutes=10)),
    # Reminders claimed by a sweep whose follow-up job was lost are written on the next pass.
    Periodic("insurance.write_reminders", "insurance.jobs.write_reminders", every=timedelta(minutes=5)),
    Periodic(
        "insurance.reconcile_cover", "insurance.jobs.reconcile_cover", daily_at=time(3, 40), timeout=900
    ),
    Periodic("disputes.sweep_sla", "disputes.complaints.jobs.sweep_sla", every=timedelta(minutes=5)),
    Periodic("disputes.scan_reviews", "reviews.jobs.scan_reviews", every=timedelta(minutes=10)),
    Periodic(
        "disputes.auto_close_resolved", "disputes.complaints.jobs.auto_close_resolved", daily_at=time(4, 30)
    ),
    Periodic("vetting.sweep_cases", "vetting.jobs.sweep_cases", daily_at=time(6, 20)),
    Periodic("satisfaction.ask", "portal.jobs.ask_satisfaction", every=timedelta(hours=1)),
    # Webhooks: events a lost job left, and retries that are due (each also has its own timed job).
    # Policy announcements whose worker died mid-chunk carry on from their cursor.
    Periodic("policy.resume_campaigns", "policy.jobs.resume_campaigns", every=timedelta(minutes=1)),
    Periodic("webhooks.deliver_due", "api.webhooks.jobs.deliver_due", every=timedelta(minutes=1)),
    Periodic("vetting.purge_retention", "vetting.jobs.purge_retention", daily_at=time(3, 30), timeout=900),
]


CLAIM_MARGIN = timedelta(days=2)  # a claim outlives its slot, so a past slot is known as handled


def schedule_periodic_jobs(
    connection: redis.Redis, *, now: datetime, jobs: list[Periodic] | None = None
) -> list[str]:
    """Schedule the upcoming runs of every periodic job, and catch up once on a daily job whose
    last slot passed unscheduled (workers down, or Redis lost its data); return the ids queued.

    Any number of workers may call this at once: a SET NX claim per run id lets one win.
    """
    scheduled = []
    for periodic in PERIODIC_JOBS if jobs is None else jobs:
        for run_at in periodic.upcoming(now):
            if _claim(connection, periodic.job_id(run_at), until=run_at, now=now):
                _enqueue(connection, periodic, run_at)
                scheduled.append(periodic.job_id(run_at))
        missed = periodic.previous_run(now)
        if missed is not None and _claim(connection, periodic.job_id(missed), until=missed, now=now):
            log.warning("catching up %s, missed at %s", periodic.name, missed.isoformat())
            _enqueue(connection, periodic, None, job_id=periodic.job_id(missed))
            scheduled.append(periodic.job_id(missed))
    if scheduled:
        log.info("scheduled %s", ", ".join(scheduled))
    return scheduled


def _claim(connection: redis.Redis, job_id: str, *, until: datetime, now: datetime) -> bool:
    """Whether this caller is the first to hold run `job_id` (the claim lasts past the slot)."""
    ttl = max(60, int((until + CLAIM_MARGIN - now).total_seconds()))
    return bool(connection.set(f"ekoklean:periodic-claim:{job_id}", "1", nx=True, ex=ttl))


def _enqueue(connection: redis.Redis, periodic: Periodic, run_at: datetime | None, job_id: str = "") -> None:
    """Queue the run at `run_at`, or now when catching up."""
    queue = Queue(periodic.queue, connection=connection)
    options = {
        "job_id": job_id or periodic.job_id(run_at),
        "job_timeout": periodic.timeout,
        "result_ttl": current_app.config["JOB_RESULT_TTL"],
        "failure_ttl": current_app.config["JOB_FAILURE_TTL"],
    }
    if run_at is None:
        queue.enqueue(periodic.func, **options)
    else:
        queue.enqueue_at(run_at, periodic.func, **options)
