"""Dispute rules, without a database: every (state, event) pair, claims, awards, deciders."""

from __future__ import annotations

import pytest

from console.domain import DomainError
from disputes.disputes import workflow as wf
from disputes.disputes.workflow import DisputeKind, DisputeStatus, Outcome

DISPUTE_EXPECTED = {
    (DisputeStatus.OPEN, "propose"): DisputeStatus.AWAITING_DECISION,
    (DisputeStatus.OPEN, "decide"): DisputeStatus.DECIDED,
    (DisputeStatus.AWAITING_DECISION, "decide"): DisputeStatus.DECIDED,
    (DisputeStatus.AWAITING_DECISION, "send_back"): DisputeStatus.OPEN,
}


@pytest.mark.parametrize("status", list(DisputeStatus))
@pytest.mark.parametrize("event", wf.DISPUTE_EVENTS)
def test_every_dispute_status_and_event(status, event):
    if (status, event) in DISPUTE_EXPECTED:
        assert wf.next_dispute_status(status, event) == DISPUTE_EXPECTED[status, event]
    else:
        with pytest.raises(wf.TransitionNotAllowed):
            wf.next_dispute_status(status, event)


@pytest.mark.parametrize(
    ("kind", "amount", "message"),
    [
        (DisputeKind.REFUND, 0, "more than zero"),
        (DisputeKind.REFUND, -100, "more than zero"),
        (DisputeKind.REFUND, 4501, "cannot exceed the booking's price"),
        (DisputeKind.REFUND, 12.5, "whole number"),
        (DisputeKind.REFUND, True, "whole number"),
        (DisputeKind.DAMAGE, "100", "whole number"),
        (DisputeKind.CANCELLATION_FEE, 4501, "cannot exceed the booking's price"),
    ],
)
def test_bad_claims_are_refused(kind, amount, message):
    with pytest.raises(DomainError, match=message):
        wf.ensure_claim(kind, amount, booking_price_cents=4500)


def test_damage_may_exceed_the_booking_price_but_a_refund_may_not():
    assert wf.ensure_claim(DisputeKind.DAMAGE, 120_000, booking_price_cents=4500) == 120_000
    assert wf.ensure_claim(DisputeKind.REFUND, 4500, booking_price_cents=4500) == 4500


@pytest.mark.parametrize(
    ("outcome", "awarded", "ok"),
    [
        (Outcome.UPHELD, 10_000, True),
        (Outcome.UPHELD, 9_999, False),
        (Outcome.PARTIALLY_UPHELD, 5_000, True),
        (Outcome.PARTIALLY_UPHELD, 0, False),
        (Outcome.PARTIALLY_UPHELD, 10_000, False),
        (Outcome.REJECTED, 0, True),
        (Outcome.REJECTED, 1, False),
        (Outcome.REJECTED, -1, False),
    ],
)
def test_the_award_fits_the_outcome(outcome, awarded, ok):
    if ok:
        assert wf.ensure_award(outcome, awarded, claimed_cents=10_000) == awarded
    else:
        with pytest.raises(DomainError):
            wf.ensure_award(outcome, awarded, claimed_cents=10_000)


def test_the_threshold_counts_the_claim_or_the_award():
    assert not wf.needs_manager(claimed_cents=50_000, awarded_cents=0, threshold_cents=50_000)
    assert wf.needs_manager(claimed_cents=50_001, awarded_cents=0, threshold_cents=50_000)


def _decider(**overrides):
    values = {
        "stake_above_threshold": True,
        "decider_id": 2,
        "decider_is_manager": True,
        "proposed_by_id": 1,
        "status": DisputeStatus.AWAITING_DECISION,
    } | overrides
    wf.ensure_decider(**values)


def test_a_manager_other_than_the_proposer_decides_above_the_threshold():
    _decider()
    with pytest.raises(DomainError, match="proposed the decision cannot decide it"):
        _decider(decider_id=1)
    with pytest.raises(DomainError, match="A manager must decide"):
        _decider(decider_is_manager=False)
    with pytest.raises(DomainError, match="propose the decision first"):
        _decider(status=DisputeStatus.OPEN, proposed_by_id=None)
    _decider(stake_above_threshold=False, status=DisputeStatus.OPEN, decider_is_manager=False)
    with pytest.raises(DomainError, match="proposed the decision cannot decide it"):
        _decider(stake_above_threshold=False, decider_id=1)


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("re_3NxAbc123", True),
        ("pi_1234567890", True),
        ("4970 1012 3456 7893", False),
        ("4970101234567893", False),
        ("abc", False),
        ("<script>", False),
        ("x" * 65, False),
    ],
)
def test_transaction_ids_never_take_a_card_number(value, ok):
    if ok:
        assert wf.clean_transaction_id(value) == value
    else:
        with pytest.raises(DomainError):
            wf.clean_transaction_id(value)


def test_claim_references():
    assert wf.clean_claim_reference(" AXA/2026/001 ") == "AXA/2026/001"
    with pytest.raises(DomainError):
        wf.clean_claim_reference("<b>")
