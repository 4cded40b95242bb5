"""`flask reports build KIND [--period YYYY-MM] [--provider REF] --out FILE`: a report built
synchronously through the same builders as the console's jobs (automation, tests)."""

from __future__ import annotations

import calendar
from datetime import date

import click
from flask.cli import AppGroup

from console.db import db, utcnow
from console.domain import DomainError, ngettext
from console.files import services as files
from console.validation import parse_reference
from reports import services
from reports.workflow import ReportKind

reports_cli = AppGroup("reports", help="Compliance reports.")
CLI_ACTOR = "system:cli"


def _period(value: str | None) -> dict:
    if not value:  # the last full month
        today = utcnow().date()
        end = today.replace(day=1).toordinal() - 1
        last = date.fromordinal(end)
        return {"starts_on": last.replace(day=1).isoformat(), "ends_on": last.isoformat()}
    try:
        year, month = (int(part) for part in value.split("-"))
        days = calendar.monthrange(year, month)[1]
    except (ValueError, calendar.IllegalMonthError) as exc:
        raise click.BadParameter("a month such as 2026-11", param_hint="--period") from exc
    return {"starts_on": date(year, month, 1).isoformat(), "ends_on": date(year, month, days).isoformat()}


@reports_cli.command("build")
@click.argument("kind", type=click.Choice([k.value for k in ReportKind]))
@click.option("--period", help="Month (YYYY-MM) of a period report; the last full month by default.")
@click.option("--provider", help="Provider reference (PRV-000123) of a dossier.")
@click.option("--days", type=int, help="Window of the insurance expiry report.")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, writable=True))
def build(kind: str, period: str | None, provider: str | None, days: int | None, out: str) -> None:
    """Build one report now and write its PDF to OUT."""
    report = ReportKind(kind)
    parameters: dict = {}
    if report in (ReportKind.POLICY_COMPLIANCE, ReportKind.COMPLAINTS):
        parameters = _period(period)
    elif report == ReportKind.PROVIDER_DOSSIER:
        key = parse_reference(provider or "", "PRV")
        if key is None:
            raise click.BadParameter("a provider reference such as PRV-000123", param_hint="--provider")
        parameters = {"provider_id": key}
    elif report == ReportKind.INSURANCE_EXPIRY and days is not None:
        parameters = {"days": days}
    try:
        run = services.build_now(report, parameters=parameters, actor=CLI_ACTOR, clock=utcnow)
        data = files.read_bytes(run.file)
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    with open(out, "wb") as target:
        target.write(data)
    pages = ngettext("%(num)s page", "%(num)s pages", run.page_count)
    click.echo(f"{run.reference}: {pages}, {len(data):,} bytes, written to {out}")
