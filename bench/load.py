"""A bounded load: signed-in users of every role working at once against gunicorn, for a fixed time.

    BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/ekoklean_bench python bench/load.py

Starts gunicorn (2 × cores workers, `wsgi:app`) on the bench database, signs in LOAD_USERS users of
each role (5 by default: 20 users), and has each open its role's lists, queues and detail pages
and run an action (saving its profile: a form post with CSRF, a row written and audited), one
request after another without pause, for LOAD_SECONDS (60). Prints throughput and p50/p95/p99
per role and overall. Budget: p95 < 500 ms with 20 users on the large data set.
"""

from __future__ import annotations

import http.cookiejar
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
P95_BUDGET_MS = 500.0
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
PASSWORD = "bench-load-password"  # noqa: S105 - a local benchmark database
ROLES = ("support_agent", "vetting_officer", "manager", "admin")
PAGES = {
    "support_agent": ["/support/", "/queue/mine/", "/queue/unassigned/", "/queue/at-risk/", "/complaints/",
                      "/complaints/?search=CLI-0001234", "/moderation/", "/bookings/", "/clients/",
                      "/complaints/details/?id={complaint}&purpose=support_case"],
    "vetting_officer": ["/vetting_mine/", "/vetting_unassigned/", "/vetting_ready/", "/vetting_cases/",
                        "/vetting_cases/?search=PRV-012345", "/certificates/", "/providers/",
                        "/providers/details/?id={provider}&purpose=vetting_work"],
    "manager": ["/expiry/?window=30", "/expiry/?window=expired", "/proposals/", "/restrictions/",
                "/disputes-to-decide/", "/providers/", "/providers/?page=399", "/reviews/",
                "/bookings/?page=49", "/clients/?search=martin",
                "/providers/details/?id={provider}&purpose=audit"],
    "admin": ["/audit/", "/outbox/", "/jobs/", "/staff/", "/api_client_admin/", "/audit/?page=399"],
}  # fmt: skip


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _accounts(count: int) -> dict[str, list[str]]:
    """LOAD_USERS staff accounts per role on the bench database (created once)."""
    from console.app import create_app
    from console.auth import services
    from console.db import db, utcnow

    app = create_app()
    accounts: dict[str, list[str]] = {}
    with app.app_context():
        for role in ROLES:
            accounts[role] = []
            for n in range(count):
                email = f"bench-load-{role.replace('_', '-')}-{n}@bench.ekoklean.fr"
                if services.get_staff_by_email(email) is None:
                    services.create_staff(email=email, full_name=f"Charge {role} {n}", roles=[role],
                                          password=PASSWORD, actor="system:bench", now=utcnow())  # fmt: skip
                accounts[role].append(email)
        db.session.commit()
        samples = {
            "provider": db.session.scalar(db.text("SELECT max(id) / 2 FROM provider")) or 1,
            "complaint": db.session.scalar(db.text("SELECT max(id) / 2 FROM complaint")) or 1,
        }
    return accounts, samples


