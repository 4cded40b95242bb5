"""Webhook delivery speed: 10,000 `provider.eligibility_changed` events delivered to a local
receiver by 2 forking `flask jobs worker` processes, under 60 s (issue 13's budget).

The path is the production one: 10,000 providers' eligibility recomputed through the service (one
event each, committed), the commit's hook enqueues the fan-out job, the workers fan out and deliver
in chains, every request signed; the receiver (in this process) verifies each signature with the
standardwebhooks library. Timed from the commit to the 10,000th verified delivery; the rows it
created are deleted afterwards.

    BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/ekoklean_bench \
        .venv/bin/python bench/webhooks_bench.py
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
EVENTS = int(os.environ.get("BENCH_WEBHOOK_EVENTS", "10000"))
WORKERS = 2
BUDGET_SECONDS = 60.0


class Receiver:
    def __init__(self) -> None:
        from standardwebhooks import Webhook

        self.webhook: Webhook | None = None
        self.verified = 0
        self.bad = 0
        self.done = threading.Event()
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"

            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("content-length", "0")))
                try:
                    receiver.webhook.verify(body, {k.lower(): v for k, v in self.headers.items()})
                    good = True
                except Exception:
                    good = False
                with receiver.lock:
                    if good:
                        receiver.verified += 1
                    else:
                        receiver.bad += 1
                    if receiver.verified >= EVENTS:
                        receiver.done.set()
                self.send_response(200 if good else 400)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/webhooks"


def _providers(count: int) -> list[int]:
    """Insert `count` approved providers directly (bench rows, not the demo's)."""
    import sqlalchemy as sa
    from stdnum import luhn

    from console.db import db, utcnow
    from marketplace.models import Provider, VettingStatus

    def siret(n: int) -> str:
        siren = f"99{n:06d}"
        body = siren + luhn.calc_check_digit(siren) + "0001"
        return body + luhn.calc_check_digit(body)

    candidates = [siret(n) for n in range(count * 2)]
    taken = set()  # the demo's SIRETs cover the whole 8-digit range: skip those in use
    for start in range(0, len(candidates), 1000):
        chunk = candidates[start : start + 1000]
        taken |= set(db.session.scalars(sa.select(Provider.siret).where(Provider.siret.in_(chunk))))
    free = [value for value in candidates if value not in taken][:count]
    rows = []
    for n, value in enumerate(free):
        rows.append({
            "legal_name": f"Bench {n}", "siret": value,
            "email": f"bench{n}@bench.invalid",
            "phone": "0612345678", "address_line": "1 rue du Banc", "postcode": "75001", "city": "Paris",
            "services": ["regular_cleaning"], "joined_on": date(2026, 1, 1),
            "vetting_status": VettingStatus.APPROVED,
            "created_at": utcnow(), "language": "fr", "version": 1,
        })  # fmt: skip
    db.session.execute(sa.insert(Provider), rows)
    return list(db.session.scalars(sa.select(Provider.id).where(Provider.email.like("bench%@bench.invalid"))))


def _clean(endpoint_id: int | None) -> None:
    """Delete the bench's rows: its providers and their events, and its endpoint (with None, every
    endpoint an earlier run left behind: a run that stopped half-way keeps its endpoint, which
    would take a copy of every event and double the deliveries)."""
    import sqlalchemy as sa

    from api.eligibility.models import ProviderEligibility
    from api.webhooks.models import WebhookDelivery, WebhookEndpoint
    from console.db import db
    from console.events import IntegrationEvent, IntegrationEventCounter
    from marketplace.models import Provider

    ids = sa.select(Provider.id).where(Provider.email.like("bench%@bench.invalid")).scalar_subquery()
    endpoints = (
        sa.select(WebhookEndpoint.id).where(WebhookEndpoint.created_by == "system:bench")
        if endpoint_id is None
        else sa.select(sa.literal(endpoint_id))
    ).scalar_subquery()
    db.session.execute(sa.delete(WebhookDelivery).where(WebhookDelivery.endpoint_id.in_(endpoints)))
    db.session.execute(sa.delete(WebhookEndpoint).where(WebhookEndpoint.id.in_(endpoints)))
    db.session.execute(sa.delete(ProviderEligibility).where(ProviderEligibility.provider_id.in_(ids)))
    db.session.execute(sa.delete(IntegrationEvent).where(IntegrationEvent.provider_id.in_(ids)))
    db.session.execute(sa.delete(IntegrationEventCounter).where(IntegrationEventCounter.provider_id.in_(ids)))
    db.session.execute(sa.delete(Provider).where(Provider.id.in_(ids)))
    db.session.commit()


def main() -> int:
    from console import redis_server

    url = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/ekoklean_bench")
    redis_dir = None
    redis_url = os.environ.get("REDIS_URL")
    if not redis_url:
        redis_dir = tempfile.mkdtemp(prefix="ekw-", dir="/tmp")
        redis_url = redis_server.ensure_running(redis_dir)
    env = dict(os.environ) | {
        "DATABASE_URL": url, "REDIS_URL": redis_url, "CONSOLE_ENV": "development",
        "WEBHOOK_REQUIRE_HTTPS": "0", "WEBHOOK_ALLOWED_HOSTS": "127.0.0.1", "PYTHONPATH": str(ROOT),
    }  # fmt: skip
    os.environ.update(env)
    subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"], cwd=ROOT, env=env,
                   check=True, capture_output=True)  # fmt: skip
    from console.app import create_app

    app = create_app()
    receiver = Receiver()
    workers: list[subprocess.Popen] = []
    endpoint_id = None
    try:
        with app.app_context():
            endpoint_id, seconds = _run(app, env, receiver, workers)
    finally:
        for worker in workers:
            worker.send_signal(signal.SIGTERM)
        for worker in workers:
            worker.wait(timeout=60)
        with app.app_context():
            _clean(endpoint_id)
        if redis_dir:
            redis_server.stop(redis_dir)
    print(f"webhooks: {EVENTS} eligibility events delivered and verified in {seconds:.1f} s "
          f"with {WORKERS} workers ({EVENTS / seconds:.0f}/s; budget {BUDGET_SECONDS:.0f} s)")  # fmt: skip
    return 0 if seconds < BUDGET_SECONDS and receiver.bad == 0 else 1


