"""Report use cases: request, retry, build (called by the job), fail, sweep abandoned runs, download.

The acting person is a parameter; services flush and never commit. The job that builds a report
commits its progress between steps (so the console can show it) and its outcome at the end.
"""

from __future__ import annotations

import resource
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from time import perf_counter
from typing import Any

import redis
import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from rq.defaults import DEFAULT_JOB_MONITORING_INTERVAL
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus
from rq.registry import StartedJobRegistry

from console.audit import services as audit
from console.business_time import PARIS, paris_today
from console.db import db
from console.domain import DomainError, QueueUnavailable, _, ngettext
from console.files import services as files
from console.formatting import format_datetime, supported_language
from console.jobs import REDIS_ERRORS, enqueue_after_commit, ensure_available, get_queue, get_redis
from insurance import reporting as insurance
from marketplace import reporting as marketplace
from marketplace.models import Provider
from reports import builders
from reports import workflow as wf
from reports.models import ReportRun
from reports.render import render_pdf
from reports.workflow import ReportKind, RunStatus

BUILD_ACTOR = "system:reports-build"
MONTHLY_ACTOR = "system:reports-monthly"
SWEEP_ACTOR = "system:reports-sweep"
JOB_QUEUE = "reports"
JOB_TIMEOUT = 600  # seconds; the register of 50,000 providers takes well under a minute


class NotAllowed(DomainError):
    """The staff member's roles do not cover this kind of report."""


class AlreadyRetried(DomainError):
    """Another retry of the same failed run was saved first."""


def may_use(actor: Any, kind: ReportKind) -> bool:
    return isinstance(actor, str) or actor.has_any_role(wf.KIND_ROLES[kind])


# --- requesting ---------------------------------------------------------------------------------


