"""Time a policy announcement: the campaign to every active client, queued and its outbox rows
written by the chunk jobs on a real RQ worker (SMTP is throttled separately, by the sending slots).

    BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/NAME python bench/policy_bench.py

It migrates the database, tops its clients up to BENCH_CLIENTS (500,000 by default; bulk inserts,
`bench-policy-…` addresses), publishes a significant version with two managers and runs the
campaign with one worker until it is done. Budget: 500,000 clients in under 120 s; with fewer
clients the time is extrapolated linearly (the chunks are keyset queries of 5,000, so each costs
the same). `make bench` runs it on a database of its own, made afresh each time.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BUDGET_S, BUDGET_CLIENTS = 120.0, 500_000


def _seed_clients(target: int) -> int:
    import sqlalchemy as sa

    from console.db import db, utcnow
    from marketplace.models import Client

    have = db.session.scalar(sa.select(sa.func.count()).select_from(Client)) or 0
    now, tag = utcnow(), secrets.token_hex(3)
    for start in range(have, target, 10_000):
        rows = [
            {"full_name": f"Client {n}", "email": f"bench-policy-{tag}-{n}@example.org",
             "language": "en" if n % 5 == 0 else "fr", "created_at": now, "version": 1,
             "consent_marketing_email": False, "consent_marketing_sms": False,
             "consent_partner_sharing": False}
            for n in range(start, min(start + 10_000, target))
        ]  # fmt: skip
        db.session.execute(sa.insert(Client), rows)
        db.session.commit()
    return db.session.scalar(sa.select(sa.func.count()).select_from(Client))


def _version():
    from console.auth import services as staff
    from console.db import db, utcnow
    from policy import services

    now, tag = utcnow(), secrets.token_hex(3)
    drafter, publisher = (
        staff.create_staff(email=f"bench-policy-{tag}-{n}@example.com", full_name=f"Bench {n}",
                           roles=("manager",), password=secrets.token_urlsafe(16), actor="system:bench",
                           now=now)
        for n in (1, 2)
    )  # fmt: skip
    version = services.draft_version(
        title="Politique (banc d'essai)", body="# Politique\n\nTexte.", summary="Banc d'essai.",
        effective_at=now + timedelta(days=30), significant=True, actor=drafter, now=now,
    )  # fmt: skip
    services.submit_version(version, actor=drafter, now=now)
    services.publish_version(version, actor=publisher, now=now)
    db.session.commit()
    return version, publisher


def fresh_database(url: str, *, suffix: str) -> str:
    """A new empty database beside the bench database (dropped first if there): its URL."""
    import psycopg
    from sqlalchemy.engine import make_url

    parts = make_url(url)
    name = f"{parts.database}{suffix}"
    admin = parts.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
    fresh = parts.set(database=name).render_as_string(hide_password=False)
    from bench import ensure_database

    ensure_database(fresh)
    return fresh


def run_announcement(bench_url: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    """This bench in a child process, on a database beside the bench database made afresh (its
    clients and outbox rows would otherwise pile up in the bench database run after run)."""
    url = fresh_database(bench_url, suffix="_policy")
    command = [sys.executable, str(ROOT / "bench" / "policy_bench.py")]
    child = env | {"BENCH_DATABASE_URL": url, "DATABASE_URL": url}
    return subprocess.run(command, env=child, check=False)  # noqa: S603 - fixed command


def main() -> int:
    url = os.environ.get("BENCH_DATABASE_URL")
    if not url:
        print("Set BENCH_DATABASE_URL to a PostgreSQL database you may write to.")
        return 2
    target = int(os.environ.get("BENCH_CLIENTS", "500000"))
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("INSTANCE_PATH", tempfile.mkdtemp(prefix="policy-bench-"))
    redis_dir = None
    if not os.environ.get("REDIS_URL"):  # a private embedded Redis, stopped at the end
        from console import redis_server

        redis_dir = tempfile.mkdtemp(prefix="policy-bench-redis-", dir="/tmp")
        os.environ["REDIS_URL"] = redis_server.ensure_running(redis_dir)
    try:
        return _run(target)
    finally:
        if redis_dir:
            from console import redis_server

            redis_server.stop(redis_dir)


def _run(target: int) -> int:
    from flask_migrate import upgrade
    from rq import Queue, SimpleWorker

    from console.app import create_app
    from console.db import db, utcnow
    from console.jobs import get_queue
    from policy import campaign
    from policy.models import PolicyCampaign

    app = create_app()
    with app.app_context():
        upgrade()
        t0 = time.perf_counter()
        clients = _seed_clients(target)
        print(f"clients: {clients:,} (seeded in {time.perf_counter() - t0:.1f} s)")
        version, manager = _version()
        queue = get_queue("default")
        t0 = time.perf_counter()
        started = campaign.start_campaign(version, actor=manager, now=utcnow())
        db.session.commit()
        campaign_id = started.id
        db.session.remove()
    SimpleWorker([Queue("default", connection=queue.connection)], connection=queue.connection).work(
        burst=True
    )
    elapsed = time.perf_counter() - t0
    with app.app_context():
        done = db.session.get(PolicyCampaign, campaign_id)
        print(
            f"campaign {done.status.value}: {done.queued:,} outbox rows in {done.chunks} chunks,"
            f" {elapsed:.1f} s"
        )
        per_500k = elapsed * BUDGET_CLIENTS / max(done.queued, 1)
        verdict = "within" if per_500k < BUDGET_S else "OVER"
        how = "measured" if done.queued >= BUDGET_CLIENTS else "extrapolated"
        print(
            f"{how} for {BUDGET_CLIENTS:,} clients: {per_500k:.0f} s ({verdict} the {BUDGET_S:.0f} s budget)"
        )
        return 0 if done.status.value == "done" and per_500k < BUDGET_S else 1


if __name__ == "__main__":
    sys.exit(main())
