"""Report timings for `make bench`: (1) for last month, (2) for every provider, (5) for one provider
(budgeted), then (3) and (4) for information.

Each run goes through the real path: requested through the service, enqueued, built by a forking
`flask jobs worker --burst` process (the PDF is rendered in the work horse, as in production).
Prints the job's time (started to finished, in the work horse), its build and render split, the
pages, the PDF size and the work horse's peak memory (its own ru_maxrss, recorded by the job), and
the worker process tree's peak RSS (wait4's resource usage of the worker process).
"""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
import tempfile
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOSSIER_PROVIDER_ID = 123
BUDGETS = {  # seconds, peak memory in MiB (None: not budgeted)
    "policy_compliance": (30.0, None),
    "provider_register": (60.0, 600.0),
    "provider_dossier": (5.0, None),
    "insurance_expiry": (None, None),  # not budgeted by the issue: timed for information
    "complaints": (None, None),
}


def _redis_url(app) -> tuple[str, str | None]:
    """The app's Redis, or an embedded server started for the bench (its directory to stop it)."""
    if app.config["REDIS_URL"]:
        return app.config["REDIS_URL"], None
    from console import redis_server

    directory = tempfile.mkdtemp(prefix="ekb-", dir="/tmp")
    return redis_server.ensure_running(directory), directory


def _request(kind, parameters):
    from console.auth import services as staff
    from console.db import db, utcnow
    from reports import services
    from reports.workflow import ReportKind

    actor = staff.get_staff_by_email("bench-manager@bench.ekoklean.fr")
    run = services.request_report(ReportKind(kind), parameters=parameters, actor=actor, now=utcnow())
    db.session.commit()
    return run.id


def _work(env: dict[str, str]) -> float:
    """Run a forking worker until the reports queue is empty; the peak RSS (MiB) of that worker
    process tree (worker and work horse), from wait4's resource usage of this child only."""
    command = [
        sys.executable,
        "-m",
        "flask",
        "--app",
        "wsgi",
        "jobs",
        "worker",
        "--queues",
        "reports",
        "--burst",
    ]
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log)  # noqa: S603
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            log.seek(0)
            raise SystemExit(f"the report worker failed:\n{log.read().decode()[-3000:]}")
    return usage.ru_maxrss / 1024


def _noncompliant_share(run) -> str:
    from flask_babel import force_locale
    from pypdf import PdfReader

    from console.domain import _
    from console.files.services import _path

    reader = PdfReader(io.BytesIO(_path(run.file.storage_name).read_bytes()))
    (data,) = (files[0] for files in reader.attachments.values())
    # The CSV is in the French spreadsheet form and the run's language (";", byte-order mark).
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    with force_locale(run.language):
        compliant, no = _("compliant"), _("no")
    exceptions = sum(1 for row in rows if row[compliant] == no)
    share = 100 * exceptions / max(len(rows), 1)
    return f"{len(rows):,} active providers in the CSV, {exceptions:,} not fully compliant ({share:.1f} %)"


NONCOMPLIANT_SHARE = 0.20  # the register is also timed with this share of active providers uncovered
BACKUP = "bench_cover_backup"


def restore_cover() -> None:
    """Put back the cover periods a register run at 20 % shortened (also after an interrupted run)."""
    import sqlalchemy as sa

    from console.db import db

    if not sa.inspect(db.engine).has_table(BACKUP):
        return
    db.session.execute(sa.text(
        "UPDATE insurance_cover c SET ends_on = b.ends_on FROM bench_cover_backup b "
        "WHERE c.provider_id = b.provider_id AND c.starts_on = b.starts_on"
    ))  # fmt: skip
    db.session.execute(sa.text(f"DROP TABLE {BACKUP}"))
    db.session.commit()