class User(threading.Thread):
    def __init__(self, base: str, role: str, email: str, samples: dict, until: float, seed: int):
        super().__init__(daemon=True)
        self.base, self.role, self.email, self.samples, self.until = base, role, email, samples, until
        self.rng = random.Random(seed)
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirect()
        )
        self.timings: list[float] = []
        self.errors: list[str] = []

    def _request(self, path: str, data: dict | None = None) -> tuple[int, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(self.base + path, data=body)  # noqa: S310 - our local server
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, response.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as exc:
            return exc.code, ""

    def sign_in(self) -> None:
        _, page = self._request("/login")
        token = CSRF_RE.search(page).group(1)
        status, _ = self._request("/login", {"csrf_token": token, "email": self.email, "password": PASSWORD})
        if status != 302:
            raise SystemExit(f"sign-in of {self.email} failed ({status})")

    def run(self) -> None:
        pages = [p.format(**self.samples) for p in PAGES[self.role]]
        while time.monotonic() < self.until:
            action = self.rng.random() < 0.1
            started = time.perf_counter()
            if action:
                status, page = self._request("/profile/")
                token = CSRF_RE.search(page)
                if token:
                    status, _ = self._request("/profile/", {"csrf_token": token.group(1), "language": "fr"})
                path = "/profile/ (save)"
            else:
                path = self.rng.choice(pages)
                status, _ = self._request(path)
            elapsed = (time.perf_counter() - started) * 1000
            if status >= 500 or status == 403:
                self.errors.append(f"{status} {path}")
            self.timings.append(elapsed)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None

    def http_error_302(self, req, fp, code, msg, headers):
        return fp

    http_error_303 = http_error_301 = http_error_302


def _percentiles(values: list[float]) -> tuple[float, float, float]:
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return cuts[49], cuts[94], cuts[98]


def main() -> int:
    url = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/ekoklean_bench")
    users, seconds = int(os.environ.get("LOAD_USERS", "5")), float(os.environ.get("LOAD_SECONDS", "60"))
    workers = 2 * (os.cpu_count() or 1)
    # A second factor is not part of this measure: the load accounts sign in with a password.
    env = dict(os.environ) | {"DATABASE_URL": url, "MFA_REQUIRED_ROLES": "", "LOG_REQUESTS": "0"}
    os.environ.update(env)
    redis_dir = None
    if not env.get("REDIS_URL"):
        from console import redis_server

        redis_dir = tempfile.mkdtemp(prefix="load-redis-", dir="/tmp")
        env["REDIS_URL"] = os.environ["REDIS_URL"] = redis_server.ensure_running(redis_dir)
    accounts, samples = _accounts(users)
    port = _free_port()
    command = [sys.executable, "-m", "gunicorn", "-w", str(workers), "-b", f"127.0.0.1:{port}", "wsgi:app"]
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    server = subprocess.Popen(command, cwd=ROOT, env=env, **quiet)  # noqa: S603 - fixed command
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=2).close()  # noqa: S310 - local
                break
            except OSError:
                time.sleep(0.2)
        until = time.monotonic() + 3600
        people = [(role, email) for role in ROLES for email in accounts[role]]
        crowd = [User(base, role, email, samples, until, n) for n, (role, email) in enumerate(people)]
        for user in crowd:
            user.sign_in()
        started = time.monotonic()
        for user in crowd:
            user.until = started + seconds
            user.start()
        for user in crowd:
            user.join()
        elapsed = time.monotonic() - started
    finally:
        server.terminate()
        server.wait(timeout=30)
        if redis_dir:
            from console import redis_server

            redis_server.stop(redis_dir)
    every = [t for u in crowd for t in u.timings]
    errors = [e for u in crowd for e in u.errors]
    print(f"\nload: {len(crowd)} users ({users} per role), {seconds:.0f} s, gunicorn with {workers} workers")
    print(f"{'role':<18} {'requests':>9} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}")
    for role in ROLES:
        timings = [t for u in crowd if u.role == role for t in u.timings]
        p50, p95, p99 = _percentiles(timings)
        print(f"{role:<18} {len(timings):>9} {p50:>8.0f} {p95:>8.0f} {p99:>8.0f}")
    p50, p95, p99 = _percentiles(every)
    print(f"{'all':<18} {len(every):>9} {p50:>8.0f} {p95:>8.0f} {p99:>8.0f}")
    print(f"throughput {len(every) / elapsed:.1f} requests/s; errors {len(errors)} {sorted(set(errors))[:5]}")
    over = p95 > P95_BUDGET_MS
    if over:
        print(f"SLOW: p95 {p95:.0f} ms > {P95_BUDGET_MS:.0f} ms under {len(crowd)} users")
    return 1 if over or errors else 0


if __name__ == "__main__":
    sys.exit(main())
