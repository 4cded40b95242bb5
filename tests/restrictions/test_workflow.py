"""The restriction rules, without a database."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from console.domain import DomainError, Role
from restrictions import workflow as wf
from restrictions.workflow import ProposalStatus, Source

EVENTS = ["confirm", "dismiss"]


@pytest.mark.parametrize("status", list(ProposalStatus))
@pytest.mark.parametrize("event", EVENTS)
def test_every_status_and_event(status, event):
    if status == ProposalStatus.OPEN:
        expected = ProposalStatus.CONFIRMED if event == "confirm" else ProposalStatus.DISMISSED
        assert wf.next_status(status, event) == expected
    else:
        with pytest.raises(wf.TransitionNotAllowed, match=f"already {status.value}"):
            wf.next_status(status, event)


def test_deadlines_follow_the_design():
    friday_4pm_paris = datetime(2026, 11, 6, 15, 0, tzinfo=UTC)
    # Insurance: 4 business hours; Friday 16:00 Paris leaves 2 h, then Monday 09:00 + 2 h.
    assert wf.due_at(Source.INSURANCE, friday_4pm_paris) == datetime(2026, 11, 9, 10, 0, tzinfo=UTC)
    # Safety: one calendar hour, weekends included.
    saturday = datetime(2026, 11, 7, 22, 30, tzinfo=UTC)
    assert wf.due_at(Source.SAFETY, saturday) == datetime(2026, 11, 7, 23, 30, tzinfo=UTC)
    # Armistice day (11 November) is not a business day.
    tuesday_evening = datetime(2026, 11, 10, 17, 0, tzinfo=UTC)  # 18:00 Paris: closed
    # One business day (9 h) from Tuesday closing: all of Thursday, ending 18:00 Paris.
    assert wf.due_at(Source.VETTING, tuesday_evening) == datetime(2026, 11, 12, 17, 0, tzinfo=UTC)


def test_overdue():
    due = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)
    assert not wf.is_overdue(due, datetime(2026, 11, 2, 9, 59, tzinfo=UTC))
    assert wf.is_overdue(due, due)


@pytest.mark.parametrize(
    ("roles", "source", "allowed"),
    [
        ({Role.MANAGER}, Source.INSURANCE, True),
        ({Role.MANAGER}, Source.VETTING, True),
        ({Role.VETTING_OFFICER}, Source.VETTING, True),
        ({Role.VETTING_OFFICER}, Source.SAFETY, False),
        ({Role.SUPPORT_AGENT}, Source.QUALITY, False),
        ({Role.ADMIN}, Source.MANUAL, False),
        (set(), Source.VETTING, False),
    ],
)
def test_who_may_decide(roles, source, allowed):
    assert wf.may_decide(roles, source) is allowed


def test_statement_is_required_and_bounded():
    with pytest.raises(DomainError, match="required"):
        wf.ensure_statement("   ")
    with pytest.raises(DomainError, match="too long"):
        wf.ensure_statement("x" * (wf.STATEMENT_MAX + 1))
    assert wf.ensure_statement("  reasons  ") == "reasons"


def test_review_needs_another_person():
    with pytest.raises(DomainError, match="someone other"):
        wf.ensure_review_decider(7, 7)
    wf.ensure_review_decider(8, 7)


def test_every_reason_has_a_statement_except_other():
    for code, reason in wf.REASONS.items():
        assert reason.code == code
        assert reason.statement or code == "other"
    with pytest.raises(DomainError, match="Unknown reason"):
        wf.reason("nope")
