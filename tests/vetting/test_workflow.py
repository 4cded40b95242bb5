"""The pure vetting rules (vetting/workflow.py) and the business-time helpers they rely on.

No app, no database: the shared autouse `_database` fixture is replaced by a no-op below.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from itertools import product

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from console.business_time import (
    PARIS,
    add_business_hours,
    business_hours_between,
    is_business_day,
)
from console.domain import DomainError, Role
from vetting.workflow import (
    ACTIVE,
    CASE_EVENTS,
    CASE_TRANSITIONS,
    CHECK_EVENTS,
    CHECK_TRANSITIONS,
    CLOCK_RUNNING,
    CLOSED_WITHOUT_APPROVAL,
    COMPLETED_CHECKS,
    FINAL,
    OFFICER_ROLES,
    RUBRIC,
    AttemptOutcome,
    B3Outcome,
    Background,
    CaseStatus,
    CheckKind,
    CheckStatus,
    DocumentType,
    ReferenceStatus,
    RejectionReason,
    TransitionNotAllowed,
    add_months,
    allowed_check_events,
    allowed_events,
    approval_problems,
    background_problems,
    case_due,
    chase_step,
    check_completed,
    check_open,
    check_workable,
    ensure_b3_date,
    ensure_rubric,
    ensure_score,
    four_eyes_kept,
    may_be_assigned,
    may_withdraw,
    next_case_status,
    next_check_status,
    positive_references,
    reference_after_attempt,
    reference_open,
    references_problems,
    rejection_statement,
    renewal_opens,
    revetting_due,
    skills_problems,
    worker_problem,
)


@pytest.fixture(autouse=True)
def _database():
    """Override the shared conftest's database fixture: these tests need neither app nor database."""
    yield


def paris(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=PARIS)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


# --- 1. transitions ------------------------------------------------------------------------

EXPECTED_CASE_TRANSITIONS = {
    (CaseStatus.OPEN, "start_review"): CaseStatus.IN_REVIEW,
    (CaseStatus.OPEN, "await_provider"): CaseStatus.AWAITING_PROVIDER,
    (CaseStatus.IN_REVIEW, "await_provider"): CaseStatus.AWAITING_PROVIDER,
    (CaseStatus.READY, "await_provider"): CaseStatus.AWAITING_PROVIDER,
    (CaseStatus.AWAITING_PROVIDER, "provider_answered"): CaseStatus.IN_REVIEW,
    (CaseStatus.IN_REVIEW, "checks_complete"): CaseStatus.READY,
    (CaseStatus.READY, "reopen"): CaseStatus.IN_REVIEW,
    (CaseStatus.READY, "approve"): CaseStatus.APPROVED,
    (CaseStatus.IN_REVIEW, "reject"): CaseStatus.REJECTED,
    (CaseStatus.READY, "reject"): CaseStatus.REJECTED,
    (CaseStatus.AWAITING_PROVIDER, "reject"): CaseStatus.REJECTED,
    (CaseStatus.OPEN, "withdraw"): CaseStatus.WITHDRAWN,
    (CaseStatus.IN_REVIEW, "withdraw"): CaseStatus.WITHDRAWN,
    (CaseStatus.AWAITING_PROVIDER, "withdraw"): CaseStatus.WITHDRAWN,
}


def test_case_table_is_the_reviewed_one():
    """A change to the table must be deliberate: this copy is the design as reviewed."""
    assert CASE_TRANSITIONS == EXPECTED_CASE_TRANSITIONS
    assert sorted(CASE_EVENTS) == CASE_EVENTS
    assert set(CASE_EVENTS) == {event for _, event in EXPECTED_CASE_TRANSITIONS}
    assert {CaseStatus.APPROVED, CaseStatus.REJECTED, CaseStatus.WITHDRAWN} == FINAL
    assert set(CaseStatus) - FINAL == ACTIVE


@pytest.mark.parametrize(("status", "event"), list(product(CaseStatus, CASE_EVENTS)))
def test_every_case_status_and_event(status, event):
    if (status, event) in EXPECTED_CASE_TRANSITIONS:
        assert next_case_status(status, event) is EXPECTED_CASE_TRANSITIONS[status, event]
        return
    with pytest.raises(TransitionNotAllowed) as caught:
        next_case_status(status, event)
    message = str(caught.value)
    assert message.startswith("this step (")
    assert event.replace("_", " ") in message  # no snake_case event names in the message
    assert status.value.replace("_", " ") in message
    assert isinstance(caught.value, DomainError)


@pytest.mark.parametrize("status", list(CaseStatus))
def test_unknown_case_event_is_refused(status):
    with pytest.raises(TransitionNotAllowed, match=r"step \(teleport\) is not allowed"):
        next_case_status(status, "teleport")


