"""The pure RC Pro insurance rules (insurance/workflow.py): cover chains, status for a day,
reminder steps, verification flags and values, the verification transition, the Paris day.

No app, no database: the shared autouse `_database` fixture is replaced by a no-op below.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from itertools import product

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from console.business_time import paris_today
from console.domain import DomainError
from console.formatting import format_money
from insurance.workflow import (
    DEFAULT_MIN_COVERAGE_CENTS,
    EXPIRING_WITHIN_DAYS,
    VERIFICATION_TRANSITIONS,
    InsuranceStatus,
    Period,
    TransitionNotAllowed,
    Verification,
    allowed_verification_events,
    covered_until,
    ensure_policy_values,
    last_cover_end,
    merged,
    next_verification,
    reminder_step,
    status_on,
    verification_flags,
)

D = date
DAY = timedelta(days=1)


@pytest.fixture(autouse=True)
def _database():
    """No database for pure functions (overrides the shared autouse fixture)."""
    yield


def days(n: int) -> timedelta:
    return timedelta(days=n)


# --- merged ----------------------------------------------------------------------------------


def test_merged_of_nothing_is_empty():
    assert merged([]) == []


def test_merged_keeps_a_single_policy():
    assert merged([Period(D(2025, 1, 1), D(2025, 12, 31))]) == [Period(D(2025, 1, 1), D(2025, 12, 31))]


def test_merged_chains_a_renewal_starting_the_day_after_across_a_month_end():
    old = Period(D(2025, 2, 1), D(2025, 2, 28))
    renewal = Period(D(2025, 3, 1), D(2026, 2, 28))
    assert merged([old, renewal]) == [Period(D(2025, 2, 1), D(2026, 2, 28))]


def test_merged_chains_across_a_year_end():
    assert merged([Period(D(2025, 1, 1), D(2025, 12, 31)), Period(D(2026, 1, 1), D(2026, 12, 31))]) == [
        Period(D(2025, 1, 1), D(2026, 12, 31))
    ]


def test_merged_chains_across_a_leap_day():
    old = Period(D(2027, 3, 1), D(2028, 2, 29))
    renewal = Period(D(2028, 3, 1), D(2029, 2, 28))
    assert merged([old, renewal]) == [Period(D(2027, 3, 1), D(2029, 2, 28))]


def test_merged_does_not_chain_over_a_missing_leap_day():
    # 2028-02-29 is a real day: a policy ending 02-28 and the next starting 03-01 leave a gap.
    old = Period(D(2027, 3, 1), D(2028, 2, 28))
    renewal = Period(D(2028, 3, 1), D(2029, 2, 28))
    assert merged([old, renewal]) == [old, renewal]


def test_merged_does_not_chain_over_a_one_day_gap():
    old = Period(D(2025, 1, 1), D(2025, 6, 30))
    renewal = Period(D(2025, 7, 2), D(2026, 6, 30))
    assert merged([old, renewal]) == [old, renewal]


def test_merged_chains_overlapping_policies():
    a = Period(D(2025, 1, 1), D(2025, 6, 30))
    b = Period(D(2025, 4, 1), D(2025, 12, 31))
    assert merged([a, b]) == [Period(D(2025, 1, 1), D(2025, 12, 31))]


def test_merged_keeps_the_later_end_when_a_policy_is_inside_another():
    outer = Period(D(2025, 1, 1), D(2025, 12, 31))
    inner = Period(D(2025, 3, 1), D(2025, 3, 31))
    assert merged([outer, inner]) == [outer]
    assert merged([inner, outer]) == [outer]


def test_merged_accepts_policies_out_of_order_and_sorts_chains():
    a = Period(D(2025, 1, 1), D(2025, 1, 31))
    b = Period(D(2025, 2, 1), D(2025, 2, 28))
    c = Period(D(2025, 5, 1), D(2025, 5, 31))
    d = Period(D(2025, 4, 15), D(2025, 5, 10))
    assert merged([c, b, d, a]) == [
        Period(D(2025, 1, 1), D(2025, 2, 28)),
        Period(D(2025, 4, 15), D(2025, 5, 31)),
    ]


def test_merged_accepts_a_generator_and_leaves_its_input_alone():
    periods = [Period(D(2025, 3, 1), D(2025, 3, 31)), Period(D(2025, 1, 1), D(2025, 2, 28))]
    copy = list(periods)
    assert merged(p for p in periods) == [Period(D(2025, 1, 1), D(2025, 3, 31))]
    assert periods == copy


def test_merged_chains_a_one_day_policy():
    a = Period(D(2025, 1, 1), D(2025, 1, 31))
    one_day = Period(D(2025, 2, 1), D(2025, 2, 1))
    c = Period(D(2025, 2, 2), D(2025, 2, 28))
    assert merged([c, one_day, a]) == [Period(D(2025, 1, 1), D(2025, 2, 28))]


# --- covered_until / last_cover_end ----------------------------------------------------------

OLD = Period(D(2025, 1, 1), D(2025, 1, 31))
RENEWAL = Period(D(2025, 2, 1), D(2026, 1, 31))


def test_covered_until_follows_a_continuous_renewal():
    assert covered_until(D(2025, 1, 15), [OLD, RENEWAL]) == D(2026, 1, 31)
    assert covered_until(D(2025, 1, 15), [RENEWAL, OLD]) == D(2026, 1, 31)


def test_covered_until_on_the_first_and_last_covered_days():
    assert covered_until(D(2025, 1, 1), [OLD]) == D(2025, 1, 31)
    assert covered_until(D(2025, 1, 31), [OLD]) == D(2025, 1, 31)


def test_covered_until_is_none_outside_every_policy():
    assert covered_until(D(2024, 12, 31), [OLD]) is None
    assert covered_until(D(2025, 2, 1), [OLD]) is None
    assert covered_until(D(2025, 1, 1), []) is None


def test_covered_until_stops_at_a_one_day_gap():
    later = Period(D(2025, 2, 2), D(2025, 12, 31))
    assert covered_until(D(2025, 1, 10), [later, OLD]) == D(2025, 1, 31)
    assert covered_until(D(2025, 2, 1), [later, OLD]) is None
    assert covered_until(D(2025, 2, 2), [later, OLD]) == D(2025, 12, 31)


def test_covered_until_across_the_leap_day():
    leap = Period(D(2028, 2, 1), D(2028, 2, 29))
    march = Period(D(2028, 3, 1), D(2028, 3, 31))
    assert covered_until(D(2028, 2, 29), [leap]) == D(2028, 2, 29)
    assert covered_until(D(2028, 2, 29), [march, leap]) == D(2028, 3, 31)
    assert covered_until(D(2028, 3, 1), [leap]) is None


def test_covered_until_with_overlapping_policies():
    a = Period(D(2025, 1, 1), D(2025, 8, 31))
    b = Period(D(2025, 6, 1), D(2026, 5, 31))
    assert covered_until(D(2025, 7, 1), [b, a]) == D(2026, 5, 31)


def test_last_cover_end_is_none_without_a_past_policy():
    assert last_cover_end(D(2025, 1, 1), []) is None
    assert last_cover_end(D(2025, 1, 1), [Period(D(2025, 2, 1), D(2025, 12, 31))]) is None
    # A policy still running on the day has not ended before it.
    assert last_cover_end(D(2025, 1, 31), [OLD]) is None


def test_last_cover_end_is_the_most_recent_end_before_the_day():
    older = Period(D(2023, 1, 1), D(2023, 12, 31))
    future = Period(D(2026, 1, 1), D(2026, 12, 31))
    assert last_cover_end(D(2025, 2, 1), [future, OLD, older]) == D(2025, 1, 31)
    assert last_cover_end(D(2024, 6, 1), [future, OLD, older]) == D(2023, 12, 31)


def test_last_cover_end_on_the_day_after_a_leap_day_end():
    assert last_cover_end(D(2028, 3, 1), [Period(D(2027, 3, 1), D(2028, 2, 29))]) == D(2028, 2, 29)


# --- status_on -------------------------------------------------------------------------------

END = D(2025, 3, 31)
YEAR = Period(D(2024, 4, 1), END)


def test_status_is_none_without_policies():
    assert status_on(D(2025, 1, 1), []) == InsuranceStatus.NONE


def test_status_is_none_with_only_a_future_policy():
    assert status_on(D(2025, 1, 1), [Period(D(2025, 1, 2), D(2025, 12, 31))]) == InsuranceStatus.NONE


def test_status_is_valid_at_31_days_before_the_end():
    assert EXPIRING_WITHIN_DAYS == 30
    assert status_on(END - days(31), [YEAR]) == InsuranceStatus.VALID


def test_status_is_expiring_at_exactly_30_days_before_the_end():
    assert status_on(END - days(30), [YEAR]) == InsuranceStatus.EXPIRING


def test_status_is_expiring_on_the_last_covered_day():
    assert status_on(END, [YEAR]) == InsuranceStatus.EXPIRING


def test_status_is_expired_the_day_after_the_end():
    assert status_on(END + DAY, [YEAR]) == InsuranceStatus.EXPIRED
    assert status_on(END + days(400), [YEAR]) == InsuranceStatus.EXPIRED


def test_status_is_none_before_the_first_policy_starts():
    assert status_on(YEAR.starts_on - DAY, [YEAR]) == InsuranceStatus.NONE


def test_status_expiring_threshold_across_a_leap_day():
    # 2028-02-29 counts: 30 days before 2028-03-15 is 2028-02-14.
    policy = Period(D(2027, 3, 16), D(2028, 3, 15))
    assert status_on(D(2028, 2, 14), [policy]) == InsuranceStatus.EXPIRING
    assert status_on(D(2028, 2, 13), [policy]) == InsuranceStatus.VALID


def test_status_expiring_threshold_across_a_month_end():
    # 30 days before 2025-03-02 is 2025-01-31 (February 2025 has 28 days).
    policy = Period(D(2024, 3, 3), D(2025, 3, 2))
    assert status_on(D(2025, 1, 31), [policy]) == InsuranceStatus.EXPIRING
    assert status_on(D(2025, 1, 30), [policy]) == InsuranceStatus.VALID


def test_status_counts_a_continuous_renewal():
    renewal = Period(END + DAY, END + days(365))
    # The old policy alone would be expiring; the renewal continues the cover.
    assert status_on(END - days(10), [renewal, YEAR]) == InsuranceStatus.VALID
    assert status_on(END, [YEAR, renewal]) == InsuranceStatus.VALID
    assert status_on(END + DAY, [YEAR, renewal]) == InsuranceStatus.VALID


def test_status_does_not_count_a_renewal_after_a_one_day_gap():
    renewal = Period(END + days(2), END + days(366))
    assert status_on(END - days(10), [renewal, YEAR]) == InsuranceStatus.EXPIRING
    assert status_on(END + DAY, [renewal, YEAR]) == InsuranceStatus.EXPIRED
    assert status_on(END + days(2), [renewal, YEAR]) == InsuranceStatus.VALID


def test_status_with_overlapping_policies_uses_the_latest_end():
    overlapping = Period(END - days(60), END + days(300))
    assert status_on(END - days(10), [YEAR, overlapping]) == InsuranceStatus.VALID


def test_status_expired_with_a_future_policy_after_a_lapse():
    future = Period(END + days(20), END + days(385))
    assert status_on(END + days(5), [future, YEAR]) == InsuranceStatus.EXPIRED


def test_status_accepts_a_generator():
    assert status_on(END + DAY, (p for p in [YEAR])) == InsuranceStatus.EXPIRED
    assert status_on(END - days(31), (p for p in [YEAR])) == InsuranceStatus.VALID


# --- properties of the cover chains ----------------------------------------------------------

BASE = D(2027, 12, 1)  # random periods span the 2028 leap day and several month/year ends
offsets = st.integers(min_value=0, max_value=900)


@st.composite
def periods_strategy(draw):
    start = draw(offsets)
    length = draw(st.integers(min_value=0, max_value=200))
    return Period(BASE + days(start), BASE + days(start + length))


period_lists = st.lists(periods_strategy(), max_size=8)
any_day = offsets.map(lambda n: BASE + days(n)) | st.integers(-5, 1200).map(lambda n: BASE + days(n))


def contains(period: Period, day: date) -> bool:
    return period.starts_on <= day <= period.ends_on


@settings(max_examples=400, deadline=None, database=None)
@given(periods=period_lists, day=any_day)
def test_covered_until_is_none_or_a_continuous_cover_from_the_day(periods, day):
    until = covered_until(day, periods)
    if until is None:
        assert not any(contains(p, day) for p in periods)
        return
    assert until >= day
    current = day
    while current <= until:
        assert any(contains(p, current) for p in periods), current
        current += DAY
    # ... and it is the whole continuous cover: the day after is not covered.
    assert not any(contains(p, until + DAY) for p in periods)


@settings(max_examples=400, deadline=None, database=None)
@given(periods=period_lists, day=any_day)
def test_status_is_covered_iff_some_period_contains_the_day(periods, day):
    status = status_on(day, periods)
    inside = any(contains(p, day) for p in periods)
    assert (status in (InsuranceStatus.VALID, InsuranceStatus.EXPIRING)) == inside
    if not inside:
        ended = any(p.ends_on < day for p in periods)
        assert status == (InsuranceStatus.EXPIRED if ended else InsuranceStatus.NONE)
    else:
        expiring = covered_until(day, periods) - day <= days(EXPIRING_WITHIN_DAYS)
        assert status == (InsuranceStatus.EXPIRING if expiring else InsuranceStatus.VALID)


@settings(max_examples=300, deadline=None, database=None)
@given(periods=period_lists)
def test_merged_chains_are_sorted_separated_and_cover_the_same_days(periods):
    chains = merged(periods)
    for earlier, later in zip(chains, chains[1:], strict=False):
        assert later.starts_on > earlier.ends_on + DAY  # at least one uncovered day between chains
    covered = {p.starts_on + days(i) for p in periods for i in range((p.ends_on - p.starts_on).days + 1)}
    chained = {c.starts_on + days(i) for c in chains for i in range((c.ends_on - c.starts_on).days + 1)}
    assert chained == covered
    assert merged(list(reversed(periods))) == chains


@settings(max_examples=300, deadline=None, database=None)
@given(periods=period_lists, day=any_day)
def test_last_cover_end_is_the_latest_end_before_the_day(periods, day):
    ends = [p.ends_on for p in periods if p.ends_on < day]
    assert last_cover_end(day, periods) == (max(ends) if ends else None)


# --- reminder_step ---------------------------------------------------------------------------

COVER_END = D(2028, 3, 1)  # the day after the 2028 leap day


@pytest.mark.parametrize("before", [31, 32, 60, 365])
def test_no_reminder_more_than_30_days_before_the_end(before):
    assert reminder_step(COVER_END - days(before), COVER_END) is None


@pytest.mark.parametrize(
    ("before", "step"),
    [(30, -30), (29, -30), (20, -30), (15, -30)]
    + [(14, -14), (10, -14), (8, -14)]
    + [(7, -7), (5, -7), (2, -7)]
    + [(1, -1), (0, -1)],
)
def test_reminder_steps_before_and_on_the_end_day(before, step):
    assert reminder_step(COVER_END - days(before), COVER_END) == step


def test_a_late_run_sends_only_the_most_recent_due_step():
    assert reminder_step(COVER_END - days(5), COVER_END) == -7
    assert reminder_step(COVER_END - days(3), COVER_END) == -7
    assert reminder_step(COVER_END - days(13), COVER_END) == -14


@pytest.mark.parametrize(
    ("after", "step"),
    [(1, -1), (2, 2), (3, 2), (4, 4), (5, 4), (6, 6), (7, 6), (10, 10), (11, 10), (365, 364)],
)
def test_reminder_steps_after_the_end(after, step):
    assert reminder_step(COVER_END + days(after), COVER_END) == step


def test_reminder_steps_counted_in_calendar_days_across_the_leap_day():
    # 30 days before 2028-03-01 is 2028-01-31 (with 2028-02-29 in between).
    assert reminder_step(D(2028, 1, 31), COVER_END) == -30
    assert reminder_step(D(2028, 1, 30), COVER_END) is None
    assert reminder_step(D(2028, 2, 29), COVER_END) == -1
    # Ending on the leap day: +2 falls on 2028-03-02.
    assert reminder_step(D(2028, 3, 1), D(2028, 2, 29)) == -1
    assert reminder_step(D(2028, 3, 2), D(2028, 2, 29)) == 2


def expected_step(offset: int) -> int | None:
    """The latest of -30, -14, -7, -1, 2, 4, 6, ... that is not after `offset` (days from the end)."""
    steps = [-30, -14, -7, -1] + list(range(2, offset + 1, 2))
    due = [s for s in steps if s <= offset]
    return max(due) if due else None


@settings(max_examples=300, deadline=None, database=None)
@given(offset=st.integers(min_value=-400, max_value=400), end=any_day)
def test_reminder_step_is_the_latest_step_due(offset, end):
    assert reminder_step(end + days(offset), end) == expected_step(offset)


# --- verification_flags ----------------------------------------------------------------------

SIRET = "73282932000074"
TODAY = D(2025, 6, 15)


def flags(**overrides):
    values = {
        "coverage_cents": DEFAULT_MIN_COVERAGE_CENTS,
        "min_coverage_cents": DEFAULT_MIN_COVERAGE_CENTS,
        "policy_siret": SIRET,
        "provider_siret": SIRET,
        "starts_on": D(2025, 1, 1),
        "ends_on": D(2025, 12, 31),
        "today": TODAY,
    }
    return verification_flags(**(values | overrides))


def test_no_flags_when_all_is_fine():
    assert flags() == []
    assert flags(coverage_cents=DEFAULT_MIN_COVERAGE_CENTS + 1) == []
    assert flags(starts_on=TODAY, ends_on=TODAY) == []


def test_flag_coverage_below_the_minimum():
    assert DEFAULT_MIN_COVERAGE_CENTS == 150_000_000
    assert flags(coverage_cents=DEFAULT_MIN_COVERAGE_CENTS - 1) == [
        f"coverage below the minimum of {format_money(150_000_000)} per claim"
    ]


def test_flag_coverage_uses_the_given_minimum():
    assert flags(coverage_cents=99_999_999, min_coverage_cents=100_000_000) == [
        f"coverage below the minimum of {format_money(100_000_000)} per claim"
    ]
    assert flags(coverage_cents=100_000_000, min_coverage_cents=100_000_000) == []


def test_flag_siret_mismatch():
    assert flags(policy_siret="73282932000075") == ["the insured SIRET differs from the provider's"]


def test_flag_dates_not_covering_today():
    expected = ["the dates do not cover today"]
    assert flags(starts_on=TODAY + DAY) == expected
    assert flags(ends_on=TODAY - DAY) == expected
    assert flags(starts_on=D(2026, 1, 1), ends_on=D(2026, 12, 31)) == expected


def test_all_flags_together_in_order():
    assert flags(coverage_cents=1, policy_siret="00000000000000", ends_on=TODAY - DAY) == [
        f"coverage below the minimum of {format_money(150_000_000)} per claim",
        "the insured SIRET differs from the provider's",
        "the dates do not cover today",
    ]


# --- ensure_policy_values --------------------------------------------------------------------


def ensure(**overrides):
    values = {
        "coverage_cents": 150_000_000,
        "deductible_cents": 50_000,
        "starts_on": D(2025, 1, 1),
        "ends_on": D(2025, 12, 31),
    }
    ensure_policy_values(**(values | overrides))


def test_ok_values_pass():
    ensure()
    ensure(coverage_cents=1, deductible_cents=0)
    ensure(starts_on=D(2028, 2, 29), ends_on=D(2028, 2, 29))  # a one-day policy


def test_end_before_start_is_refused():
    with pytest.raises(DomainError, match="end date is before the start date"):
        ensure(starts_on=D(2025, 3, 1), ends_on=D(2025, 2, 28))


@pytest.mark.parametrize("coverage", [0, -1, -150_000_000])
def test_zero_or_negative_coverage_is_refused(coverage):
    with pytest.raises(DomainError, match="coverage must be a whole number of cents, at least 1"):
        ensure(coverage_cents=coverage)


def test_negative_deductible_is_refused():
    with pytest.raises(DomainError, match="deductible must be a whole number of cents, at least 0"):
        ensure(deductible_cents=-1)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("coverage_cents", 1500.0),
        ("coverage_cents", 1.5),
        ("coverage_cents", True),
        ("coverage_cents", "150000000"),
        ("coverage_cents", None),
        ("deductible_cents", 0.0),
        ("deductible_cents", 10.5),
        ("deductible_cents", False),
        ("deductible_cents", True),
        ("deductible_cents", "0"),
    ],
)
def test_non_integer_amounts_are_refused(field, value):
    name = field.removesuffix("_cents")
    with pytest.raises(DomainError, match=f"The {name} must be a whole number of cents"):
        ensure(**{field: value})


# --- next_verification -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("current", "event"), list(product(Verification, ["verify", "reject"])), ids=lambda v: str(v)
)
def test_next_verification_for_every_status_and_event(current, event):
    allowed = {
        (Verification.PENDING, "verify"): Verification.VERIFIED,
        (Verification.PENDING, "reject"): Verification.REJECTED,
    }
    if (current, event) in allowed:
        assert next_verification(current, event) == allowed[current, event]
    else:
        with pytest.raises(TransitionNotAllowed, match=f"already {current.value}"):
            next_verification(current, event)


def test_the_transition_table_is_only_pending_to_decided():
    assert VERIFICATION_TRANSITIONS == {
        (Verification.PENDING, "verify"): Verification.VERIFIED,
        (Verification.PENDING, "reject"): Verification.REJECTED,
    }


def test_an_unknown_event_is_refused():
    with pytest.raises(TransitionNotAllowed):
        next_verification(Verification.PENDING, "approve")


def test_transition_not_allowed_is_a_domain_error():
    assert issubclass(TransitionNotAllowed, DomainError)


# --- paris_today -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "day"),
    [
        # Winter (UTC+1): Paris midnight is 23:00 UTC the day before.
        (datetime(2025, 1, 15, 22, 59, 59, tzinfo=UTC), D(2025, 1, 15)),
        (datetime(2025, 1, 15, 23, 0, tzinfo=UTC), D(2025, 1, 16)),
        (datetime(2025, 1, 16, 0, 30, tzinfo=UTC), D(2025, 1, 16)),
        (datetime(2024, 12, 31, 23, 0, tzinfo=UTC), D(2025, 1, 1)),
        (datetime(2028, 2, 28, 23, 0, tzinfo=UTC), D(2028, 2, 29)),
        (datetime(2028, 2, 29, 23, 0, tzinfo=UTC), D(2028, 3, 1)),
        # Summer (UTC+2): Paris midnight is 22:00 UTC the day before.
        (datetime(2025, 7, 15, 21, 59, 59, tzinfo=UTC), D(2025, 7, 15)),
        (datetime(2025, 7, 15, 22, 0, tzinfo=UTC), D(2025, 7, 16)),
        (datetime(2025, 7, 15, 23, 30, tzinfo=UTC), D(2025, 7, 16)),
        (datetime(2025, 6, 30, 22, 0, tzinfo=UTC), D(2025, 7, 1)),
    ],
)
def test_paris_today_around_midnight(now, day):
    assert paris_today(now) == day


def test_paris_today_accepts_any_aware_datetime():
    from zoneinfo import ZoneInfo

    new_york = ZoneInfo("America/New_York")
    # 2025-01-15 18:00 in New York is 2025-01-16 00:00 in Paris.
    assert paris_today(datetime(2025, 1, 15, 18, 0, tzinfo=new_york)) == D(2025, 1, 16)
    assert paris_today(datetime(2025, 1, 15, 17, 59, tzinfo=new_york)) == D(2025, 1, 15)


def test_cover_status_is_the_expiring_rule_of_status_on():
    from insurance.workflow import EXPIRING_WITHIN_DAYS, InsuranceStatus, cover_status

    day = date(2026, 11, 2)
    window = timedelta(days=EXPIRING_WITHIN_DAYS)
    assert cover_status(day, day + window, lapsed=False) == InsuranceStatus.EXPIRING
    assert cover_status(day, day + window + timedelta(days=1), lapsed=False) == InsuranceStatus.VALID
    assert cover_status(day, None, lapsed=True) == InsuranceStatus.EXPIRED
    assert cover_status(day, None, lapsed=False) == InsuranceStatus.NONE


@pytest.mark.parametrize("state", list(Verification))
def test_allowed_verification_events_follow_the_transition_table(state):
    allowed = allowed_verification_events(state)
    for event in ("verify", "reject"):
        assert (event in allowed) == ((state, event) in VERIFICATION_TRANSITIONS)
