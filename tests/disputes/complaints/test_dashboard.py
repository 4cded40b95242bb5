"""The support dashboard: live queue counts, aggregates kept a minute in Redis, capped counts."""

from __future__ import annotations

from datetime import timedelta

import pytest

from console.counts import COUNT_CAP, count_label
from disputes.complaints import reporting, services
from tests.factories import make_complaint, make_staff


@pytest.fixture
def agent():
    return make_staff("support_agent")


def test_the_aggregates_are_kept_a_while_and_the_queue_counts_stay_live(agent, now, queue_redis):
    make_complaint(actor=agent, now=now)
    later = now + timedelta(hours=5)  # the high-severity first response is breached by then
    first = reporting.dashboard(now=later, cache_seconds=60)
    assert first["open_total"] == 1 and first["breached"] == 1
    assert queue_redis.keys("support:dashboard:*"), "the aggregates were not kept in Redis"

    second = make_complaint(actor=agent, now=now)
    kept = reporting.dashboard(now=later, cache_seconds=60)
    assert kept["open_total"] == 1, "the aggregates come from Redis for a minute"
    assert kept["breached"] == 2, "the queue counts are read live"
    assert kept["computed_at"] == first["computed_at"]

    assert reporting.dashboard(now=later, cache_seconds=0)["open_total"] == 2
    services.transition(second, "triage", actor=agent, now=later)
    queue_redis.flushdb()
    fresh = reporting.dashboard(now=later, cache_seconds=60)
    assert fresh["open"]["high"] == {"new": 1, "triaged": 1}


def test_the_dashboard_works_without_redis(app_without_redis, now):
    with app_without_redis.app_context():
        agent = make_staff("support_agent")
        make_complaint(actor=agent, now=now)
        data = reporting.dashboard(now=now + timedelta(hours=5), cache_seconds=60)
        assert data["open_total"] == 1 and data["breached"] == 1


def test_a_queue_count_past_the_cap_reads_as_the_cap_and_a_plus():
    assert count_label(COUNT_CAP + 1) == "10\u202f000+" or count_label(COUNT_CAP + 1).startswith("10")
    assert count_label(COUNT_CAP + 1).endswith("+") and not count_label(COUNT_CAP).endswith("+")