def _parse_day(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError as exc:
        raise wf.InvalidParameters(_("Dates are written YYYY-MM-DD.")) from exc


def check_parameters(kind: ReportKind, raw: dict[str, Any], *, today: date) -> dict[str, Any]:
    """The parameters a run keeps (JSON), checked; raise InvalidParameters with a clear message."""
    if kind in wf.PERIOD_KINDS:
        period = wf.check_period(
            _parse_day(raw.get("starts_on")), _parse_day(raw.get("ends_on")), today=today
        )
        return {"starts_on": period.starts_on.isoformat(), "ends_on": period.ends_on.isoformat()}
    if kind == ReportKind.INSURANCE_EXPIRY:
        days = raw.get("days")
        window = insurance.EXPIRING_WITHIN_DAYS  # the expiry board's window: default and maximum
        return {"days": wf.check_days(window if days is None else days, maximum=window)}
    if kind == ReportKind.PROVIDER_DOSSIER:
        provider_id = raw.get("provider_id")
        if not isinstance(provider_id, int) or db.session.get(Provider, provider_id) is None:
            raise builders.UnknownProvider(_("There is no provider with this reference."))
        return {"provider_id": provider_id}
    if kind == ReportKind.SUBJECT_ACCESS:
        found = marketplace.person_by_reference(str(raw.get("subject_reference") or "").strip().upper())
        if found is None:
            raise builders.UnknownProvider(_("There is no client or provider with this reference."))
        return {"subject_type": found[0], "subject_id": found[1]}
    return {}


def request_report(kind: ReportKind, *, parameters: dict[str, Any], actor: Any, now: datetime) -> ReportRun:
    """Create a queued run and enqueue its job after commit; refuse if the queue is down."""
    if not may_use(actor, kind):
        raise NotAllowed(_("Your role does not allow this report."))
    checked = check_parameters(kind, parameters, today=paris_today(now))
    ensure_available()  # before anything is written: a refused request leaves nothing behind
    ensure_within_rate(actor, now=now)
    return _new_run(kind, checked, actor=actor, now=now)


class TooManyRequests(DomainError):
    """A person asked for more reports in a minute than the console builds for one person."""


def ensure_within_rate(actor: Any, *, now: datetime) -> None:
    """Count the staff member's requests in the current minute (a Redis counter that expires);
    refuse above `REPORT_REQUESTS_PER_MINUTE`. Scheduled runs (a system actor) are not counted."""
    limit = current_app.config.get("REPORT_REQUESTS_PER_MINUTE", 10)
    if isinstance(actor, str) or not limit:
        return
    key = f"reports:requests:{actor.id}:{int(now.timestamp()) // 60}"
    try:
        pipe = get_redis().pipeline()
        pipe.incr(key)
        pipe.expire(key, 120)
        count = pipe.execute()[0]
    except REDIS_ERRORS:
        raise QueueUnavailable(
            _("The job queue did not answer; nothing was requested. Try again in a minute.")
        ) from None
    if count > limit:
        raise TooManyRequests(
            ngettext(
                "You have asked for %(num)s report in the last minute, the most one person may. "
                "Wait a minute before asking for another.",
                "You have asked for %(num)s reports in the last minute, the most one person may. "
                "Wait a minute before asking for another.",
                limit,
            )
        )


def requester_language(actor: Any) -> str:
    """The language of the PDF: the requesting staff member's; the console's default for a scheduled run."""
    language = getattr(actor, "language", None) if not isinstance(actor, str) else None
    return supported_language(language or current_app.config.get("DEFAULT_LANGUAGE"))


def _new_run(
    kind: ReportKind,
    parameters: dict,
    *,
    actor: Any,
    now: datetime,
    retry_of: ReportRun | None = None,
    enqueue: bool = True,
) -> ReportRun:
    from reports import jobs  # the job module imports this one

    actor_id, label = audit.actor_label(actor)
    run = ReportRun(
        kind=kind,
        parameters=parameters,
        status=RunStatus.QUEUED,
        progress=0,
        requested_by_id=actor_id,
        requested_by=label,
        language=requester_language(actor),
        requested_at=now,
        attempt=retry_of.attempt + 1 if retry_of else 1,
        retry_of=retry_of,
        job_id=f"report-{secrets.token_hex(12)}",
    )
    db.session.add(run)
    db.session.flush()
    audit.record(
        actor,
        "report.retry" if retry_of else "report.request",
        run,
        changes={"kind": kind.value, "parameters": parameters, "retry_of": retry_of.id if retry_of else None},
        now=now,
    )
    if enqueue:
        enqueue_after_commit(jobs.build_report, run.id, job_id=run.job_id)
    return run


def build_now(
    kind: ReportKind, *, parameters: dict[str, Any], actor: Any, clock: Callable[[], datetime]
) -> ReportRun:
    """Build a report in this process, through the same builders as the job (the command line's
    `reports build`): no queue, no rate limit. The run is recorded like any other."""
    now = clock()
    checked = check_parameters(kind, parameters, today=paris_today(now))
    run = _new_run(kind, checked, actor=actor, now=now, enqueue=False)
    run = start_run(run.id, now=now)
    build_run(run, clock=clock, progress=lambda percent: None)
    return run


def retry_run(run: ReportRun, *, actor: Any, now: datetime) -> ReportRun:
    """A failed run is tried again as a new attempt; the failed one is kept as it was."""
    if not may_use(actor, run.kind):
        raise NotAllowed(_("Your role does not allow this report."))
    retried = db.session.scalar(sa.select(sa.func.count()).where(ReportRun.retry_of_id == run.id))
    wf.ensure_retryable(run.status, bool(retried))
    ensure_available()
    ensure_within_rate(actor, now=now)
    try:
        with db.session.begin_nested():
            return _new_run(run.kind, dict(run.parameters), actor=actor, now=now, retry_of=run)
    except sa.exc.IntegrityError as exc:  # another manager's retry of the same run committed first
        raise AlreadyRetried(
            _(
                "Someone else retried %(reference)s at the same moment; reload to follow their attempt.",
                reference=run.reference,
            )
        ) from exc


# --- building (the job) --------------------------------------------------------------------------


@dataclass(frozen=True)
class Header:
    title: str
    subject: str
    kind: str
    period: str
    as_of: str
    generated_at: str
    reference: str


def start_run(run_id: int, *, now: datetime) -> ReportRun | None:
    """Mark a queued run running; None when there is nothing to do (done, failed or taken)."""
    run = db.session.get(ReportRun, run_id)
    if run is None or run.status != RunStatus.QUEUED:
        return None
    run.status = wf.next_status(run.status, "start")
    run.started_at = run.heartbeat_at = now
    run.progress = 5
    db.session.flush()
    return run


def record_progress(run: ReportRun, percent: int, *, now: datetime) -> None:
    run.progress = max(run.progress, min(percent, 99))
    run.heartbeat_at = now
    db.session.flush()


def _build(run: ReportRun, day: date, progress: Callable[[int], None]) -> builders.Built:
    p = run.parameters
    match run.kind:
        case ReportKind.POLICY_COMPLIANCE:
            period = wf.Period(date.fromisoformat(p["starts_on"]), date.fromisoformat(p["ends_on"]))
            return builders.build_policy_compliance(period, progress=progress)
        case ReportKind.COMPLAINTS:
            period = wf.Period(date.fromisoformat(p["starts_on"]), date.fromisoformat(p["ends_on"]))
            return builders.build_complaints(period, progress=progress)
        case ReportKind.PROVIDER_REGISTER:
            return builders.build_provider_register(day, progress=progress)
        case ReportKind.INSURANCE_EXPIRY:
            return builders.build_insurance_expiry(day, p["days"], progress=progress)
        case ReportKind.PROVIDER_DOSSIER:
            return builders.build_provider_dossier(p["provider_id"], day, progress=progress)
        case ReportKind.SUBJECT_ACCESS:
            return builders.build_subject_access(p["subject_type"], p["subject_id"], day, progress=progress)
    raise DomainError(f"unknown report kind {run.kind}")


def build_run(run: ReportRun, *, clock: Callable[[], datetime], progress: Callable[[int], None]) -> None:
    """Gather, render and store the report of a running run, then mark it succeeded (flushed).

    Built and rendered in the run's language (its requester's): every word, date and number.

    `progress(percent)` is called between steps; the job commits there so the console sees it.
    The PDF is written to storage before the commit and removed again if the transaction rolls
    back, so a failure at any point leaves no file and no half-finished run.
    """
    as_of = clock()
    started = perf_counter()
    language = supported_language(run.language)
    with force_locale(language):
        built = _build(run, paris_today(as_of), progress)
        build_seconds = perf_counter() - started
        progress(65)
        header = Header(
            title=run.kind.label,
            subject=built.subject,
            kind=run.kind.value,
            period=built.period,
            as_of=format_datetime(as_of),
            generated_at=format_datetime(clock()),
            reference=run.reference,
        )
        rendered = render_pdf(
            built.template,
            context={"header": header, "data": built.data},
            attachments=built.attachments,
            created=as_of,
        )
    render_seconds = perf_counter() - started - build_seconds
    progress(90)
    now = clock()
    filename = f"{run.kind.value.replace('_', '-')}-{run.reference}.pdf"
    stored = files.store_generated(
        rendered.pdf, filename, content_type="application/pdf", extension=".pdf", actor=BUILD_ACTOR, now=now
    )
    run.status = wf.next_status(run.status, "succeed")
    run.file, run.sha256, run.byte_size = stored, stored.sha256, stored.size
    run.page_count, run.progress, run.finished_at, run.data_as_of = rendered.pages, 100, now, as_of
    run.build_seconds, run.render_seconds = round(build_seconds, 3), round(render_seconds, 3)
    run.peak_memory_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    db.session.flush()
    audit.record(
        BUILD_ACTOR,
        "report.succeeded",
        run,
        changes={"sha256": run.sha256, "pages": run.page_count, "bytes": run.byte_size},
        now=now,
    )


def fail_run(run_id: int, *, error: str, now: datetime, actor: str = BUILD_ACTOR) -> bool:
    """Record a failure with its error; False when the run had already ended. Safe to run twice."""
    run = db.session.get(ReportRun, run_id)
    if run is None or run.status in wf.FINAL:
        return False
    run.status = wf.next_status(run.status, "fail")
    run.error, run.finished_at = error[:1000], now
    db.session.flush()
    audit.record(actor, "report.failed", run, changes={"error": run.error}, now=now)
    return True


# --- abandoned runs ------------------------------------------------------------------------------


def mark_abandoned_runs(*, now: datetime, connection: redis.Redis | None = None) -> int:
    """Fail the runs whose job can no longer finish: its worker died (SIGKILL, host lost), the job
    failed outside our code, or it never reached the queue. Set-based over the open runs."""
    open_runs = db.session.scalars(
        sa.select(ReportRun).where(ReportRun.status.in_([RunStatus.QUEUED, RunStatus.RUNNING]))
    ).all()
    if not open_runs:
        return 0
    connection = connection or get_redis()
    try:
        expired = set(
            StartedJobRegistry(JOB_QUEUE, connection=connection).get_expired_job_ids(now.timestamp())
        )
        jobs = dict(zip([r.job_id for r in open_runs], _fetch_jobs(open_runs, connection), strict=True))
    except REDIS_ERRORS:
        expired, jobs = set(), None  # Redis is down: only the database heartbeat can tell
    failed = 0
    for run in open_runs:
        with force_locale(supported_language(run.language)):  # the error is read by its requester
            reason = _abandoned(run, now, expired, jobs)
        if reason and fail_run(run.id, error=reason, now=now, actor=SWEEP_ACTOR):
            failed += 1
    return failed


def _fetch_jobs(runs: list[ReportRun], connection: redis.Redis) -> list[Job | None]:
    return Job.fetch_many([r.job_id for r in runs], connection=connection)


def _abandoned(
    run: ReportRun, now: datetime, expired: set[str], jobs: dict[str, Job | None] | None
) -> str | None:
    worker_died = _("Abandoned: the worker building it stopped (killed or lost) before it finished.")
    if run.job_id in expired:
        return worker_died
    if jobs is not None:
        job = jobs.get(run.job_id)
        if job is None and now - run.requested_at > wf.LOST_AFTER:
            return _("Abandoned: its job is no longer in the queue (Redis restarted or lost it).")
        status = _job_status(job) if job is not None else None
        if status in (JobStatus.FAILED, JobStatus.STOPPED, JobStatus.CANCELED):
            return worker_died if _worker_died(job) else _crashed()
        if status == JobStatus.STARTED and _silent(job, now):
            return worker_died
    last_seen = run.heartbeat_at or run.requested_at
    if run.status == RunStatus.RUNNING and now - last_seen > wf.ABANDONED_AFTER + timedelta(
        seconds=JOB_TIMEOUT
    ):
        return worker_died
    return None


# A forking worker stamps its running job's `last_heartbeat` every job-monitoring interval (30 s);
# silence well past that means worker and work horse died together (SIGKILL, host lost). RQ's own
# started-job registry only expires 90 s after the last stamp, which with the every-minute sweep
# could take 2.5 minutes; this keeps "failed within about two minutes" true.
HEARTBEAT_SILENCE = timedelta(seconds=DEFAULT_JOB_MONITORING_INTERVAL + 20)


def _silent(job: Job, now: datetime) -> bool:
    return job.last_heartbeat is not None and now - job.last_heartbeat > HEARTBEAT_SILENCE


def _crashed() -> str:
    return _(
        "Failed: the job stopped with an error before it could record one (the database may have been "
        "unreachable); its traceback is on the Jobs page. Nothing was kept; retry it."
    )


def _worker_died(job: Job) -> bool:
    """RQ's own record says the work horse was killed or abandoned (not an error in our code)."""
    result = job.latest_result()
    text = (result.exc_string if result else None) or ""
    return not text or "Work-horse terminated" in text or "AbandonedJobError" in text


def _job_status(job: Job) -> JobStatus | None:
    try:
        return job.get_status(refresh=False)
    except NoSuchJobError:
        return None


# --- scheduled ------------------------------------------------------------------------------------


def request_monthly_policy_report(*, now: datetime) -> ReportRun | None:
    """The previous month's policy compliance report, once per month whatever the number of runs."""
    today = paris_today(now)
    month_start = datetime.combine(today.replace(day=1), time.min, tzinfo=PARIS)
    already = db.session.scalar(
        sa.select(sa.func.count()).where(
            ReportRun.kind == ReportKind.POLICY_COMPLIANCE,
            ReportRun.requested_by == MONTHLY_ACTOR,
            ReportRun.requested_at >= month_start,
        )
    )
    if already:
        return None
    period = wf.previous_month(today)
    parameters = {"starts_on": period.starts_on.isoformat(), "ends_on": period.ends_on.isoformat()}
    return _new_run(ReportKind.POLICY_COMPLIANCE, parameters, actor=MONTHLY_ACTOR, now=now)


# --- reading ----------------------------------------------------------------------------------------


def visible_runs(kinds: list[ReportKind], *, limit: int = 50) -> list[ReportRun]:
    if not kinds:
        return []
    query = sa.select(ReportRun).where(ReportRun.kind.in_(kinds)).order_by(ReportRun.id.desc()).limit(limit)
    return list(db.session.scalars(query))


def retried_ids(run_ids: list[int]) -> set[int]:
    """Which of these runs were already tried again (their Retry is gone)."""
    if not run_ids:
        return set()
    query = sa.select(ReportRun.retry_of_id).where(ReportRun.retry_of_id.in_(run_ids))
    return set(db.session.scalars(query))


def open_counts(kinds: list[ReportKind]) -> dict[str, int]:
    """Runs in progress, and failed runs nobody retried yet, of these kinds (for the home page)."""
    retried = sa.select(ReportRun.retry_of_id).where(ReportRun.retry_of_id.is_not(None))
    query = (
        sa.select(ReportRun.status, sa.func.count())
        .where(
            ReportRun.kind.in_(kinds), ReportRun.status != RunStatus.SUCCEEDED, ReportRun.id.not_in(retried)
        )
        .group_by(ReportRun.status)
    )
    counts = {status.value: count for status, count in db.session.execute(query)} if kinds else {}
    return {
        "in progress": counts.get("queued", 0) + counts.get("running", 0),
        "failed": counts.get("failed", 0),
    }  # keys: the admin words them (`ReportsView.home_badge`)


def download(run: ReportRun, *, actor: Any, now: datetime):
    """The PDF as a download, after its SHA-256 is checked again; audited either way."""
    if not may_use(actor, run.kind):
        raise NotAllowed(_("Your role does not allow this report."))
    if run.status != RunStatus.SUCCEEDED or run.file is None:
        raise DomainError(_("This report has no file: it is not finished or it failed."))
    return files.send_verified(run.file, actor=actor, purpose=f"report {run.reference}", now=now)


def queue_depth() -> int | None:
    try:
        return get_queue(JOB_QUEUE).count
    except REDIS_ERRORS:
        return None