@pytest.mark.parametrize(("status", "event"), list(product(CheckStatus, CHECK_EVENTS)))
def test_every_check_status_and_event(status, event):
    if (status, event) in CHECK_TRANSITIONS:
        expected = {
            (CheckStatus.PENDING, "start"): CheckStatus.IN_PROGRESS,
            (CheckStatus.IN_PROGRESS, "pass"): CheckStatus.PASSED,
            (CheckStatus.IN_PROGRESS, "fail"): CheckStatus.FAILED,
        }[status, event]
        assert next_check_status(status, event) is expected
        return
    with pytest.raises(TransitionNotAllowed) as caught:
        next_check_status(status, event)
    state = status.value.replace("_", " ")
    assert str(caught.value) == f"this step ({event}) is not allowed while the check is {state}"


def test_check_table_is_the_reviewed_one():
    assert CHECK_EVENTS == ["fail", "pass", "start"]
    assert len(CHECK_TRANSITIONS) == 3


@pytest.mark.parametrize("status", sorted(FINAL))
def test_nothing_leaves_a_final_case_status(status):
    assert not [key for key in CASE_TRANSITIONS if key[0] == status]
    for event in CASE_EVENTS:
        with pytest.raises(TransitionNotAllowed):
            next_case_status(status, event)


@pytest.mark.parametrize("status", [CheckStatus.PASSED, CheckStatus.FAILED])
def test_nothing_leaves_a_finished_check(status):
    for event in CHECK_EVENTS:
        with pytest.raises(TransitionNotAllowed):
            next_check_status(status, event)


def test_every_active_case_status_can_still_end():
    """From every active status some path reaches a final one (no dead end)."""
    for start in ACTIVE:
        seen, frontier = {start}, [start]
        while frontier:
            current = frontier.pop()
            for (source, _), target in CASE_TRANSITIONS.items():
                if source == current and target not in seen:
                    seen.add(target)
                    frontier.append(target)
        assert seen & FINAL, start


# --- 2. case deadline ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("opened_at", "paused_hours", "due"),
    [
        # Monday 10:00 Paris (CET) -> Monday two weeks later 10:00 Paris.
        pytest.param(paris(2026, 11, 16, 10), 0, utc(2026, 11, 30, 9), id="monday-10h-winter"),
        pytest.param(utc(2026, 11, 16, 9), 0, utc(2026, 11, 30, 9), id="monday-10h-given-in-utc"),
        pytest.param(paris(2026, 6, 1, 10), 0, utc(2026, 6, 15, 8), id="monday-10h-summer"),
        # Friday evening: the clock starts on Monday 09:00; ten full days end on Friday 18:00.
        pytest.param(paris(2026, 10, 2, 19), 0, utc(2026, 10, 16, 16), id="friday-evening"),
        pytest.param(paris(2026, 10, 3, 11), 0, utc(2026, 10, 16, 16), id="saturday"),
        pytest.param(paris(2026, 10, 5, 7, 30), 0, utc(2026, 10, 16, 16), id="monday-before-opening"),
        # Paused (awaiting provider) business hours push the deadline.
        pytest.param(paris(2026, 11, 16, 10), 4.5, utc(2026, 11, 30, 13, 30), id="paused-4.5h"),
        pytest.param(paris(2026, 11, 16, 10), 8, utc(2026, 11, 30, 17), id="paused-to-closing"),
        pytest.param(paris(2026, 11, 16, 10), 9, utc(2026, 12, 1, 9), id="paused-one-day"),
        pytest.param(paris(2026, 11, 16, 10), 45, utc(2026, 12, 7, 9), id="paused-one-week"),
        # Holidays are skipped: 11 November (Wed), Ascension 14 May + 1 and 8 May (Fridays).
        pytest.param(paris(2026, 11, 2, 10), 0, utc(2026, 11, 17, 9), id="armistice"),
        pytest.param(paris(2026, 5, 4, 10), 0, utc(2026, 5, 20, 8), id="8-may-and-ascension"),
        # Easter Monday 2027-03-29, in the week after the change to summer time (28 March 2027).
        pytest.param(paris(2027, 3, 22, 10), 0, utc(2027, 4, 6, 8), id="easter-monday-2027"),
        # Lands on Easter Monday 2027 itself: moves to Tuesday.
        pytest.param(paris(2027, 3, 15, 10), 0, utc(2027, 3, 30, 8), id="due-on-easter-monday"),
        # Time changes: last Sunday of March (29 March 2026) and of October (25 October 2026).
        pytest.param(paris(2026, 3, 16, 10), 0, utc(2026, 3, 30, 8), id="to-summer-time"),
        pytest.param(paris(2026, 3, 23, 10), 0, utc(2026, 4, 7, 8), id="summer-time-and-easter-monday"),
        pytest.param(paris(2026, 10, 19, 10), 0, utc(2026, 11, 2, 9), id="to-winter-time"),
        pytest.param(paris(2026, 10, 23, 17), 0, utc(2026, 11, 6, 16), id="friday-over-winter-time"),
        # Christmas and New Year's Day (Fridays in 2026/2027).
        pytest.param(paris(2026, 12, 21, 10), 0, utc(2027, 1, 6, 9), id="christmas-new-year"),
    ],
)
def test_case_due(opened_at, paused_hours, due):
    result = case_due(opened_at, paused_hours)
    assert result == due
    assert result.tzinfo is UTC
    assert business_hours_between(opened_at, result) == pytest.approx(90 + paused_hours)


