"""The expiry board computes the tab it shows; the other tabs' counts are kept for the day in
Redis and forgotten when a verification (or the sweep) changes cover."""

from __future__ import annotations

import re
from datetime import timedelta

from console.business_time import paris_today
from console.db import db, utcnow
from insurance import services
from insurance.workflow import Verification
from tests.factories import make_policy, make_provider, make_staff, make_verified_policy


def _count(page: str, tab: str) -> int:
    return int(re.search(rf'data-testid="count-{tab}">(\d+)<', page).group(1))


def test_other_tabs_counts_are_kept_until_a_verification(client_as, queue_redis):
    queue_redis.flushdb()
    today = paris_today(utcnow())
    ending = {"starts_on": today - timedelta(days=360), "ends_on": today + timedelta(days=5)}
    make_verified_policy(make_provider(), **ending)
    db.session.commit()
    manager = client_as("manager")
    assert _count(manager.get("/expiry/?window=expired").get_data(as_text=True), "7") == 1

    unverified = make_policy(make_provider(), **ending)
    unverified.verification = Verification.VERIFIED  # set directly, not through verify_policy
    services.refresh_cover([unverified.provider_id])  # cover changed behind the board's back
    db.session.commit()
    page = manager.get("/expiry/?window=expired").get_data(as_text=True)
    assert _count(page, "7") == 1  # the day's count, not recomputed for another tab
    assert _count(manager.get("/expiry/?window=7").get_data(as_text=True), "7") == 2  # the shown tab is live

    make_verified_policy(make_provider(), **ending, verifier=make_staff("vetting_officer"))
    # Forgotten once the verification commits, not before: a board page between the two would
    # otherwise count the old cover again and keep it for the day.
    assert queue_redis.keys("insurance:board-counts:*")
    db.session.commit()
    assert not queue_redis.keys("insurance:board-counts:*")
    assert _count(manager.get("/expiry/?window=expired").get_data(as_text=True), "7") == 3