def shorten_cover(day) -> int:
    """End the cover of enough approved, covered providers two days before `day` for the share of
    active providers without cover to reach NONCOMPLIANT_SHARE; the originals kept in BACKUP.
    Returns the number of providers whose cover was shortened."""
    import math

    import sqlalchemy as sa

    from console.db import db

    restore_cover()
    approved = db.session.scalar(sa.text("SELECT count(*) FROM provider WHERE vetting_status = 'approved'"))
    covering = (
        "FROM insurance_cover c JOIN provider p ON p.id = c.provider_id "
        "WHERE p.vetting_status = 'approved' AND c.starts_on <= :day AND c.ends_on >= :day"
    )
    covered = db.session.scalar(sa.text(f"SELECT count(DISTINCT c.provider_id) {covering}"), {"day": day})
    wanted = max(0, math.ceil(NONCOMPLIANT_SHARE * approved) - (approved - covered))
    db.session.execute(sa.text(
        f"CREATE TABLE {BACKUP} AS SELECT c.provider_id, c.starts_on, c.ends_on {covering} "
        f"AND c.provider_id IN (SELECT DISTINCT c.provider_id {covering} ORDER BY 1 LIMIT :n)"
    ), {"day": day, "n": wanted})  # fmt: skip
    db.session.execute(sa.text(
        "UPDATE insurance_cover c SET ends_on = :ended FROM bench_cover_backup b "
        "WHERE c.provider_id = b.provider_id AND c.starts_on = b.starts_on"
    ), {"ended": day - timedelta(days=2)})  # fmt: skip
    db.session.commit()
    return wanted


def run_reports(app, env: dict[str, str]) -> list[str]:
    """Build the three budgeted reports on a forked worker; print their figures; return failures."""
    from console.business_time import paris_today
    from console.db import db, utcnow
    from reports.models import ReportRun

    redis_url, embedded = _redis_url(app)
    env = env | {"REDIS_URL": redis_url, "FILES_DIR": app.config["FILES_DIR"]}
    app.config["REDIS_URL"] = redis_url
    app.extensions.pop("console_redis", None)
    today = paris_today(utcnow())
    end = today.replace(day=1) - timedelta(days=1)
    wanted = [
        ("policy_compliance", {"starts_on": end.replace(day=1).isoformat(), "ends_on": end.isoformat()}),
        ("provider_register", {}),
        ("provider_register", {"noncompliant": NONCOMPLIANT_SHARE}),
        ("provider_dossier", {"provider_id": DOSSIER_PROVIDER_ID}),
        ("insurance_expiry", {"days": 30}),
        ("complaints", {"starts_on": end.replace(day=1).isoformat(), "ends_on": end.isoformat()}),
    ]
    failures, rows = [], []
    try:
        for kind, parameters in wanted:
            share = parameters.pop("noncompliant", None)
            with app.app_context():
                if share is not None:
                    shortened = shorten_cover(today)
                    print(f"register at {share:.0%} not compliant: cover of {shortened:,} providers ended")
                run_id = _request(kind, parameters)
            try:
                children_peak = _work(env)
            finally:
                if share is not None:
                    with app.app_context():
                        restore_cover()
            with app.app_context():
                run = db.session.get(ReportRun, run_id)
                if run.status.value != "succeeded":
                    failures.append(f"REPORT FAILED: {kind}: {run.error}")
                    continue
                seconds = (run.finished_at - run.started_at).total_seconds()
                peak = run.peak_memory_kib / 1024
                extra = _noncompliant_share(run) if kind == "provider_register" else ""
                rows.append((kind, seconds, run.build_seconds, run.render_seconds, run.page_count,
                             run.byte_size, peak, children_peak, extra))  # fmt: skip
                limit, memory = BUDGETS[kind]
                if limit is not None and seconds > limit:
                    failures.append(f"SLOW: report {kind} took {seconds:.1f} s > {limit:.0f} s")
                if memory is not None and peak > memory:
                    failures.append(f"MEMORY: report {kind} peaked at {peak:.0f} MiB > {memory:.0f} MiB")
                db.session.remove()
    finally:
        if embedded:
            from console import redis_server

            redis_server.stop(embedded)
    print("\nreports, each built by a forking `jobs worker --burst` (time = job started to finished)")
    header = ("report", "seconds", "build", "render", "pages", "KiB", "horse MiB", "worker MiB")
    print("{:<20} {:>8} {:>7} {:>7} {:>6} {:>7} {:>10} {:>13}".format(*header))
    for kind, seconds, build, render, pages, size, peak, children, extra in rows:
        figures = f"{seconds:>8.2f} {build:>7.2f} {render:>7.2f} {pages:>6} {size // 1024:>7}"
        print(f"{kind:<20} {figures} {peak:>10.0f} {children:>13.0f}  {extra}")
    return failures