def test_case_due_lands_on_a_business_day_within_hours():
    for day in range(365):
        opened = paris(2026, 1, 1, 10) + timedelta(days=day)
        due = case_due(opened, 0).astimezone(PARIS)
        assert is_business_day(due.date())
        assert time(9) < due.time() <= time(18)


# --- 3. business_hours_between ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "hours"),
    [
        pytest.param(paris(2026, 11, 2, 10), paris(2026, 11, 2, 10), 0, id="same-instant"),
        pytest.param(paris(2026, 11, 2, 12), paris(2026, 11, 2, 10), 0, id="end-before-start"),
        pytest.param(paris(2026, 11, 3, 10), paris(2026, 11, 2, 10), 0, id="end-day-before"),
        pytest.param(paris(2026, 11, 2, 10), paris(2026, 11, 2, 13, 30), 3.5, id="within-a-day"),
        pytest.param(paris(2026, 11, 2, 6), paris(2026, 11, 2, 22), 9, id="whole-day-from-outside"),
        pytest.param(paris(2026, 11, 2, 19), paris(2026, 11, 3, 8), 0, id="overnight"),
        pytest.param(paris(2026, 11, 2, 17), paris(2026, 11, 3, 10), 2, id="across-a-night"),
        pytest.param(paris(2026, 11, 6, 17), paris(2026, 11, 9, 10), 2, id="across-a-weekend"),
        pytest.param(paris(2026, 11, 7, 10), paris(2026, 11, 8, 16), 0, id="inside-a-weekend"),
        pytest.param(paris(2026, 11, 10, 17), paris(2026, 11, 12, 10), 2, id="across-11-november"),
        pytest.param(paris(2026, 11, 11, 9), paris(2026, 11, 11, 18), 0, id="on-a-holiday"),
        pytest.param(paris(2026, 11, 2, 10), paris(2026, 11, 5, 10), 27, id="across-days"),
        pytest.param(paris(2026, 11, 2, 9), paris(2026, 11, 16, 9), 81, id="two-weeks-with-holiday"),
        pytest.param(paris(2026, 3, 27, 17), paris(2026, 3, 30, 10), 2, id="across-spring-forward"),
        pytest.param(paris(2026, 10, 23, 17), paris(2026, 10, 26, 10), 2, id="across-fall-back"),
        pytest.param(utc(2026, 11, 2, 9), utc(2026, 11, 2, 12), 3, id="given-in-utc"),
        pytest.param(paris(2026, 12, 31, 17), paris(2027, 1, 4, 10), 2, id="across-new-year"),
    ],
)
def test_business_hours_between(start, end, hours):
    assert business_hours_between(start, end) == pytest.approx(hours)


@pytest.mark.parametrize(
    ("start", "hours"),
    [
        (paris(2026, 11, 2, 9), 0),
        (paris(2026, 11, 2, 10), 0.25),
        (paris(2026, 11, 2, 10), 8),
        (paris(2026, 11, 2, 10), 9),
        (paris(2026, 11, 6, 17, 45), 1),
        (paris(2026, 11, 10, 12), 13),
        (paris(2026, 3, 27, 11), 30),
        (paris(2026, 10, 23, 16), 30),
        (paris(2026, 12, 24, 15), 50),
        (paris(2027, 3, 26, 9, 15), 100),
        (paris(2028, 2, 28, 17), 20),
    ],
)
def test_between_inverts_add(start, hours):
    assert business_hours_between(start, add_business_hours(start, hours)) == pytest.approx(hours)


BUSINESS_MOMENTS = st.tuples(
    st.dates(min_value=date(2025, 1, 1), max_value=date(2030, 12, 31)).filter(is_business_day),
    st.integers(min_value=0, max_value=9 * 60 - 1),
).map(lambda pair: datetime.combine(pair[0], time(9), PARIS) + timedelta(minutes=pair[1]))


@settings(max_examples=300, deadline=None, database=None)
@given(start=BUSINESS_MOMENTS, quarters=st.integers(min_value=0, max_value=4 * 400))
def test_between_inverts_add_property(start, quarters):
    hours = quarters / 4
    end = add_business_hours(start, hours)
    assert end >= start
    assert business_hours_between(start, end) == pytest.approx(hours, abs=1e-9)


