"""Fixtures: a real database (SQLite, or PostgreSQL from TEST_DATABASE_URL), a real Redis
(REDIS_URL, or an embedded server), one rolled-back transaction per test."""

from __future__ import annotations

import os
import re
import shutil
import signal
import tempfile
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest
import redis
import sqlalchemy as sa
from flask.testing import FlaskClient
from flask_migrate import upgrade
from rq import SimpleWorker

from console import redis_server
from console.app import create_app
from console.db import db
from tests import factories

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "")
PROJECT_ROOT = Path(__file__).resolve().parent.parent
PROJECT_ROOT_ENV = dict(os.environ) | {"PYTHONPATH": str(PROJECT_ROOT)}
EXTERNAL_REDIS_URL = os.environ.get("REDIS_URL", "")


def pytest_configure(config):
    config.addinivalue_line("markers", "committed: runs with real commits; tables are emptied afterwards")
    _compile_catalogue()


def _compile_catalogue() -> None:
    """The French catalogue compiled as `make install` does, for a bare `pytest` after a change."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    po = PROJECT_ROOT / "translations" / "fr" / "LC_MESSAGES" / "messages.po"
    mo = po.with_suffix(".mo")
    if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
        return
    with po.open("rb") as source:
        catalogue = read_po(source, locale="fr")
    with mo.open("wb") as target:
        write_mo(target, catalogue)


@pytest.fixture(scope="session")
def redis_url():
    if EXTERNAL_REDIS_URL:
        yield EXTERNAL_REDIS_URL
        return
    directory = tempfile.mkdtemp(prefix="ekr-", dir="/tmp")
    url = redis_server.ensure_running(directory)
    yield url
    redis_server.stop(directory)
    shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    if not TEST_DATABASE_URL:
        return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    url = TEST_DATABASE_URL.replace("postgresql://", "postgresql+psycopg://", 1)
    engine = sa.create_engine(url)
    with engine.begin() as conn:  # a clean schema for every run
        conn.execute(sa.text("DROP SCHEMA public CASCADE"))
        conn.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()
    return url


def make_test_app(database_url: str, redis_url: str, files_dir: str, **overrides):
    config = {
        "TESTING": True,
        "CONSOLE_ENV": "testing",
        "SECRET_KEY": "test-secret-key-not-for-production",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "REDIS_URL": redis_url,
        "FILES_DIR": files_dir,
        "SMTP_URL": "",
        "PASSWORD_HASH_COST": "fast",
        "SERVER_NAME": None,
        # Outside a staff member's request (jobs, services called directly, the sign-in page) the
        # tests read English; the French tests (tests/test_french.py) use the French default.
        "DEFAULT_LANGUAGE": "en",
        # Each test's rows are rolled back: cached dashboard figures would outlive them (own test).
        "DASHBOARD_CACHE_SECONDS": 0,
        "BOARD_CACHE_SECONDS": 0,
        # Test staff ids come back after each rollback; the rate limit has its own tests.
        "REPORT_REQUESTS_PER_MINUTE": None,
        # Test API clients come back with the same names after each rollback; the limit has its own test.
        "API_RATE_LIMIT": "100000/minute",
        # The staff fixtures sign in with a password; tests/auth/test_mfa.py turns the second factor on.
        "MFA_REQUIRED_ROLES": frozenset(),
    }
    config.update(overrides)
    return create_app(config)


class ConsoleTestClient(FlaskClient):
    """Each request gets its own app context (own `g`, own DB session), as in production."""

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture(scope="session")
def app(database_url, redis_url, tmp_path_factory):
    app = make_test_app(database_url, redis_url, str(tmp_path_factory.mktemp("files")))
    app.test_client_class = ConsoleTestClient
    with app.app_context():
        upgrade()
    yield app
    _dispose(app)


def _dispose(app) -> None:
    """Close pooled connections explicitly (PostgreSQL warns about connections left open)."""
    with app.app_context():
        for engine in db.engines.values():
            engine.dispose()


@pytest.fixture(autouse=True)
def _database(request, app):
    """Run the test inside a transaction rolled back at the end (or, for `committed`
    tests, with real commits and emptied tables afterwards)."""
    ctx = app.app_context()
    ctx.push()
    if request.node.get_closest_marker("committed"):
        yield
        db.session.remove()
        _empty_tables()
        ctx.pop()
        return
    connection = db.engine.connect()
    transaction = connection.begin()
    factory = db.session.session_factory
    original = dict(factory.kw)
    factory.configure(bind=connection, join_transaction_mode="create_savepoint")
    db.session.remove()
    try:
        yield
    finally:
        db.session.remove()
        factory.kw.clear()
        factory.kw.update(original)
        transaction.rollback()
        connection.close()
        ctx.pop()


def _empty_tables() -> None:
    with db.engine.begin() as conn:
        # Audit events may only be deleted while the transaction holds a purge permit (triggers).
        conn.execute(sa.text("INSERT INTO audit_purge_permit (id) VALUES (1)"))
        tables = [t for t in reversed(db.metadata.sorted_tables) if t.name != "audit_purge_permit"]
        tables.append(db.metadata.tables["audit_purge_permit"])
        if conn.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            conn.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            conn.exec_driver_sql("PRAGMA defer_foreign_keys=ON")  # restriction <-> proposal cycle
            for table in tables:
                conn.execute(table.delete())


class InProcessWorker(SimpleWorker):
    """RQ's in-process worker whose shutdown does not wait out its pub/sub thread's 60 s poll.

    With redis-py 8, stopping that thread joins it without a limit, and when the unsubscription
    lands before the thread's next poll, the poll waits its full 60 s for a subscription that never
    comes: a burst run then took a minute now and then (three tests of one suite run)."""

    def unsubscribe(self):
        if self.pubsub_thread:
            self.pubsub.unsubscribe()
            self.pubsub_thread.stop(timeout=2)
            self.pubsub.close()


@contextmanager
def restored_signal_handlers():
    """In-process RQ workers install their own SIGINT/SIGTERM handlers; put the test run's back."""
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler)


