"""Complaint, dispute and moderation rules, without a database: every (state, event) pair."""

from __future__ import annotations

import pytest

from console.domain import DomainError
from disputes import workflow as wf
from disputes.workflow import (
    Category,
    DisputeKind,
    DisputeStatus,
    FlagRule,
    Moderation,
    Outcome,
    Severity,
    Status,
)

EXPECTED = {
    (Status.NEW, "triage"): Status.TRIAGED,
    (Status.TRIAGED, "start"): Status.IN_PROGRESS,
    (Status.IN_PROGRESS, "wait_on_client"): Status.WAITING_ON_CLIENT,
    (Status.IN_PROGRESS, "wait_on_provider"): Status.WAITING_ON_PROVIDER,
    (Status.WAITING_ON_CLIENT, "resume"): Status.IN_PROGRESS,
    (Status.WAITING_ON_PROVIDER, "resume"): Status.IN_PROGRESS,
    (Status.IN_PROGRESS, "resolve"): Status.RESOLVED,
    (Status.WAITING_ON_CLIENT, "resolve"): Status.RESOLVED,
    (Status.WAITING_ON_PROVIDER, "resolve"): Status.RESOLVED,
    (Status.RESOLVED, "reopen"): Status.IN_PROGRESS,
    (Status.RESOLVED, "close"): Status.CLOSED,
}
EVENTS = ["triage", "start", "wait_on_client", "wait_on_provider", "resume", "resolve", "reopen", "close"]


@pytest.mark.parametrize("status", list(Status))
@pytest.mark.parametrize("event", EVENTS)
def test_every_complaint_status_and_event(status, event):
    if (status, event) in EXPECTED:
        assert wf.next_status(status, event) == EXPECTED[status, event]
    else:
        with pytest.raises(wf.TransitionNotAllowed, match="cannot be"):
            wf.next_status(status, event)


def test_the_table_has_no_event_the_tests_do_not_know():
    assert set(wf.EVENTS) == set(EVENTS) and wf.TRANSITIONS == EXPECTED


def test_closing_a_new_complaint_is_refused_with_a_clear_message():
    with pytest.raises(wf.TransitionNotAllowed, match="A new complaint cannot be: close"):
        wf.next_status(Status.NEW, "close")


def test_unknown_events_are_refused():
    with pytest.raises(wf.TransitionNotAllowed):
        wf.next_status(Status.NEW, "<script>")


def test_allowed_events_follow_the_table():
    assert wf.allowed_events(Status.IN_PROGRESS) == ["wait_on_client", "wait_on_provider", "resolve"]
    assert wf.allowed_events(Status.CLOSED) == []


@pytest.mark.parametrize(
    ("category", "severity"),
    [
        (Category.SAFETY, Severity.CRITICAL),
        (Category.INJURY, Severity.CRITICAL),
        (Category.THEFT, Severity.CRITICAL),
        (Category.HARASSMENT, Severity.CRITICAL),
        (Category.DAMAGE, Severity.HIGH),
        (Category.NO_SHOW, Severity.HIGH),
        (Category.QUALITY, Severity.MEDIUM),
        (Category.LATENESS, Severity.MEDIUM),
        (Category.BILLING, Severity.MEDIUM),
        (Category.QUESTION, Severity.LOW),
        (Category.FEEDBACK, Severity.LOW),
    ],
)
def test_default_severity_per_category(category, severity):
    assert wf.default_severity(category) == severity
    assert (category in wf.SAFETY_CATEGORIES) == (severity == Severity.CRITICAL)


def test_auto_close_after_seven_days():
    from datetime import UTC, datetime, timedelta

    resolved = datetime(2026, 11, 2, 10, tzinfo=UTC)
    assert not wf.due_for_auto_close(resolved, resolved + timedelta(days=7) - timedelta(seconds=1))
    assert wf.due_for_auto_close(resolved, resolved + timedelta(days=7))
    assert not wf.due_for_auto_close(None, resolved)


def test_text_is_required_bounded_and_measured_as_stored():
    with pytest.raises(DomainError, match="note is required"):
        wf.clean_text("  ", limit=10, what="note")
    with pytest.raises(DomainError, match="too long"):
        wf.clean_text("x" * 1_000_001, limit=wf.BODY_MAX, what="message")
    assert wf.clean_text(None, limit=10, what="note", required=False) is None
    # A card number counts as its masked form, which is shorter.
    assert wf.clean_text("4970 1012 3456 7893 x", limit=30, what="note")


# --- disputes ---

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


# --- moderation ---

MODERATION_EXPECTED = {
    (Moderation.PENDING, "publish"): Moderation.PUBLISHED,
    (Moderation.PENDING, "hide"): Moderation.HIDDEN,
    (Moderation.PUBLISHED, "hide"): Moderation.HIDDEN,
    (Moderation.HIDDEN, "restore"): Moderation.PUBLISHED,
}


@pytest.mark.parametrize("status", list(Moderation))
@pytest.mark.parametrize("event", wf.MODERATION_EVENTS)
def test_every_moderation_status_and_event(status, event):
    if (status, event) in MODERATION_EXPECTED:
        assert wf.next_moderation(status, event) == MODERATION_EXPECTED[status, event]
    else:
        with pytest.raises(wf.TransitionNotAllowed):
            wf.next_moderation(status, event)


def test_hiding_needs_a_known_reason():
    assert wf.hide_reason("insulting") == "insulting"
    for code in (None, "", "because"):
        with pytest.raises(DomainError, match="reason"):
            wf.hide_reason(code)


@pytest.mark.parametrize(
    ("text", "rules"),
    [
        ("Très bien, ponctuelle et soignée.", set()),
        ("Appelez-moi au 06 12 34 56 78 pour du travail au noir", {FlagRule.CONTACT_DETAILS}),
        ("écrivez à jean.dupont@example.fr", {FlagRule.CONTACT_DETAILS}),
        ("Quel connard, une vraie arnaque", {FlagRule.INSULT}),
        ("Je lui ai donné ma carte [card ••••7890]", {FlagRule.CARD_NUMBER}),
        ("carte 4970 1012 3456 7893 débitée", {FlagRule.CARD_NUMBER}),
        ("SIRET 73282932000074 affiché", set()),
    ],
)
def test_flag_rules(text, rules):
    assert set(wf.flag_rules(text)) == rules


def test_rating_alert_needs_ten_published_ratings_below_three_and_a_half():
    assert not wf.rating_alert([1] * 9)
    assert wf.rating_alert([3, 3, 3, 3, 3, 4, 4, 4, 4, 3])  # 3.4
    assert not wf.rating_alert([3, 4] * 5)  # 3.5 exactly is not below
    assert not wf.rating_alert([5] * 10 + [1] * 10)  # only the last ten count