@settings(max_examples=200, deadline=None, database=None)
@given(
    start=BUSINESS_MOMENTS,
    first=st.integers(min_value=0, max_value=200),
    second=st.integers(min_value=0, max_value=200),
)
def test_between_is_additive(start, first, second):
    middle = add_business_hours(start, first)
    end = add_business_hours(start, first + second)
    total = business_hours_between(start, middle) + business_hours_between(middle, end)
    assert total == pytest.approx(business_hours_between(start, end))


# --- 4. chasing and withdrawal ---------------------------------------------------------------

SINCE = utc(2026, 11, 2, 10)
TICK = timedelta(microseconds=1)


@pytest.mark.parametrize(
    ("done", "now", "expected"),
    [
        (0, SINCE, None),
        (0, SINCE + timedelta(days=2) - TICK, None),
        (0, SINCE + timedelta(days=2), 1),
        (0, SINCE + timedelta(days=9), 1),  # only the next reminder, one at a time
        (1, SINCE + timedelta(days=2), None),
        (1, SINCE + timedelta(days=5) - TICK, None),
        (1, SINCE + timedelta(days=5), 2),
        (2, SINCE + timedelta(days=5), None),
        (2, SINCE + timedelta(days=8) - TICK, None),
        (2, SINCE + timedelta(days=8), 3),
        (2, SINCE + timedelta(days=29), 3),
        (3, SINCE + timedelta(days=8), None),
        (3, SINCE + timedelta(days=100), None),
        (4, SINCE + timedelta(days=100), None),
    ],
)
def test_chase_step(done, now, expected):
    assert chase_step(SINCE, now, done) == expected


def test_chase_counts_calendar_days_not_business_days():
    friday = paris(2026, 11, 6, 17)
    assert chase_step(friday, paris(2026, 11, 8, 17), 0) == 1  # Sunday


@pytest.mark.parametrize(
    ("since", "now", "expected"),
    [
        (SINCE, SINCE + timedelta(days=30), True),
        (SINCE, SINCE + timedelta(days=45), True),
        (SINCE, SINCE + timedelta(days=30) - TICK, False),
        (SINCE, SINCE + timedelta(days=29), False),
        (SINCE, SINCE, False),
        (None, SINCE + timedelta(days=365), False),
    ],
)
def test_may_withdraw(since, now, expected):
    assert may_withdraw(since, now) is expected


# --- 5. months, re-vetting -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2026, 6, 15), 0, date(2026, 6, 15)),
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2028, 1, 31), 1, date(2028, 2, 29)),  # leap year
        (date(2026, 1, 30), 1, date(2026, 2, 28)),
        (date(2026, 1, 28), 1, date(2026, 2, 28)),
        (date(2026, 3, 31), 1, date(2026, 4, 30)),
        (date(2026, 8, 31), 1, date(2026, 9, 30)),
        (date(2026, 12, 15), 1, date(2027, 1, 15)),
        (date(2026, 12, 31), 2, date(2027, 2, 28)),
        (date(2026, 11, 30), 3, date(2027, 2, 28)),
        (date(2026, 1, 31), 24, date(2028, 1, 31)),
        (date(2028, 2, 29), 12, date(2029, 2, 28)),
        (date(2028, 2, 29), 48, date(2032, 2, 29)),
        (date(2026, 1, 15), -1, date(2025, 12, 15)),
        (date(2026, 1, 1), -13, date(2024, 12, 1)),
        (date(2026, 3, 31), -1, date(2026, 2, 28)),
        (date(2028, 3, 31), -1, date(2028, 2, 29)),
        (date(2026, 5, 31), -3, date(2026, 2, 28)),
        (date(2026, 7, 31), -3, date(2026, 4, 30)),
        (date(2026, 2, 28), -12, date(2025, 2, 28)),
        (date(2026, 3, 15), -24, date(2024, 3, 15)),
        (date(2026, 12, 31), 12, date(2027, 12, 31)),
    ],
)
def test_add_months(day, months, expected):
    assert add_months(day, months) == expected


@given(
    day=st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 12, 31)),
    months=st.integers(min_value=-240, max_value=240),
)
@settings(database=None)
def test_add_months_properties(day, months):
    result = add_months(day, months)
    assert (result.year * 12 + result.month) - (day.year * 12 + day.month) == months
    assert result.day == day.day or (result.day < day.day and (result + timedelta(days=1)).day == 1)
    if day.day <= 28:
        assert add_months(result, -months) == day


