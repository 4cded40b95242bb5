"""The expiry board reads its tabs from Redis: each tab's rows and count are computed once, kept,
forgotten when a verification (or the sweep) changes cover, and recomputed by a periodic job; a
board page then costs the same whatever the number of providers."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from console.business_time import paris_today
from console.db import db, utcnow
from insurance import board, services
from insurance.jobs import refresh_expiry_board
from insurance.workflow import Verification
from tests.factories import make_policy, make_provider, make_staff, make_verified_policy


def _count(page: str, tab: str) -> int:
    return int(re.search(rf'data-testid="count-{tab}">(\d+)<', page).group(1))


@pytest.fixture
def kept(app, queue_redis):
    """The board's tabs kept in Redis, as in production."""
    app.config["BOARD_CACHE_SECONDS"] = 900
    yield queue_redis
    app.config["BOARD_CACHE_SECONDS"] = 0


def _ending():
    today = paris_today(utcnow())
    return {"starts_on": today - timedelta(days=360), "ends_on": today + timedelta(days=5)}


def test_tabs_are_kept_until_a_verification(client_as, kept):
    make_verified_policy(make_provider(), **_ending())
    db.session.commit()
    manager = client_as("manager")
    page = manager.get("/expiry/?window=7").get_data(as_text=True)
    assert _count(page, "7") == 1 and _count(page, "expired") == 0
    assert kept.keys("insurance:board:*:7:meta")

    unverified = make_policy(make_provider(), **_ending())
    unverified.verification = Verification.VERIFIED  # set directly, not through verify_policy
    services.refresh_cover([unverified.provider_id])  # cover changed behind the board's back
    db.session.commit()
    assert _count(manager.get("/expiry/?window=7").get_data(as_text=True), "7") == 1  # as kept

    make_verified_policy(make_provider(), **_ending(), verifier=make_staff("vetting_officer"))
    # Forgotten once the verification commits, not before: a board page between the two would
    # otherwise keep the old cover.
    assert kept.keys("insurance:board:*")
    db.session.commit()
    assert not kept.keys("insurance:board:*")
    assert _count(manager.get("/expiry/?window=expired").get_data(as_text=True), "7") == 3


def test_the_periodic_job_fills_every_tab_and_a_page_then_reads_no_board_table(app, client_as, kept):
    for _ in range(3):
        make_verified_policy(make_provider(), **_ending())
    db.session.commit()
    counts = refresh_expiry_board()
    assert counts["7"] == 3 and set(counts) == set(board.BOARD_TABS)
    statements: list[str] = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        page = client_as("manager").get("/expiry/?window=7").get_data(as_text=True)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)
    assert _count(page, "7") == 3
    assert not [s for s in statements if "insurance_cover" in s], "the tab was computed again"


def test_pages_of_a_kept_tab(client_as, kept):
    for _ in range(55):
        make_verified_policy(make_provider(), **_ending())
    db.session.commit()
    manager = client_as("manager")
    first = manager.get("/expiry/?window=7").get_data(as_text=True)
    second = manager.get("/expiry/?window=7&page=2").get_data(as_text=True)
    beyond = manager.get("/expiry/?window=7&page=99").get_data(as_text=True)
    rows = lambda page: set(re.findall(r'data-testid="row-(\d+)"', page))  # noqa: E731
    assert len(rows(first)) == 50 and len(rows(second)) == 5 and not rows(first) & rows(second)
    assert rows(beyond) == rows(second)  # past the end: the last page


def test_without_redis_every_page_computes_its_tab(app_without_redis):
    from tests.conftest import signed_in_client

    app_without_redis.config["BOARD_CACHE_SECONDS"] = 900
    with app_without_redis.app_context():
        make_verified_policy(make_provider(), **_ending())
        db.session.commit()
        page = signed_in_client(app_without_redis, "manager").get("/expiry/?window=7")
        assert page.status_code == 200 and _count(page.get_data(as_text=True), "7") == 1
