"""Report jobs on the `reports` queue: thin, take ids, safe to run twice."""

from __future__ import annotations

import logging

from flask_babel import force_locale

from console.db import db, utcnow
from console.jobs import job
from reports import services
from reports.workflow import describe_failure

log = logging.getLogger(__name__)


@job(queue="reports", timeout=services.JOB_TIMEOUT)
def build_report(run_id: int) -> str:
    """Build one run's PDF. A second execution finds the run no longer queued and does nothing.

    Progress is committed between steps so the console can show it. On failure the transaction
    (and the file it wrote) is rolled back and the error recorded in a fresh one; if even that is
    impossible (the database is gone) the job fails and the abandoned-runs sweep records it later.
    """
    run = services.start_run(run_id, now=utcnow())
    db.session.commit()
    if run is None:
        return "nothing to do"

    def checkpoint(percent: int) -> None:
        services.record_progress(run, percent, now=utcnow())
        db.session.commit()

    language = run.language  # read now: after a rollback the database may be gone
    try:
        services.build_run(run, clock=utcnow, progress=checkpoint)  # in the run's language
        db.session.commit()
    except Exception as exc:
        db.session.rollback()
        log.warning("report run %s failed", run_id, exc_info=True)
        with force_locale(language):  # the error is read by the requester, in the PDF's language
            error = describe_failure(exc)
        services.fail_run(run_id, error=error, now=utcnow())
        return "failed"
    return "succeeded"


@job(queue="default", timeout=120)
def mark_abandoned_runs() -> int:
    """Every minute: runs whose worker died are shown as failed, not running forever."""
    return services.mark_abandoned_runs(now=utcnow())


@job(queue="reports", timeout=120)
def request_monthly_policy_report() -> str:
    """Daily; on the first run of each month it asks for the previous month's policy report."""
    run = services.request_monthly_policy_report(now=utcnow())
    return run.reference if run else "already requested this month"