@pytest.mark.parametrize(
    ("approved_on", "interval", "due", "opens"),
    [
        (date(2026, 3, 15), None, date(2028, 3, 15), date(2028, 1, 15)),
        (date(2026, 1, 31), None, date(2028, 1, 31), date(2027, 12, 2)),
        (date(2028, 2, 29), None, date(2030, 2, 28), date(2029, 12, 30)),
        (date(2026, 6, 30), 12, date(2027, 6, 30), date(2027, 5, 1)),
        (date(2026, 8, 31), 6, date(2027, 2, 28), date(2026, 12, 30)),
    ],
)
def test_revetting_due_and_renewal_opens(approved_on, interval, due, opens):
    args = (approved_on,) if interval is None else (approved_on, interval)
    assert revetting_due(*args) == due
    assert renewal_opens(*args) == opens
    assert due - renewal_opens(*args) == timedelta(days=60)


# --- 6. criminal-record extract (B3) date ----------------------------------------------------


@pytest.mark.parametrize(
    ("issue_date", "viewed_on"),
    [
        (date(2026, 5, 10), date(2026, 5, 10)),  # issued the day it is viewed
        (date(2026, 2, 11), date(2026, 5, 10)),  # one day younger than 3 months
        (date(2026, 4, 1), date(2026, 5, 10)),
        (date(2026, 3, 1), date(2026, 5, 31)),  # end of month: the limit is 28 February
        (date(2027, 11, 30), date(2028, 2, 29)),  # 29 Feb - 3 months = 29 Nov
        (date(2025, 10, 1), date(2025, 12, 31)),  # 31 Dec - 3 months = 30 Sep
    ],
)
def test_b3_date_accepted(issue_date, viewed_on):
    assert issue_date > add_months(viewed_on, -3)
    assert ensure_b3_date(issue_date, viewed_on) is None


@pytest.mark.parametrize(
    ("issue_date", "viewed_on"),
    [
        (date(2026, 2, 10), date(2026, 5, 10)),  # exactly 3 months old
        (date(2026, 1, 2), date(2026, 5, 10)),
        (date(2026, 2, 28), date(2026, 5, 31)),  # end of month: 31 May - 3 months = 28 Feb
        (date(2026, 2, 27), date(2026, 5, 31)),
        (date(2027, 11, 29), date(2028, 2, 29)),
        (date(2025, 9, 30), date(2025, 12, 31)),
        (date(2025, 10, 10), date(2026, 1, 10)),  # across the year
    ],
)
def test_b3_date_too_old_refused(issue_date, viewed_on):
    assert issue_date <= add_months(viewed_on, -3)
    with pytest.raises(DomainError, match="more than 3 months old"):
        ensure_b3_date(issue_date, viewed_on)


@pytest.mark.parametrize(
    ("issue_date", "viewed_on"),
    [(date(2026, 5, 11), date(2026, 5, 10)), (date(2027, 1, 1), date(2026, 12, 31))],
)
def test_b3_date_in_future_refused(issue_date, viewed_on):
    with pytest.raises(DomainError, match="cannot be in the future"):
        ensure_b3_date(issue_date, viewed_on)


# --- 7. check guards -------------------------------------------------------------------------

TODAY = date(2026, 11, 2)
GOOD = Background(
    document_type=DocumentType.ID_CARD,
    document_expiry=date(2030, 1, 1),
    document_last4="7X4Q",
    siret_valid=True,
    siret_active=True,
    b3_issue_date=date(2026, 10, 1),
    b3_viewed_on=date(2026, 10, 20),
    b3_outcome=B3Outcome.COMPATIBLE,
)


def with_(**changes) -> Background:
    return replace(GOOD, **changes)


@pytest.mark.parametrize("document_type", list(DocumentType))
def test_background_all_good(document_type):
    assert background_problems(with_(document_type=document_type), TODAY) == []


def test_background_document_expiring_today_is_still_valid():
    assert background_problems(with_(document_expiry=TODAY), TODAY) == []


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"document_type": None}, ["identity document not verified"]),
        ({"document_last4": None}, ["identity document not verified"]),
        ({"document_last4": ""}, ["identity document not verified"]),
        ({"document_expiry": TODAY - timedelta(days=1)}, ["identity document expired"]),
        ({"document_expiry": None}, ["identity document expiry not recorded"]),
        ({"siret_valid": False}, ["SIRET checksum invalid"]),
        ({"siret_active": None}, ["SIRET not confirmed active"]),
        ({"siret_active": False}, ["SIRET not confirmed active"]),
        ({"b3_outcome": None}, ["criminal-record extract not viewed"]),
        ({"b3_outcome": B3Outcome.INCOMPATIBLE}, ["criminal-record extract incompatible"]),
        (
            {"siret_valid": False, "siret_active": None},
            ["SIRET checksum invalid", "SIRET not confirmed active"],
        ),
    ],
)
def test_background_problems(changes, expected):
    assert background_problems(with_(**changes), TODAY) == expected


