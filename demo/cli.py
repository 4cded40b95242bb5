"""Demo data and the all-in-one demo runner used by `make demo`."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import click
from flask import current_app
from flask.cli import AppGroup

from console import redis_server
from console.db import db
from demo.staff import DEMO_STAFF, seed_staff

demo_cli = AppGroup("demo", help="Demo data and the all-in-one demo runner.")


@demo_cli.command("seed")
@click.option(
    "--scale",
    type=click.Choice(["small", "large", "xlarge"]),
    default="small",
    show_default=True,
    help="small: 300 providers, 2,000 clients, 8,000 bookings (the demo); large: 50,000 providers, "
    "500,000 clients, 2,000,000 bookings, 1,000,000 reviews (the benchmark, for PostgreSQL); xlarge: "
    "ten times large (500,000 providers, 5,000,000 clients, 20,000,000 bookings, 10,000,000 reviews, "
    "1,000,000 complaints), the proof that costs do not grow with the data.",
)
@click.option("--seed", "seed_value", type=int, default=2026, show_default=True, help="Random seed.")
@click.option("--reset", is_flag=True, help="Delete the marketplace data first (staff accounts are kept).")
def demo_seed(scale: str, seed_value: int, reset: bool) -> None:
    """Create demo staff and marketplace data (idempotent: existing data is kept unless --reset)."""
    from demo import seed as demo_data  # late: it loads every domain's models

    created = seed_staff()
    db.session.commit()
    click.echo("Demo staff accounts (e-mail / password):")
    for email, _, roles, password in DEMO_STAFF:
        mark = "created" if email in created else "exists"
        click.echo(f"  {email:28} {password:20} {','.join(roles):16} ({mark})")
    from demo.api_client import seed_api_client

    name, key, made = seed_api_client()
    db.session.commit()
    click.echo("Demo API client (Authorization: Bearer <key>):")
    click.echo(f"  {name:28} {key}  ({'created' if made else 'exists'})")
    try:
        demo_data.seed(scale=scale, seed=seed_value, reset=reset, echo=click.echo)
    except Exception:
        db.session.rollback()
        raise


@demo_cli.command("run")
@click.option("--port", default=lambda: int(os.environ.get("PORT", "5000")), show_default="5000 or $PORT")
@click.option("--workers", "worker_count", default=1, show_default=True, help="RQ worker processes.")
def demo_run(port: int, worker_count: int) -> None:
    """Start Redis (embedded unless REDIS_URL is set), RQ workers and the web server; Ctrl-C stops all."""
    app = current_app._get_current_object()
    env = dict(os.environ)
    started_redis = False
    if not app.config["REDIS_URL"]:
        env["REDIS_URL"] = redis_server.ensure_running(app.config["EMBEDDED_REDIS_DIR"])
        started_redis = True
        click.echo(f"embedded Redis on {env['REDIS_URL']}")
    flask_cmd = [sys.executable, "-m", "flask", "--app", "wsgi"]
    # Fixed commands built here from sys.executable; nothing comes from user input.
    children = [
        subprocess.Popen([*flask_cmd, "jobs", "worker"], env=env)  # noqa: S603
        for _ in range(worker_count)
    ]
    web = [sys.executable, "-m", "gunicorn", "--workers", "2", "--threads", "4"]
    web += ["--bind", f"127.0.0.1:{port}", "--access-logfile", "-", "wsgi:app"]
    children.append(subprocess.Popen(web, env=env))  # noqa: S603
    click.echo(f"Ekoklean Console on http://127.0.0.1:{port}  (Ctrl-C stops web server, worker and Redis)")

    stopping = False

    def stop(signum, frame):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    try:
        while not stopping and all(child.poll() is None for child in children):
            time.sleep(0.3)
    finally:
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 15
        for child in children:
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
        if started_redis:
            redis_server.stop(app.config["EMBEDDED_REDIS_DIR"])
        click.echo("stopped web server, worker(s) and Redis")
