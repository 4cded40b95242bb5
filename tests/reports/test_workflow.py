"""The report rules: pure, no database."""

from __future__ import annotations

import errno
from datetime import date

import pytest

from console.domain import DomainError, Role
from insurance.workflow import EXPIRING_WITHIN_DAYS
from reports import workflow as wf
from reports.workflow import ReportKind, RunStatus, Target, Verdict

EVENTS = ("start", "succeed", "fail")


@pytest.mark.parametrize("status", list(RunStatus))
@pytest.mark.parametrize("event", EVENTS)
def test_every_status_and_event(status, event):
    allowed = {
        (RunStatus.QUEUED, "start"): RunStatus.RUNNING,
        (RunStatus.QUEUED, "fail"): RunStatus.FAILED,
        (RunStatus.RUNNING, "succeed"): RunStatus.SUCCEEDED,
        (RunStatus.RUNNING, "fail"): RunStatus.FAILED,
    }
    if (status, event) in allowed:
        assert wf.next_status(status, event) == allowed[status, event]
    else:
        with pytest.raises(wf.TransitionNotAllowed):
            wf.next_status(status, event)


def test_only_a_failed_run_not_yet_retried_can_be_retried():
    wf.ensure_retryable(RunStatus.FAILED, already_retried=False)
    with pytest.raises(wf.TransitionNotAllowed):
        wf.ensure_retryable(RunStatus.FAILED, already_retried=True)
    for status in (RunStatus.QUEUED, RunStatus.RUNNING, RunStatus.SUCCEEDED):
        with pytest.raises(wf.TransitionNotAllowed):
            wf.ensure_retryable(status, already_retried=False)


def test_kinds_per_role():
    assert wf.kinds_for([Role.MANAGER]) == list(ReportKind)
    assert wf.kinds_for([Role.VETTING_OFFICER]) == [ReportKind.PROVIDER_REGISTER, ReportKind.PROVIDER_DOSSIER]
    assert wf.kinds_for([Role.SUPPORT_AGENT]) == [ReportKind.COMPLAINTS]
    assert wf.kinds_for([Role.ADMIN]) == []
    assert wf.kinds_for([Role.SUPPORT_AGENT, Role.VETTING_OFFICER]) == [
        ReportKind.PROVIDER_REGISTER,
        ReportKind.COMPLAINTS,
        ReportKind.PROVIDER_DOSSIER,
    ]


TODAY = date(2026, 11, 15)


@pytest.mark.parametrize(
    ("starts_on", "ends_on", "message"),
    [
        (None, TODAY, "first and the last day"),
        (date(2026, 11, 10), date(2026, 11, 9), "ends before it starts"),
        (date(2026, 11, 10), date(2026, 11, 16), "in the future"),
        (date(2025, 11, 14), TODAY, "at most 366 days"),
    ],
)
def test_bad_periods(starts_on, ends_on, message):
    with pytest.raises(wf.InvalidParameters, match=message):
        wf.check_period(starts_on, ends_on, today=TODAY)


def test_good_periods():
    assert wf.check_period(TODAY, TODAY, today=TODAY).days == 1
    year = wf.check_period(date(2025, 11, 15), TODAY, today=TODAY)
    assert year.days == 366 and year.label == "15/11/2025 – 15/11/2026"


def test_previous_month():
    assert wf.previous_month(date(2026, 1, 1)) == wf.Period(date(2025, 12, 1), date(2025, 12, 31))
    assert wf.previous_month(date(2026, 3, 31)) == wf.Period(date(2026, 2, 1), date(2026, 2, 28))


@pytest.mark.parametrize("days", [0, 31, -1, True, "7", 7.0, None])
def test_bad_days_ahead(days):
    with pytest.raises(wf.InvalidParameters):
        wf.check_days(days, maximum=EXPIRING_WITHIN_DAYS)


def test_verdicts_against_a_target():
    share = Target(98.0, 2.0)
    assert [share.verdict(v) for v in (99.0, 98.0, 96.5, 96.0, 95.9, None)] == [
        Verdict.MET, Verdict.MET, Verdict.AT_RISK, Verdict.AT_RISK, Verdict.NOT_MET, Verdict.NO_DATA,
    ]  # fmt: skip
    count = Target(0, 10, higher_is_better=False)
    assert [count.verdict(v) for v in (0, 5, 10, 11)] == [
        Verdict.MET, Verdict.AT_RISK, Verdict.AT_RISK, Verdict.NOT_MET,
    ]  # fmt: skip


def test_targets_overridden_by_configuration_keep_their_direction():
    targets = wf.targets({"uninsured_bookings": [5, 0], "unknown": [1, 1]})
    assert targets["uninsured_bookings"] == Target(5.0, 0.0, higher_is_better=False)
    assert "unknown" not in targets and targets["insured_pct"] == wf.DEFAULT_TARGETS["insured_pct"]


def test_quantiles_and_percentages():
    assert wf.quantile([], 0.5) is None
    assert wf.quantile([4.0], 0.9) == 4.0
    assert wf.quantile([1, 2, 3, 4], 0.5) == 2.5
    assert wf.quantile(list(range(1, 11)), 0.9) == pytest.approx(9.1)
    assert wf.percent(1, 3) == 33.3 and wf.percent(0, 0) is None


def test_failures_are_described_without_internals():
    disk = OSError(errno.ENOSPC, "No space left on device", "/srv/files/ab/secret.pdf")
    assert wf.describe_failure(disk) == (
        "The report could not be saved to storage (No space left on device). "
        "Nothing was kept; retry once storage is fixed."
    )
    assert (
        wf.describe_failure(DomainError("There is no provider PRV-000009."))
        == "There is no provider PRV-000009."
    )
    assert "(ZeroDivisionError: division by zero)" in wf.describe_failure(
        ZeroDivisionError("division by zero")
    )


def test_run_references():
    assert wf.run_reference(42) == "RPT-000042" and wf.run_reference(None) == "RPT-(new)"