def test_background_everything_missing():
    empty = Background(None, None, None, False, None, None, None, None)
    assert background_problems(empty, TODAY) == [
        "identity document not verified",
        "SIRET checksum invalid",
        "SIRET not confirmed active",
        "criminal-record extract not viewed",
    ]


@pytest.mark.parametrize(
    "changes",
    [
        pytest.param({"b3_issue_date": None}, id="no-issue-date"),
        pytest.param({"b3_viewed_on": None}, id="no-viewed-on"),
        pytest.param({"b3_issue_date": date(2026, 7, 20)}, id="three-months-old-when-viewed"),
        pytest.param({"b3_issue_date": date(2026, 10, 21)}, id="issued-after-viewing"),
    ],
)
def test_background_refuses_an_incomplete_or_stale_extract_record(changes):
    """DESIGN §3: the extract's issue date is recorded and must be under 3 months old when viewed.
    An outcome without a (valid) issue date / viewing date must not let the check pass."""
    assert background_problems(with_(**changes), TODAY) != []


@pytest.mark.parametrize(
    ("score", "trial", "pass_mark", "expected"),
    [
        (70, True, 70, []),
        (100, True, 70, []),
        (69, True, 70, ["assessment score 69 below the pass mark 70"]),
        (0, True, 70, ["assessment score 0 below the pass mark 70"]),
        (80, True, 85, ["assessment score 80 below the pass mark 85"]),
        (85, True, 85, []),
        (0, True, 0, []),
        (None, True, 70, ["assessment not scored"]),
        (70, None, 70, ["trial clean not passed"]),
        (70, False, 70, ["trial clean not passed"]),
        (None, None, 70, ["assessment not scored", "trial clean not passed"]),
        (50, False, 70, ["assessment score 50 below the pass mark 70", "trial clean not passed"]),
    ],
)
def test_skills_problems(score, trial, pass_mark, expected):
    assert skills_problems(score, trial, pass_mark) == expected


@pytest.mark.parametrize("score", [0, 1, 70, 99, 100])
def test_score_accepted(score):
    assert ensure_score(score) == score


@pytest.mark.parametrize("score", [101, -1, 1000, 70.5, 70.0, True, False, "70", None, [70]])
def test_score_refused(score):
    with pytest.raises(DomainError, match="whole number from 0 to 100"):
        ensure_score(score)


FULL_RUBRIC = {"punctuality": 5, "thoroughness": 4, "care_of_belongings": 3, "communication": 1}


def test_rubric_keys_are_the_four():
    assert set(RUBRIC) == set(FULL_RUBRIC)
    assert ensure_rubric(FULL_RUBRIC) == FULL_RUBRIC


@pytest.mark.parametrize("mark", [1, 2, 3, 4, 5])
def test_rubric_marks_accepted(mark):
    marks = dict.fromkeys(RUBRIC, mark)
    assert ensure_rubric(marks) == marks


@pytest.mark.parametrize(
    "marks",
    [
        pytest.param({}, id="empty"),
        pytest.param({k: v for k, v in FULL_RUBRIC.items() if k != "communication"}, id="one-missing"),
        pytest.param(FULL_RUBRIC | {"speed": 3}, id="one-extra"),
        pytest.param({"punctuality": 3}, id="only-one"),
    ],
)
def test_rubric_needs_exactly_the_four_keys(marks):
    with pytest.raises(DomainError, match="needs a mark for each of: punctuality, thoroughness"):
        ensure_rubric(marks)


@pytest.mark.parametrize("bad", [0, 6, -1, 3.0, 2.5, True, "3", None])
@pytest.mark.parametrize("name", RUBRIC)
def test_rubric_marks_refused(name, bad):
    label = name.replace("_", " ")
    with pytest.raises(DomainError, match=f"The {label} mark is a whole number from 1 to 5"):
        ensure_rubric(FULL_RUBRIC | {name: bad})


P, N, U, W = (
    ReferenceStatus.POSITIVE,
    ReferenceStatus.NEGATIVE,
    ReferenceStatus.UNREACHABLE,
    ReferenceStatus.PENDING,
)


@pytest.mark.parametrize(
    ("statuses", "positives"),
    [
        ([], 0),
        ([W, W], 0),
        ([N, U, W], 0),
        ([P], 1),
        ([P, N, U, W], 1),
        ([P, P], 2),
        ([P, N, P], 2),
        ([U, P, W, P, N], 2),
        ([P, P, P], 3),
    ],
)
def test_references_problems(statuses, positives):
    problems = references_problems(statuses)
    if positives >= 2:
        assert problems == []
    else:
        noun = "reference" if positives == 1 else "references"
        assert problems == [f"{positives} verified positive {noun}; 2 are needed"]
    assert references_problems(iter(statuses)) == problems  # a one-shot iterable works too