@pytest.fixture(autouse=True)
def _signal_handlers():
    with restored_signal_handlers():
        yield


@pytest.fixture
def queue_redis(app):
    """The test Redis, emptied before the test."""
    connection = redis.Redis.from_url(app.config["REDIS_URL"])
    connection.flushdb()
    yield connection
    connection.flushdb()
    connection.close()  # its pooled socket, not left to the collector (a ResourceWarning, an error here)


@pytest.fixture
def now():
    """A fixed moment in the past (jobs that read the real clock see it as due)."""
    return datetime(2026, 11, 2, 10, 0, tzinfo=UTC)


@pytest.fixture
def client(app):
    return app.test_client()


CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(client, url: str = "/login") -> str:
    """Read a CSRF token from a page the client can open."""
    response = client.get(url)
    match = CSRF_RE.search(response.get_data(as_text=True))
    assert match, f"no CSRF token on {url} ({response.status_code})"
    return match.group(1)


@contextmanager
def count_queries():
    """Collect the SQL statements run inside the block (the test's own savepoints left out)."""
    statements: list[str] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        if "SAVEPOINT" not in statement:
            statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", before)


def sign_in(client, email: str, password: str = factories.PASSWORD, *, purposes_chosen: bool = True):
    """Sign in through the form; unless told otherwise, the access-log purpose dialog is taken as
    answered for every kind of page (tests/privacy check the dialog itself)."""
    token = csrf_token(client, "/login")
    response = client.post("/login", data={"csrf_token": token, "email": email, "password": password})
    if purposes_chosen and response.status_code == 302:
        with client.session_transaction() as session:
            session["access_purposes"] = dict.fromkeys(TEST_ACCESS_KINDS, "audit")
    return response


@pytest.fixture
def staff_factory():
    return factories.make_staff


def signed_in_client(app, *roles: str):
    """A test client of `app` signed in as a fresh, committed staff member with `roles`."""
    staff = factories.make_staff(*roles)
    db.session.commit()
    client = app.test_client()
    response = sign_in(client, staff.email)
    assert response.status_code == 302, response.get_data(as_text=True)
    client.staff = staff
    return client


TEST_ACCESS_KINDS = (
    "provider",
    "client",
    "booking",
    "review",
    "policy",
    "restriction",
    "complaint",
    "dispute",
)


@pytest.fixture
def client_as(app):
    """`client_as("manager")`: a test client signed in as a fresh staff member with those roles."""
    return lambda *roles: signed_in_client(app, *roles)


@pytest.fixture
def app_without_redis(database_url, tmp_path):
    """The console with a Redis URL where nothing answers."""
    app = make_test_app(database_url, "redis://127.0.0.1:1/0", str(tmp_path))
    app.test_client_class = ConsoleTestClient
    yield app
    _dispose(app)
