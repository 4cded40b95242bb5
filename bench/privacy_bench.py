"""Time the privacy budgets (`make bench` runs it after the API; or alone:
`python bench/privacy_bench.py`, on a fresh SQLite file unless BENCH_DATABASE_URL is set).

- the access log on a page of a person's data: one INSERT, no extra SELECT; p95 added under 5 ms
  (the client page with the log on against the same page with the log off, interleaved);
- the subject access export of a client with 200 bookings and 20 complaints (3 messages each):
  JSON under 10 s, and the French PDF of it.

Seeds its own client (named `bench-privacy-…`), committed, in the benchmark database.
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import event

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import figures  # noqa: E402 - bench/figures.py

WARMUPS, RUNS = 5, 200
ADDED_P95_MS, EXPORT_S = 5.0, 10.0
BOOKINGS, COMPLAINTS, MESSAGES = 200, 20, 3
EMAIL, PASSWORD = "bench-privacy@bench.ekoklean.fr", "bench-privacy-password"  # noqa: S105 - local bench
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def _seed(app) -> int:
    from console.auth import services as staff_services
    from console.auth.models import StaffUser
    from console.db import db, utcnow
    from disputes.complaints import services as complaints
    from marketplace import services as marketplace
    from tests.factories import make_provider, make_siret

    with app.app_context():
        now = utcnow()
        staff = db.session.scalar(sa.select(StaffUser).where(StaffUser.email == EMAIL))
        if staff is None:
            staff = staff_services.create_staff(
                email=EMAIL, full_name="Bench Privacy", roles=["support_agent"], password=PASSWORD,
                actor="system:bench", now=now,
            )  # fmt: skip
        stamp = f"{time.time_ns()}"
        fields = {"full_name": f"bench-privacy-{stamp}", "email": f"bench-{stamp}@example.fr"}
        fields |= {"phone": "0145678901", "postcode": "75011", "city": "Paris"}
        client = marketplace.create_client(fields=fields, actor="system:bench", now=now)
        provider = make_provider(siret=make_siret(int(stamp) % 10**7))  # a new SIRET on every run
        start = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
        bookings = [
            marketplace.record_booking(
                client=client,
                provider=provider,
                service="regular_cleaning",
                scheduled_start=start + timedelta(days=i),
                duration_minutes=120,
                price_cents=4000,
                status="completed",
                cancellation_terms_version="2026-03",
                actor="system:bench",
                now=now,
            )  # fmt: skip
            for i in range(BOOKINGS)
        ]
        for i in range(COMPLAINTS):
            complaint = complaints.create_complaint(
                client=client, booking=bookings[i], channel="phone", category="damage", subject=f"Objet {i}",
                description="Un objet cassé pendant la prestation.", actor=staff, now=now,
            )  # fmt: skip
            for m in range(MESSAGES):
                complaints.add_note(complaint, body=f"Note {m} sur la réclamation {i}.", actor=staff, now=now)
        db.session.commit()
        return client.id


def _sign_in(client) -> None:
    token = CSRF_RE.search(client.get("/login").get_data(as_text=True)).group(1)
    response = client.post("/login", data={"csrf_token": token, "email": EMAIL, "password": PASSWORD})
    assert response.status_code == 302, response.status_code


def time_access_log(app, client_id: int) -> tuple[float, float, dict[str, int]]:
    """p95 of the client page with the access log on and off (ms), and the statements it adds."""
    from console.db import db

    view = app.extensions["console_admin_views"]["clients"]
    browser = app.test_client()
    _sign_in(browser)
    url = f"/clients/details/?id={client_id}"
    browser.get(url + "&purpose=support_case")
    counts: dict[str, int] = {}

    def count(conn, cursor, statement, *args):
        counts[statement.split()[0].upper()] = counts.get(statement.split()[0].upper(), 0) + 1

    times: dict[bool, list[float]] = {True: [], False: []}
    with app.app_context():
        engine = db.engine
    for i in range(WARMUPS + RUNS):
        for logged in (True, False):
            view.access_kind = "client" if logged else None
            started = time.perf_counter()
            assert browser.get(url).status_code == 200
            if i >= WARMUPS:
                times[logged].append((time.perf_counter() - started) * 1000)
    view.access_kind = "client"
    per_page: dict[bool, dict[str, int]] = {}
    for logged in (True, False):
        view.access_kind = "client" if logged else None
        counts.clear()
        event.listen(engine, "before_cursor_execute", count)
        browser.get(url)
        event.remove(engine, "before_cursor_execute", count)
        per_page[logged] = dict(counts)
    view.access_kind = "client"
    added = {
        k: per_page[True].get(k, 0) - per_page[False].get(k, 0)
        for k in set(per_page[True]) | set(per_page[False])
    }
    return figures.p95(times[True]), figures.p95(times[False]), {k: v for k, v in added.items() if v}


def time_export(app, client_id: int) -> tuple[float, float, int]:
    from console.db import db, utcnow
    from privacy import services
    from reports.builders.subject_access import render_subject_access

    with app.app_context():
        started = time.perf_counter()
        data = services.export("client", client_id, now=utcnow())
        export_s = time.perf_counter() - started
        started = time.perf_counter()
        pdf = render_subject_access(data)
        pdf_s = time.perf_counter() - started
        db.session.remove()
    return export_s, pdf_s, len(pdf)


def run_privacy(app) -> list[str]:
    client_id = _seed(app)
    on, off, added = time_access_log(app, client_id)
    export_s, pdf_s, pdf_bytes = time_export(app, client_id)
    print(f"access log: client page p95 {on:.1f} ms logged, {off:.1f} ms not logged: +{on - off:.1f} ms "
          f"(budget {ADDED_P95_MS:.0f} ms); statements added per page: {added}")  # fmt: skip
    print(f"subject access export, {BOOKINGS} bookings and {COMPLAINTS} complaints: JSON {export_s:.2f} s "
          f"(budget {EXPORT_S:.0f} s), French PDF {pdf_s:.2f} s, {pdf_bytes // 1024} KB")  # fmt: skip
    failures = []
    if on - off > ADDED_P95_MS:
        failures.append(f"SLOW: the access log adds {on - off:.1f} ms to a page's p95")
    if added.get("SELECT", 0) > 0:
        failures.append(f"the access log adds SELECTs to a page: {added}")
    if export_s > EXPORT_S:
        failures.append(f"SLOW: subject access export {export_s:.1f} s")
    return failures


def main() -> int:
    from flask_migrate import upgrade

    from console.app import create_app

    url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{tempfile.mkdtemp()}/privacy-bench.db"
    os.environ["DATABASE_URL"] = url.replace("postgresql://", "postgresql+psycopg://", 1)
    app = create_app()
    with app.app_context():
        upgrade()
    failures = run_privacy(app)
    for failure in failures:
        print(failure)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