@pytest.mark.parametrize("failure", [AttemptOutcome.NO_ANSWER, AttemptOutcome.WRONG_CONTACT])
def test_three_failed_attempts_make_a_reference_unreachable(failure):
    status, failed = ReferenceStatus.PENDING, 0
    history = []
    for _ in range(3):
        status, failed = reference_after_attempt(failed, failure)
        history.append((status, failed))
    assert history == [(W, 1), (W, 2), (U, 3)]


def test_mixed_failed_attempts_count_together():
    _, failed = reference_after_attempt(0, AttemptOutcome.NO_ANSWER)
    _, failed = reference_after_attempt(failed, AttemptOutcome.WRONG_CONTACT)
    assert reference_after_attempt(failed, AttemptOutcome.NO_ANSWER) == (U, 3)


@pytest.mark.parametrize("failed_before", [0, 1, 2])
@pytest.mark.parametrize(("outcome", "status"), [(AttemptOutcome.POSITIVE, P), (AttemptOutcome.NEGATIVE, N)])
def test_answered_attempt_sets_outcome_and_keeps_count(failed_before, outcome, status):
    assert reference_after_attempt(failed_before, outcome) == (status, failed_before)


# --- 8. approval ------------------------------------------------------------------------------

ALL_PASSED = dict.fromkeys(CheckKind, CheckStatus.PASSED)


def approval(**overrides) -> list[str]:
    arguments = {
        "check_statuses": ALL_PASSED,
        "completer_ids": [11, 12, 13],
        "approver_id": 99,
        "insurance_problem": None,
    } | overrides
    return approval_problems(**arguments)


def test_approval_all_good():
    assert approval() == []
    assert approval(completer_ids=[None, None, None]) == []
    assert approval(completer_ids=iter([11, 12])) == []


@pytest.mark.parametrize("kind", list(CheckKind))
@pytest.mark.parametrize("status", [CheckStatus.PENDING, CheckStatus.IN_PROGRESS, CheckStatus.FAILED])
def test_each_unpassed_check_is_listed(kind, status):
    label = status.value.replace("_", " ")
    assert approval(check_statuses=ALL_PASSED | {kind: status}) == [f"the {kind.value} check is {label}"]


def test_missing_checks_count_as_pending():
    assert approval(check_statuses={CheckKind.SKILLS: CheckStatus.PASSED}) == [
        "the background check is pending",
        "the references check is pending",
    ]


def test_insurance_problem_is_listed():
    problem = "no verified RC Pro policy valid today"
    assert approval(insurance_problem=problem) == [problem]
    assert approval(insurance_problem="") == []


@pytest.mark.parametrize("position", [0, 1, 2])
def test_four_eyes(position):
    completers = [11, 12, 13]
    completers[position] = 99
    problems = approval(completer_ids=completers)
    assert len(problems) == 1
    assert "four eyes" in problems[0]


def test_all_problems_together():
    problems = approval(
        check_statuses={CheckKind.BACKGROUND: CheckStatus.FAILED},
        completer_ids=[99, None],
        insurance_problem="policy expired",
    )
    assert problems[:3] == [
        "the background check is failed",
        "the skills check is pending",
        "the references check is pending",
    ]
    assert problems[3] == "policy expired"
    assert "four eyes" in problems[4]
    assert len(problems) == 5


# --- 9. rejection statement -----------------------------------------------------------------

SECRET = "Conviction for theft in 2019 found on the B3"


@pytest.mark.parametrize("written", [SECRET, "", None, "  "])
def test_criminal_record_rejection_is_generic(written):
    statement = rejection_statement(RejectionReason.CRIMINAL_RECORD, written)
    assert statement == (
        "After reviewing your application we are unable to accept it. This decision follows our "
        "vetting criteria; we cannot give further detail."
    )
    assert "theft" not in statement
    for word in ("criminal", "record", "B3", "bulletin", "casier", "conviction"):
        assert word.lower() not in statement.lower()


@pytest.mark.parametrize("reason", [r for r in RejectionReason if r != RejectionReason.CRIMINAL_RECORD])
def test_other_reasons_use_the_written_statement(reason):
    assert rejection_statement(reason, "  The SIRET is closed since 2024.\n") == (
        "The SIRET is closed since 2024."
    )


@pytest.mark.parametrize("reason", [r for r in RejectionReason if r != RejectionReason.CRIMINAL_RECORD])
@pytest.mark.parametrize("written", [None, "", "   ", "\n\t"])
def test_other_reasons_need_a_statement(reason, written):
    with pytest.raises(DomainError, match="statement of reasons"):
        rejection_statement(reason, written)


# --- what the case page may offer, and who may work ------------------------------------------

