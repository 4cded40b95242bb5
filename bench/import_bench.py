"""Time `flask api import bookings` (budget: 2,000,000 bookings in under 180 s on PostgreSQL).

    IMPORT_BENCH_DATABASE_URL=postgresql://... python bench/import_bench.py [N]

Migrates the database, makes sure an API client `bench-import` and a few hundred clients and
providers exist, writes a JSON Lines file of N bookings (200,000 by default) naming them by
reference, then times the real command in a subprocess. It commits: the bookings stay (each run
uses new external ids, so nothing is skipped). The figure for 2,000,000 is an extrapolation.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BUDGET_S, BUDGET_ROWS = 180.0, 2_000_000
CLIENTS, PROVIDERS = 500, 100
CLIENT = "bench-import"


def _environment(url: str) -> dict[str, str]:
    return os.environ | {"DATABASE_URL": url, "PYTHONPATH": str(ROOT), "FLASK_APP": "wsgi"}


def _prepare(url: str) -> tuple[list[str], list[str]]:
    """References of the clients and providers the bookings name (created when too few)."""
    import sqlalchemy as sa

    os.environ["DATABASE_URL"] = url
    from api.clients import services as clients
    from console.app import create_app
    from console.db import db, utcnow
    from marketplace import services
    from marketplace.models import Client, Provider
    from tests import factories

    app = create_app()
    with app.app_context():
        now = utcnow()
        if clients.client_named("bench-import") is None:
            clients.create_client(
                name="bench-import", scopes=["bookings:write"], actor="system:bench", now=now
            )
        have = db.session.scalar(sa.select(sa.func.count()).select_from(Client))
        for n in range(max(0, CLIENTS - have)):
            services.create_client(
                fields={"full_name": f"Bench Client {n}", "email": f"b{n}-{secrets.token_hex(3)}@example.fr"},
                actor="system:bench", now=now,
            )  # fmt: skip
        have = db.session.scalar(sa.select(sa.func.count()).select_from(Provider))
        for _n in range(max(0, PROVIDERS - have)):
            services.create_provider(
                fields=factories.provider_fields(), joined_on=now.date(), actor="system:bench", now=now
            )
        db.session.commit()
        client_ids = db.session.scalars(sa.select(Client.id).order_by(Client.id).limit(CLIENTS)).all()
        provider_ids = db.session.scalars(sa.select(Provider.id).order_by(Provider.id).limit(PROVIDERS)).all()
        return [f"CLI-{i:07d}" for i in client_ids], [f"PRV-{i:06d}" for i in provider_ids]


def _write(path: Path, n: int, clients: list[str], providers: list[str]) -> None:
    run = secrets.token_hex(4)
    with path.open("w", encoding="utf-8") as out:
        for i in range(n):
            out.write(json.dumps({
                "external_id": f"bench-{run}-{i}", "client": clients[i % len(clients)],
                "provider": providers[(i * 7) % len(providers)], "service": "regular_cleaning",
                "scheduled_start": f"2026-{1 + i % 12:02d}-{1 + i % 28:02d}T09:00:00+01:00",
                "duration_minutes": 60 + 30 * (i % 5), "price_cents": 3000 + (i % 200) * 10,
                "cancellation_terms_version": "2026-03", "status": "completed",
            }) + "\n")  # fmt: skip


def main() -> None:
    url = os.environ.get("IMPORT_BENCH_DATABASE_URL")
    if not url:
        sys.exit("Set IMPORT_BENCH_DATABASE_URL to a PostgreSQL database of your own.")
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
    env = _environment(url)
    subprocess.run([sys.executable, "-m", "flask", "db", "upgrade"], env=env, check=True, cwd=ROOT)  # noqa: S603
    clients, providers = _prepare(url)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bookings.jsonl"
        _write(path, n, clients, providers)
        started = time.perf_counter()
        done = subprocess.run(  # noqa: S603
            [sys.executable, "-m", "flask", "api", "import", "bookings", str(path), "--client", CLIENT],
            env=env, cwd=ROOT, capture_output=True, text=True, check=True,
        )  # fmt: skip
        seconds = time.perf_counter() - started
    summary = done.stdout.strip().splitlines()[-1]
    print(summary)
    inside = float(summary.rsplit(" in ", 1)[1].split(" s", 1)[0])  # the command's own time
    startup = seconds - inside
    print(f"{n} bookings in {seconds:.1f} s ({inside:.1f} s in the command, {startup:.1f} s process start): "
          f"{n / inside:,.0f} rows/s in the command")  # fmt: skip
    projected = startup + inside * BUDGET_ROWS / n
    how = "measured" if n == BUDGET_ROWS else "extrapolated linearly, not measured"
    print(
        f"2,000,000 ({how}): {projected:.0f} s "
        f"({'within' if projected < BUDGET_S else 'over'} the {BUDGET_S:.0f} s budget)"
    )


if __name__ == "__main__":
    main()
