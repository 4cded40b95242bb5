"""Time the portal (`BENCH_DATABASE_URL=... python bench/portal_bench.py` on a migrated, seeded
PostgreSQL database; `ekoklean_bench` by default):

- the pages a signed link opens (certificate form, complaint reply with its thread, the refused
  page, the "new link" form) and a reply posted through the portal: p95 under 150 ms each;
- inbound e-mail through `POST /inbound/email` (signed), 1,000 replies in a row threaded into
  complaints: each under 200 ms (p95 and max), and no growth (the last hundred's median within
  1.5 times the first hundred's).

The calls commit: each run adds portal links, messages from clients and inbound e-mails to the
benchmark database.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from email.message import EmailMessage
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import figures  # noqa: E402 - bench/figures.py

WARMUPS, RUNS, INBOUND = 5, 60, 1000
PAGE_P95_MS, INBOUND_MS, GROWTH = 150.0, 200.0, 1.5


def _setup(app):
    """Links for a provider and for the client of an open complaint (moved to waiting on client)."""
    import sqlalchemy as sa

    from console.db import db, utcnow
    from disputes.complaints.models import Complaint
    from disputes.complaints.workflow import Status
    from marketplace.models import Provider
    from portal import services

    with app.app_context():
        complaint = db.session.scalar(
            sa.select(Complaint).where(Complaint.status.not_in([Status.RESOLVED, Status.CLOSED]))
            .order_by(Complaint.id).limit(1)
        )  # fmt: skip
        provider = db.session.scalar(sa.select(Provider).order_by(Provider.id).limit(1))
        now = utcnow()
        _, certificate = services.create_link("certificate", provider, actor="system:bench", now=now)
        _, reply = services.create_link(
            "complaint_reply", complaint.client, complaint, actor="system:bench", now=now
        )
        db.session.commit()
        return certificate, reply, complaint.reference, complaint.client.email


def _time(label, call, expected, rows, failures, budget=PAGE_P95_MS):
    times = []
    for i in range(WARMUPS + RUNS):
        started = time.perf_counter()
        response = call(i)
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != expected:
            failures.append(
                f"{label}: status {response.status_code}: {response.get_data(as_text=True)[:200]}"
            )
            return
        if i >= WARMUPS:
            times.append(elapsed)
    p95 = figures.p95(times)
    rows.append((label, statistics.median(times), p95, budget))
    if p95 > budget:
        failures.append(f"SLOW: {label} p95 {p95:.1f} ms (budget {budget:.0f} ms)")


def _message(i: int, sender: str, to: str) -> bytes:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, to, f"Re: réclamation ({i})"
    message["Message-ID"] = f"<bench-{time.time_ns()}-{i}@mail.example.fr>"
    message.set_content(
        f"Bonjour,\nVoici ma réponse numéro {i}. Carte 4111 1111 1111 1111 à masquer.\n\n"
        "Le 3 déc. 2026 à 10:02, Ekoklean <support@ekoklean.fr> a écrit :\n> Pouvez-vous préciser ?\n"
    )
    message.add_alternative(f"<p>Bonjour,<br>Voici ma réponse numéro {i}.</p>", subtype="html")
    return message.as_bytes()


def run_portal(app) -> list[str]:
    from console.db import db
    from portal import inbound

    app.config.update(
        {"PORTAL_TOKEN_RATE_LIMIT": "1000000/minute", "PORTAL_ADDRESS_RATE_LIMIT": "1000000/minute"}
    )
    certificate, reply, reference, client_email = _setup(app)
    http = app.test_client()
    page = http.get(f"/portal/{reply}").get_data(as_text=True)
    csrf = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    rows, failures = [], []
    _time("GET certificate page", lambda i: http.get(f"/portal/{certificate}"), 200, rows, failures)
    _time("GET complaint reply page", lambda i: http.get(f"/portal/{reply}"), 200, rows, failures)
    _time("GET a wrong link (404 page)", lambda i: http.get("/portal/not-a-token"), 404, rows, failures)
    _time("GET the new-link form", lambda i: http.get("/portal/new-link"), 200, rows, failures)
    _time(
        "POST a reply through the portal",
        lambda i: http.post(f"/portal/{reply}", data={"csrf_token": csrf, "body": f"Réponse {i}"}),
        200, rows, failures,
    )  # fmt: skip

    with app.app_context():
        address = inbound.reply_address_for(reference)
        key = inbound.secret()
    inbound_times, statuses = [], set()
    for i in range(INBOUND):
        raw = _message(i, client_email, address)
        stamp = int(time.time())
        headers = {"X-Inbound-Timestamp": str(stamp), "X-Inbound-Signature": inbound.sign(raw, stamp, key)}
        started = time.perf_counter()
        response = http.post("/inbound/email", data=raw, headers=headers, content_type="message/rfc822")
        inbound_times.append((time.perf_counter() - started) * 1000)
        statuses.add(response.get_data(as_text=True).strip())
    if statuses != {"threaded"}:
        failures.append(f"inbound: answers {sorted(statuses)} (expected only 'threaded')")
    first, last = statistics.median(inbound_times[:100]), statistics.median(inbound_times[-100:])
    inbound_p95, inbound_max = figures.p95(inbound_times), max(inbound_times)
    if inbound_p95 > INBOUND_MS:
        failures.append(f"SLOW: inbound p95 {inbound_p95:.1f} ms (budget {INBOUND_MS:.0f} ms)")
    if last > first * GROWTH:
        failures.append(
            f"GROWTH: inbound median {first:.1f} ms for the first 100, {last:.1f} ms for the last"
        )
    with app.app_context():
        db.session.remove()

    print(f"\nportal ({WARMUPS} warm-ups, then {RUNS} timed requests; Flask test client)")
    print(f"{'request':<40} {'median ms':>10} {'p95 ms':>8} {'budget':>8}")
    for label, median, p95, budget in rows:
        print(f"{label:<40} {median:>10.1f} {p95:>8.1f} {budget:>8.0f}")
    print(f"inbound e-mail, {INBOUND} in a row: median {statistics.median(inbound_times):.1f} ms, "
          f"p95 {inbound_p95:.1f} ms, max {inbound_max:.1f} ms (budget {INBOUND_MS:.0f} ms each); "
          f"first 100 median {first:.1f} ms, last 100 median {last:.1f} ms")  # fmt: skip
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
    if not app.config["REDIS_URL"]:  # the rate limits count in Redis: the embedded one, as `make demo`
        app.config["REDIS_URL"] = redis_server.ensure_running(app.config["EMBEDDED_REDIS_DIR"])
        app = create_app({"REDIS_URL": app.config["REDIS_URL"]})
    return 1 if run_portal(app) else 0


if __name__ == "__main__":
    sys.exit(main())
