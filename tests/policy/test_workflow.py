"""Policy rules without a database: the fee at the notice boundaries, transitions, four eyes, diff."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from console.domain import DomainError
from policy import workflow
from policy.workflow import FeeTier, VersionStatus

START = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
TIERS = [FeeTier(24, 0), FeeTier(0, 50)]


def fee(cancelled_at, *, price=10_000, tiers=TIERS, no_show=100):
    return workflow.cancellation_fee_cents(
        price_cents=price,
        tiers=tiers,
        no_show_percent=no_show,
        scheduled_start=START,
        cancelled_at=cancelled_at,
    )


@pytest.mark.parametrize(
    ("before", "expected"),
    [
        (timedelta(days=3), 0),
        (timedelta(hours=24), 0),  # exactly 24 h before: still free
        (timedelta(hours=24) - timedelta(seconds=1), 5_000),  # a second later: 50 %
        (timedelta(hours=1), 5_000),
        (timedelta(seconds=1), 5_000),
        (timedelta(0), 10_000),  # at the start: a no-show
        (-timedelta(minutes=5), 10_000),  # after the start
    ],
)
def test_the_fee_at_the_notice_boundaries(before, expected):
    assert fee(START - before) == expected


def test_a_booking_never_cancelled_is_a_no_show_and_fees_round_down_to_the_cent():
    assert fee(None) == 10_000
    assert fee(START - timedelta(hours=2), price=999) == 499  # 499.5 cents: never above the terms
    three = [FeeTier(72, 0), FeeTier(24, 25), FeeTier(0, 50)]
    assert [fee(START - timedelta(hours=h), tiers=three, no_show=80) for h in (72, 48, 24, 23, 0)] == [
        0, 2_500, 2_500, 5_000, 8_000,
    ]  # fmt: skip


def test_tiers_are_checked():
    workflow.check_tiers(TIERS, 100)
    for tiers, no_show in (([], 100), ([FeeTier(24, 0), FeeTier(24, 50)], 100), ([FeeTier(24, 120)], 100),
                           ([FeeTier(24, 60), FeeTier(0, 50)], 100), ([FeeTier(0, 50)], 40)):  # fmt: skip
        with pytest.raises(DomainError):
            workflow.check_tiers(tiers, no_show)


def test_a_claim_above_the_terms_is_flagged():
    assert workflow.claim_above_terms(5_001, 5_000) and not workflow.claim_above_terms(5_000, 5_000)


def test_versions_go_draft_review_published_and_the_drafter_cannot_publish():
    assert workflow.next_status(VersionStatus.DRAFT, "submit") == VersionStatus.IN_REVIEW
    assert workflow.next_status(VersionStatus.IN_REVIEW, "return") == VersionStatus.DRAFT
    assert workflow.next_status(VersionStatus.IN_REVIEW, "publish") == VersionStatus.PUBLISHED
    with pytest.raises(workflow.TransitionNotAllowed):
        workflow.next_status(VersionStatus.DRAFT, "publish")
    with pytest.raises(workflow.SamePerson):
        workflow.ensure_publisher(drafted_by_id=7, publisher_id=7)
    workflow.ensure_publisher(drafted_by_id=7, publisher_id=8)


def test_the_diff_says_what_was_removed_and_added():
    lines = workflow.text_diff("a\nb\nc", "a\nB\nc\nd")
    assert [(line.kind, line.text) for line in lines] == [
        ("same", "a"), ("removed", "b"), ("added", "B"), ("same", "c"), ("added", "d"),
    ]  # fmt: skip


def test_send_slots_follow_the_smtp_rate_and_announcing_counts_only_before_the_effective_date():
    assert workflow.send_slot_seconds(0, per_minute=600) == 0
    assert workflow.send_slot_seconds(600, per_minute=600) == 60
    assert workflow.announced_in_time(started_at=START - timedelta(days=1), effective_at=START)
    assert not workflow.announced_in_time(started_at=START, effective_at=START)
    assert not workflow.announced_in_time(started_at=None, effective_at=START)
