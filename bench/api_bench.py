"""Time the integration API (`make bench` runs it after the pages; or alone:
`BENCH_DATABASE_URL=... python bench/api_bench.py` on a migrated, seeded database).

- marshmallow validating a 1,000-booking batch (the schema library's own cost);
- a single POST (/api/v1/clients, a new client each time): p95 under 50 ms;
- GET /api/v1/providers/{ref}/eligibility of a restricted provider: p95 under 20 ms;
- POST /api/v1/bookings/batch with 1,000 bookings: each run under 1.5 s.

The calls commit: each run adds API clients, clients and bookings named `bench-api-…` to the
benchmark database (the large data set's figures move by a few thousand bookings).
"""

from __future__ import annotations

import os
import secrets
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import figures  # noqa: E402 - bench/figures.py

WARMUPS, RUNS, BATCH_RUNS = 3, 30, 3
POST_P95_MS, GET_P95_MS, BATCH_S = 50.0, 20.0, 1.5


def _sample(app) -> tuple[str, str, str]:
    """A client, a provider, and a restricted (else any) provider, by reference."""
    import sqlalchemy as sa

    from console.db import db
    from marketplace.models import Client, Provider

    with app.app_context():
        client = db.session.scalar(sa.select(sa.func.min(Client.id)))
        provider = db.session.scalar(sa.select(sa.func.min(Provider.id)).where(Provider.is_bookable))
        restricted = (
            db.session.scalar(sa.select(sa.func.min(Provider.id)).where(Provider.active_restrictions.any()))
            or provider
        )
        return f"CLI-{client:07d}", f"PRV-{provider:06d}", f"PRV-{restricted:06d}"


def _api_key(app) -> str:
    from api.clients import services
    from api.clients.workflow import SCOPES
    from console.db import db, utcnow

    with app.app_context():
        name = f"bench-api-{secrets.token_hex(3)}"
        issued = services.create_client(name=name, scopes=list(SCOPES), actor="system:bench", now=utcnow())
        db.session.commit()
        return issued.secret


def _batch(client_ref: str, provider_ref: str, n: int = 1000) -> dict:
    item = {
        "client": client_ref, "provider": provider_ref, "service": "regular_cleaning",
        "scheduled_start": "2027-01-15T09:00:00+01:00", "duration_minutes": 120, "price_cents": 5400,
        "cancellation_terms_version": "2026-03",
    }  # fmt: skip
    return {"items": [dict(item) for _ in range(n)]}


def time_validation(client_ref: str, provider_ref: str) -> float:
    from api.v1.schemas import BookingBatchIn

    payload, schema = _batch(client_ref, provider_ref), BookingBatchIn()
    times = []
    for _ in range(10):
        started = time.perf_counter()
        schema.load(payload)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def run_api(app) -> list[str]:
    """Time the API; print a table; return the budgets missed."""
    app.config["API_RATE_LIMIT"] = "1000000/minute"
    client_ref, provider_ref, restricted_ref = _sample(app)
    headers = {"Authorization": f"Bearer {_api_key(app)}"}
    http = app.test_client()
    failures: list[str] = []

    def post_client(i: int):
        body = {"full_name": f"Bench Api {i}", "email": f"bench-api-{secrets.token_hex(6)}@example.fr"}
        return http.post("/api/v1/clients", json=body, headers=headers)

    def get_eligibility(i: int):
        return http.get(f"/api/v1/providers/{restricted_ref}/eligibility", headers=headers)

    rows = []
    for label, call, expected, budget in (
        ("POST /api/v1/clients", post_client, 201, POST_P95_MS),
        (f"GET eligibility of {restricted_ref}", get_eligibility, 200, GET_P95_MS),
    ):
        times = []
        for i in range(WARMUPS + RUNS):
            started = time.perf_counter()
            response = call(i)
            elapsed = (time.perf_counter() - started) * 1000
            if response.status_code != expected:
                failures.append(
                    f"{label}: status {response.status_code}: {response.get_data(as_text=True)[:200]}"
                )
                break
            if i >= WARMUPS:
                times.append(elapsed)
        if times:
            p95 = figures.p95(times)
            rows.append((label, statistics.median(times), p95, budget))
            if p95 > budget:
                failures.append(f"SLOW: {label} p95 {p95:.1f} ms (budget {budget:.0f} ms)")
    batch_times = []
    for _ in range(BATCH_RUNS):
        started = time.perf_counter()
        response = http.post("/api/v1/bookings/batch", json=_batch(client_ref, provider_ref), headers=headers)
        batch_times.append(time.perf_counter() - started)
        if response.status_code != 200 or response.get_json()["created"] != 1000:
            failures.append(f"batch: status {response.status_code}: {response.get_data(as_text=True)[:200]}")
            break
    validation_ms = time_validation(client_ref, provider_ref)
    print(f"\nintegration API ({WARMUPS} warm-ups, then {RUNS} timed calls; Flask test client)")
    print(f"{'call':<44} {'median ms':>10} {'p95 ms':>8} {'budget':>8}")
    for label, median, p95, budget in rows:
        print(f"{label:<44} {median:>10.1f} {p95:>8.1f} {budget:>8.0f}")
    if batch_times:
        label = "POST /api/v1/bookings/batch (1,000), max s"
        print(f"{label:<44} {'':>10} {max(batch_times):>8.2f} {BATCH_S:>8.1f}")
        if max(batch_times) > BATCH_S:
            failures.append(f"SLOW: 1,000-booking batch took {max(batch_times):.2f} s (budget {BATCH_S} s)")
    print(f"marshmallow validating a 1,000-booking batch: median {validation_ms:.1f} ms")
    for failure in failures:
        print(failure)
    return failures


def main() -> int:
    os.environ["DATABASE_URL"] = os.environ.get(
        "BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/ekoklean_bench"
    )
    from console import redis_server
    from console.app import create_app

    app = create_app()
    if not app.config["REDIS_URL"]:  # the rate limit counts in Redis: the embedded one, as `make demo`
        app.config["REDIS_URL"] = redis_server.ensure_running(app.config["EMBEDDED_REDIS_DIR"])
        app = create_app({"REDIS_URL": app.config["REDIS_URL"]})
    return 1 if run_api(app) else 0


if __name__ == "__main__":
    sys.exit(main())
