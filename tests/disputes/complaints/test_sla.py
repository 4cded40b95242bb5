"""The SLA clock as pure functions: business hours, weekends, French holidays, DST and pauses."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from console.business_time import PARIS
from disputes.complaints import workflow as wf
from disputes.complaints.workflow import Severity, Status, TimerState


def paris(*args) -> datetime:
    return datetime(*args, tzinfo=PARIS).astimezone(UTC)


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def clock(severity, history, now, first_response_at=None):
    return wf.sla(severity, history, first_response_at=first_response_at, now=now)


def test_targets_follow_the_design():
    assert wf.TARGETS[Severity.CRITICAL] == wf.Target(1, 24, business=False)
    assert wf.TARGETS[Severity.HIGH] == wf.Target(4, 27, business=True)  # 3 business days of 9 h
    assert wf.TARGETS[Severity.MEDIUM] == wf.Target(9, 45, business=True)
    assert wf.TARGETS[Severity.LOW] == wf.Target(18, 90, business=True)


def test_a_friday_afternoon_complaint_is_due_on_monday():
    created = paris(2026, 11, 6, 16, 0)  # Friday 16:00: two business hours left this week
    sla = clock(Severity.HIGH, [(created, Status.NEW)], created)
    assert sla.first_response.due_at == paris(2026, 11, 9, 11, 0)  # Monday 11:00
    assert sla.first_response.at_risk_at == paris(2026, 11, 9, 10, 0)  # a quarter (1 h) left
    assert sla.first_response.state == TimerState.DUE and not sla.first_response.paused


def test_the_weekend_does_not_count():
    created = paris(2026, 11, 6, 16, 0)
    sunday = paris(2026, 11, 8, 20, 0)
    timer = clock(Severity.HIGH, [(created, Status.NEW)], sunday).first_response
    assert timer.elapsed_hours == pytest.approx(2.0)
    assert timer.state == TimerState.DUE  # half of the target is left


def test_french_holidays_do_not_count():
    created = paris(2026, 11, 10, 17, 0)  # Tuesday 17:00; Wednesday 11 November is Armistice day
    timer = clock(Severity.MEDIUM, [(created, Status.NEW)], created).first_response
    assert timer.due_at == paris(2026, 11, 12, 17, 0)  # 1 h Tuesday + 8 h Thursday


def test_easter_monday_and_ascension_do_not_count():
    created = paris(2026, 4, 3, 17, 0)  # Friday before Easter; Monday 6 April 2026 is a holiday
    timer = clock(Severity.HIGH, [(created, Status.NEW)], created).first_response
    assert timer.due_at == paris(2026, 4, 7, 12, 0)  # 1 h Friday, then Tuesday 09:00 + 3 h
    ascension_eve = paris(2026, 5, 13, 17, 0)  # Wednesday; Thursday 14 May is Ascension
    assert clock(Severity.HIGH, [(ascension_eve, Status.NEW)], ascension_eve).first_response.due_at == (
        paris(2026, 5, 15, 12, 0)
    )


def test_business_hours_across_the_autumn_clock_change():
    created = paris(2026, 10, 23, 16, 0)  # Friday, UTC+2; clocks go back on Sunday 25 October
    timer = clock(Severity.HIGH, [(created, Status.NEW)], created).first_response
    assert created == utc(2026, 10, 23, 14, 0)
    assert timer.due_at == paris(2026, 10, 26, 11, 0) == utc(2026, 10, 26, 10, 0)  # UTC+1 now


def test_business_hours_across_the_spring_clock_change():
    created = paris(2026, 3, 27, 17, 0)  # Friday, UTC+1; clocks go forward on Sunday 29 March
    timer = clock(Severity.HIGH, [(created, Status.NEW)], created).first_response
    assert timer.due_at == paris(2026, 3, 30, 12, 0) == utc(2026, 3, 30, 10, 0)


def test_critical_complaints_run_on_calendar_hours_through_weekends_and_dst():
    created = utc(2026, 10, 24, 12, 0)  # Saturday noon UTC; the night has 25 hours in Paris
    sla = clock(Severity.CRITICAL, [(created, Status.NEW)], created)
    assert sla.first_response.due_at == utc(2026, 10, 24, 13, 0)
    assert sla.resolution.due_at == utc(2026, 10, 25, 12, 0)  # 24 real hours, whatever the wall clock
    assert sla.resolution.due_at.astimezone(PARIS).hour == 13  # 14:00 before the change, 13:00 after


def test_states_due_at_risk_and_breached_as_time_passes():
    created = paris(2026, 11, 2, 9, 0)  # Monday 09:00
    history = [(created, Status.NEW)]
    assert clock(Severity.HIGH, history, paris(2026, 11, 2, 11, 59)).first_response.state == TimerState.DUE
    at_risk = clock(Severity.HIGH, history, paris(2026, 11, 2, 12, 0)).first_response
    assert at_risk.state == TimerState.AT_RISK and at_risk.due_at == paris(2026, 11, 2, 13, 0)
    breached = clock(Severity.HIGH, history, paris(2026, 11, 2, 13, 0)).first_response
    assert breached.state == TimerState.BREACHED and breached.due_at == paris(2026, 11, 2, 13, 0)


def test_the_clock_pauses_while_waiting_on_the_client():
    t0 = paris(2026, 11, 2, 9, 0)
    history = [
        (t0, Status.NEW),
        (paris(2026, 11, 2, 9, 30), Status.TRIAGED),
        (paris(2026, 11, 2, 10, 0), Status.IN_PROGRESS),
        (paris(2026, 11, 2, 11, 0), Status.WAITING_ON_CLIENT),
    ]
    paused = clock(Severity.HIGH, history, paris(2026, 11, 3, 16, 0)).first_response
    assert paused.paused and paused.elapsed_hours == pytest.approx(2.0)
    assert paused.state == TimerState.DUE and paused.due_at is None and paused.at_risk_at is None
    resumed = [*history, (paris(2026, 11, 4, 9, 0), Status.IN_PROGRESS)]
    timer = clock(Severity.HIGH, resumed, paris(2026, 11, 4, 9, 0)).first_response
    assert not timer.paused and timer.due_at == paris(2026, 11, 4, 11, 0)  # 2 h left from Wednesday 09:00
    assert timer.at_risk_at == paris(2026, 11, 4, 10, 0)


def test_waiting_on_the_provider_pauses_too_and_keeps_a_past_at_risk_moment():
    t0 = paris(2026, 11, 2, 9, 0)
    history = [(t0, Status.NEW), (paris(2026, 11, 2, 12, 30), Status.WAITING_ON_PROVIDER)]
    timer = clock(Severity.HIGH, history, paris(2026, 11, 5, 12, 0)).first_response
    assert timer.paused and timer.state == TimerState.AT_RISK  # 3.5 of 4 h were used before the pause
    assert timer.at_risk_at == paris(2026, 11, 2, 12, 0) and timer.due_at is None


def test_a_first_response_in_time_is_met_and_a_late_one_breached():
    t0 = paris(2026, 11, 2, 9, 0)
    history = [(t0, Status.NEW)]
    later = paris(2026, 11, 6, 9, 0)
    met = clock(Severity.HIGH, history, later, first_response_at=paris(2026, 11, 2, 12, 0)).first_response
    assert met.state == TimerState.MET and met.met is True and met.elapsed_hours == pytest.approx(3.0)
    late = clock(Severity.HIGH, history, later, first_response_at=paris(2026, 11, 2, 15, 0)).first_response
    assert late.state == TimerState.BREACHED and late.met is False
    assert late.due_at == paris(2026, 11, 2, 13, 0)  # when it was breached


def test_resolution_stops_when_resolved_and_runs_again_after_a_reopen():
    t0 = paris(2026, 11, 2, 9, 0)
    history = [
        (t0, Status.NEW),
        (paris(2026, 11, 2, 10, 0), Status.IN_PROGRESS),
        (paris(2026, 11, 2, 17, 0), Status.RESOLVED),  # 8 business hours
    ]
    resolved = clock(Severity.MEDIUM, history, paris(2026, 11, 6, 9, 0)).resolution
    assert resolved.state == TimerState.MET and resolved.elapsed_hours == pytest.approx(8.0)
    reopened = [*history, (paris(2026, 11, 4, 9, 0), Status.IN_PROGRESS)]  # Tuesday resolved: not counted
    timer = clock(Severity.MEDIUM, reopened, paris(2026, 11, 4, 10, 0)).resolution
    assert timer.met is None and timer.elapsed_hours == pytest.approx(9.0)
    # 36 business hours left from Wednesday 10:00: 8 h Wed, 9 h Thu, 9 h Fri, 9 h Mon, 1 h Tue -> Tue 10:00.
    assert timer.due_at == paris(2026, 11, 10, 10, 0)


def test_a_closed_complaint_keeps_its_resolution_time():
    t0 = paris(2026, 11, 2, 9, 0)
    history = [
        (t0, Status.NEW),
        (paris(2026, 11, 2, 10, 0), Status.IN_PROGRESS),
        (paris(2026, 11, 2, 11, 0), Status.RESOLVED),
        (paris(2026, 11, 9, 11, 0), Status.CLOSED),
    ]
    sla = clock(Severity.LOW, history, paris(2026, 12, 1, 9, 0))
    assert sla.resolution.met is True and sla.resolution.elapsed_hours == pytest.approx(2.0)
    assert sla.first_response.met is True  # no message was sent: the resolution answered


def test_a_resolution_late_because_of_a_long_running_complaint_is_breached():
    t0 = paris(2026, 11, 2, 9, 0)
    history = [(t0, Status.NEW), (paris(2026, 11, 6, 17, 0), Status.RESOLVED)]  # 44 business hours
    assert clock(Severity.HIGH, history, paris(2026, 11, 7, 9, 0)).resolution.met is False


@pytest.mark.parametrize(
    ("now", "met", "expected"),
    [
        (utc(2026, 11, 2, 9), None, TimerState.DUE),
        (utc(2026, 11, 2, 10), None, TimerState.AT_RISK),
        (utc(2026, 11, 2, 11), None, TimerState.BREACHED),
        (utc(2026, 11, 2, 12), True, TimerState.MET),
        (utc(2026, 11, 2, 12), False, TimerState.BREACHED),
    ],
)
def test_timer_state_from_stored_columns(now, met, expected):
    state = wf.timer_state(now, due_at=utc(2026, 11, 2, 11), at_risk_at=utc(2026, 11, 2, 10), met=met)
    assert state == expected


def test_a_paused_timer_without_deadlines_reads_as_due():
    assert wf.timer_state(utc(2026, 11, 2), due_at=None, at_risk_at=None, met=None) == TimerState.DUE


def test_running_intervals_skip_waiting_and_resolved_spans():
    t = [paris(2026, 11, 2, h, 0) for h in (9, 10, 11, 12, 13)]
    history = [
        (t[0], Status.NEW),
        (t[1], Status.WAITING_ON_CLIENT),
        (t[2], Status.IN_PROGRESS),
        (t[3], Status.RESOLVED),
    ]
    assert wf.running_intervals(history, t[4]) == [(t[0], t[1]), (t[2], t[3])]
