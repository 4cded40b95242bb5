"""Complaint rules, without a database: every (state, event) pair."""

from __future__ import annotations

import pytest

from disputes.complaints import workflow as wf
from disputes.complaints.workflow import Category, Severity, Status

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
