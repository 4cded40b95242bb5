"""Command-line tools: `flask --app wsgi staff|audit|jobs|demo ...`."""

from __future__ import annotations

import os
import sys

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from console.db import db, utcnow
from console.domain import Role

staff_cli = AppGroup("staff", help="Manage staff accounts.")
audit_cli = AppGroup("audit", help="Check the audit trail.")
jobs_cli = AppGroup("jobs", help="Run workers and inspect the job queue.")
CLI_ACTOR = "system:cli"


@staff_cli.command("create")
@click.argument("email")
@click.option("--role", "roles", multiple=True, required=True, type=click.Choice([r.value for r in Role]))
@click.option("--name", "full_name", default=None, help="Full name (defaults to the e-mail's local part).")
@click.option(
    "--password-env",
    default="STAFF_PASSWORD",
    show_default=True,
    help="Environment variable holding the password; prompted for when it is unset.",
)
def staff_create(email: str, roles: tuple[str, ...], full_name: str | None, password_env: str) -> None:
    """Create a staff account."""
    from console.auth import services

    password = os.environ.get(password_env) or click.prompt(
        "Password", hide_input=True, confirmation_prompt=True
    )
    try:
        staff = services.create_staff(
            email=email,
            full_name=full_name or email.split("@")[0],
            roles=roles,
            password=password,
            actor=CLI_ACTOR,
            now=utcnow(),
        )
        db.session.commit()
    except services.StaffError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    click.echo(f"created {staff.email} with roles {', '.join(sorted(staff.roles))}")


@staff_cli.command("deactivate")
@click.argument("email")
def staff_deactivate(email: str) -> None:
    """Deactivate a staff account; its sessions end at once."""
    from console.auth import services

    staff = services.get_staff_by_email(email)
    if staff is None:
        raise click.ClickException(f"no staff account {email}")
    services.deactivate_staff(staff, actor=CLI_ACTOR, now=utcnow())
    db.session.commit()
    click.echo(f"deactivated {staff.email}")


@staff_cli.command("list")
def staff_list() -> None:
    """List staff accounts."""
    from sqlalchemy import select

    from console.auth.models import StaffUser

    for staff in db.session.scalars(select(StaffUser).order_by(StaffUser.email)):
        state = "active" if staff.active else "inactive"
        click.echo(f"{staff.email}\t{staff.full_name}\t{','.join(sorted(staff.roles))}\t{state}")


@audit_cli.command("verify")
@click.option(
    "--head",
    "head_text",
    default=None,
    help="A head recorded earlier, SEQ:HASH (default: the head file's last).",
)
def audit_verify(head_text: str | None) -> None:
    """Check the hash chain of the audit trail; exit 1 at the first broken or missing link, or when
    the chain no longer reaches the head recorded outside the database (its last events deleted)."""
    from console.audit import services

    try:
        head = services.Head.parse(head_text) if head_text else services.last_anchor(_head_file())
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--head") from exc
    report = services.verify(head=head)
    if report.ok:
        against = (
            f", up to the recorded head #{head.seq}"
            if head
            else " (no recorded head to check the end against)"
        )
        click.echo(f"OK: {report.checked} events, chain intact{against}")
        return
    click.echo(f"BROKEN: {report.problem} ({report.checked} events verified before it)", err=True)
    sys.exit(1)


@audit_cli.command("anchor")
def audit_anchor() -> None:
    """Append the chain's head to the head file (AUDIT_HEAD_FILE), and send it to the sink
    (AUDIT_HEAD_SINK_URL) if any; the worker does it every 5 minutes."""
    from console.audit import services, sink

    click.echo(str(services.anchor_head(_head_file(), now=utcnow())))
    sink.ship(current_app.config)


def _head_file() -> str:
    return current_app.config["AUDIT_HEAD_FILE"]


@jobs_cli.command("worker")
@click.option("--queues", default="default,reports", show_default=True)
@click.option("--burst", is_flag=True, help="Stop when the queues are empty.")
def jobs_worker(queues: str, burst: bool) -> None:
    """Run an RQ worker with the scheduler (start as many as you like, on any host)."""
    from console import redis_server
    from console.worker import make_worker

    app: Flask = current_app._get_current_object()
    if not app.config["REDIS_URL"]:
        redis_server.ensure_running(app.config["EMBEDDED_REDIS_DIR"])
    worker = make_worker(app, [q.strip() for q in queues.split(",") if q.strip()])
    worker.work(with_scheduler=True, burst=burst, logging_level="INFO")


@jobs_cli.command("ping")
@click.option("--timeout", default=30, show_default=True)
def jobs_ping(timeout: int) -> None:
    """Enqueue a no-op job and wait until a worker has run it."""
    import time

    from console.jobs import enqueue, ping

    job = enqueue(ping, "pong")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if job.get_status(refresh=True) == "finished":
            click.echo(f"a worker ran job {job.id}: {job.return_value()}")
            return
        time.sleep(0.2)
    raise click.ClickException(f"no worker ran job {job.id} within {timeout}s")


@jobs_cli.command("schedule")
def jobs_schedule() -> None:
    """Schedule the next run of every periodic job (workers also do this every minute)."""
    from console.jobs import get_redis
    from console.schedule import schedule_periodic_jobs

    for job_id in schedule_periodic_jobs(get_redis(), now=utcnow()):
        click.echo(job_id)


def register_commands(app: Flask) -> None:
    for group in (staff_cli, audit_cli, jobs_cli):
        app.cli.add_command(group)