def _run(app, env, receiver: Receiver, workers: list) -> tuple[int, float]:
    import sqlalchemy as sa
    from rq import Worker
    from standardwebhooks import Webhook

    from api.eligibility import services as eligibility
    from api.webhooks import services as webhooks
    from api.webhooks import workflow as wf
    from api.webhooks.models import WebhookDelivery
    from console import events
    from console.db import db, utcnow
    from console.jobs import get_redis

    _clean(None)
    endpoint, secret = webhooks.register_endpoint(
        url=receiver.url, event_types=[events.ELIGIBILITY_CHANGED], actor="system:bench", now=utcnow()
    )
    receiver.webhook = Webhook(secret)
    db.session.commit()
    started = time.monotonic()
    provider_ids = _providers(EVENTS)
    now = utcnow()
    for provider_id in provider_ids:
        eligibility.refresh(provider_id, now=now)
    print(
        f"webhooks: {len(provider_ids)} eligibility changes published in {time.monotonic() - started:.1f} s"
    )
    for _ in range(WORKERS):
        workers.append(subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "flask", "--app", "wsgi", "jobs", "worker", "--queues", "default"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        ))  # fmt: skip
    while Worker.count(connection=get_redis()) < WORKERS:
        time.sleep(0.2)
    started = time.monotonic()
    db.session.commit()  # the commit's hook enqueues the fan-out
    if not receiver.done.wait(timeout=BUDGET_SECONDS * 3):
        print(f"webhooks: only {receiver.verified} of {EVENTS} delivered in {BUDGET_SECONDS * 3:.0f} s")
    seconds = time.monotonic() - started
    time.sleep(1)  # the last job commits its outcome
    db.session.expire_all()
    succeeded = db.session.scalar(
        sa.select(sa.func.count()).where(
            WebhookDelivery.endpoint_id == endpoint.id, WebhookDelivery.status == wf.DeliveryStatus.SUCCEEDED
        )
    )
    print(f"webhooks: {succeeded} deliveries recorded succeeded, {receiver.bad} bad signatures")
    return endpoint.id, seconds


if __name__ == "__main__":
    raise SystemExit(main())
