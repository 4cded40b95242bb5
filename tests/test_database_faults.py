"""The database drops the console's connection in the middle of a request: a clear 503 page, never a
bare 500, and the next request works on a fresh connection."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import Flask

from console.access import Role, roles_required
from console.db import db
from console.errors import _rollback_quietly
from tests import factories
from tests.conftest import ConsoleTestClient, _dispose, make_test_app, sign_in

pytestmark = pytest.mark.committed  # the app under test uses its own pool, not the test's connection


@pytest.fixture
def faulty_app(database_url, redis_url, tmp_path):
    """The console plus two pages whose database connection dies under them."""
    app = make_test_app(database_url, redis_url, str(tmp_path))
    app.test_client_class = ConsoleTestClient
    manager_only = roles_required(Role.MANAGER)
    app.add_url_rule("/_test/dies-mid-request", view_func=manager_only(_dies_mid_request))
    app.add_url_rule("/_test/dies-after-the-page", view_func=manager_only(_dies_after_the_page))
    yield app
    _dispose(app)


def _drop_the_connection() -> None:
    db.session.execute(sa.text("SELECT 1"))  # the request now holds a pooled connection
    if db.engine.dialect.name == "postgresql":
        pid = db.session.execute(sa.text("SELECT pg_backend_pid()")).scalar()
        with db.engine.connect() as other:  # as PostgreSQL does on a restart or failover
            other.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    else:  # SQLite has no server to lose: close the connection under the session's feet
        db.session.connection().connection.dbapi_connection.close()


def _dies_mid_request():
    _drop_the_connection()
    db.session.execute(sa.text("SELECT 1"))
    return "unreachable"


def _dies_after_the_page():
    _drop_the_connection()
    return "the page"


@pytest.fixture
def manager_client(faulty_app: Flask):
    with faulty_app.app_context():
        staff = factories.make_staff("manager")
        db.session.commit()
        email = staff.email
    client = faulty_app.test_client()
    sign_in(client, email)
    return client


def test_a_connection_killed_mid_request_gets_the_503_page_and_the_next_request_works(manager_client):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("terminating a server backend needs PostgreSQL")
    response = manager_client.get("/_test/dies-mid-request")
    assert response.status_code == 503
    assert "Database unavailable" in response.get_data(as_text=True)
    assert manager_client.get("/").status_code == 200  # a fresh connection, the sign-in kept


def test_a_connection_lost_before_the_teardown_still_delivers_the_page(manager_client):
    response = manager_client.get("/_test/dies-after-the-page")
    assert response.status_code == 200 and response.get_data(as_text=True) == "the page"
    assert manager_client.get("/").status_code == 200


def test_a_failed_rollback_leaves_no_dead_connection_in_the_session(faulty_app: Flask):
    with faulty_app.app_context():
        db.session.execute(sa.text("SELECT 1"))
        db.session.connection().connection.dbapi_connection.close()
        _rollback_quietly()
        assert db.session.execute(sa.text("SELECT 1")).scalar() == 1