EXPECTED_ALLOWED_EVENTS = {
    CaseStatus.OPEN: {"start_review", "await_provider", "withdraw"},
    CaseStatus.IN_REVIEW: {"await_provider", "checks_complete", "reject", "withdraw"},
    CaseStatus.AWAITING_PROVIDER: {"provider_answered", "reject", "withdraw"},
    CaseStatus.READY: {"await_provider", "reopen", "approve", "reject"},
    CaseStatus.APPROVED: set(),
    CaseStatus.REJECTED: set(),
    CaseStatus.WITHDRAWN: set(),
}


def test_allowed_events_cover_every_case_status():
    assert set(EXPECTED_ALLOWED_EVENTS) == set(CaseStatus)


@pytest.mark.parametrize("status", list(CaseStatus))
def test_allowed_events_for_each_case_status(status):
    allowed = allowed_events(status)
    assert isinstance(allowed, frozenset)
    assert allowed == EXPECTED_ALLOWED_EVENTS[status]
    for event in CASE_EVENTS:  # the page offers exactly what the transition table accepts
        assert (event in allowed) == ((status, event) in CASE_TRANSITIONS)


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (CheckStatus.PENDING, {"start"}),
        (CheckStatus.IN_PROGRESS, {"pass", "fail"}),
        (CheckStatus.PASSED, set()),
        (CheckStatus.FAILED, set()),
    ],
)
def test_allowed_check_events_for_each_check_status(status, expected):
    assert allowed_check_events(status) == expected
    assert check_completed(status) == (status in COMPLETED_CHECKS) == (not expected)


@pytest.mark.parametrize("status", list(CaseStatus))
def test_the_clock_runs_while_active_and_not_awaiting(status):
    assert (status in CLOCK_RUNNING) == (status in ACTIVE and status != CaseStatus.AWAITING_PROVIDER)
    assert (status in CLOSED_WITHOUT_APPROVAL) == (status in FINAL and status != CaseStatus.APPROVED)


@pytest.mark.parametrize(("case_status", "check_status"), list(product(CaseStatus, CheckStatus)))
def test_check_open_and_workable_for_every_pair(case_status, check_status):
    is_open = case_status in ACTIVE and check_status in (CheckStatus.PENDING, CheckStatus.IN_PROGRESS)
    assert check_open(case_status, check_status) == is_open
    # the page hides check work while the provider is awaited (the service still accepts it)
    workable = is_open and case_status != CaseStatus.AWAITING_PROVIDER
    assert check_workable(case_status, check_status) == workable


@pytest.mark.parametrize(
    ("is_person", "active", "roles", "allowed"),
    [
        (True, True, {Role.VETTING_OFFICER}, True),
        (True, True, {Role.MANAGER}, True),
        (True, True, {Role.SUPPORT_AGENT, Role.VETTING_OFFICER}, True),
        (True, True, {Role.SUPPORT_AGENT}, False),
        (True, True, {Role.ADMIN}, False),
        (True, True, set(), False),
        (True, False, {Role.VETTING_OFFICER}, False),
        (False, True, {Role.VETTING_OFFICER}, False),
    ],
)
def test_who_may_work_on_a_case(is_person, active, roles, allowed):
    problem = worker_problem(is_person=is_person, active=active, roles=roles)
    assert (problem is None) == allowed
    if not is_person or not active:
        assert problem == "Vetting work is recorded by a named, active staff member."
    elif not allowed:
        assert problem == "Only vetting officers and managers work on vetting cases."


def test_checks_are_assigned_to_active_vetting_officers_only():
    assert may_be_assigned(active=True, roles={Role.VETTING_OFFICER})
    assert may_be_assigned(active=True, roles=[Role.VETTING_OFFICER, Role.MANAGER])
    assert not may_be_assigned(active=True, roles={Role.MANAGER})
    assert not may_be_assigned(active=False, roles={Role.VETTING_OFFICER})
    assert {Role.VETTING_OFFICER, Role.MANAGER} == OFFICER_ROLES


@pytest.mark.parametrize("status", list(ReferenceStatus))
def test_only_pending_references_are_contacted(status):
    assert reference_open(status) == (status == ReferenceStatus.PENDING)


def test_positive_references_are_counted_once_each():
    statuses = [ReferenceStatus.POSITIVE, ReferenceStatus.NEGATIVE, ReferenceStatus.POSITIVE]
    assert positive_references(statuses) == 2
    assert positive_references(iter(statuses)) == 2
    assert positive_references([]) == 0


def test_four_eyes_rule_on_plain_values():
    assert four_eyes_kept(99, [11, 12, None])
    assert four_eyes_kept(99, [])
    assert four_eyes_kept(99, iter([11, 12]))
    assert not four_eyes_kept(11, [11, 12, 13])
    assert not four_eyes_kept(13, iter([None, 13]))
