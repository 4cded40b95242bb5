"""What an officer concludes on a check's form, and what a queue tells a viewer about approving a
case. Pure Python, like workflow.py (whose `approval_problems` and `four_eyes_kept` decide)."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from console.domain import _, translated_label
from vetting.workflow import four_eyes_kept


class CheckOutcome(StrEnum):
    """What the officer concludes when submitting a check's form: the check passes, fails (with
    its reason), or stays open while the provider is asked for documents (the clock pauses)."""

    PASS = "pass"  # noqa: S105 (an outcome, not a password)
    FAIL = "fail"
    NEEDS_DOCUMENTS = "needs_documents"

    @translated_label
    def label(self) -> str:
        return {
            CheckOutcome.PASS: _("pass"),
            CheckOutcome.FAIL: _("fail"),
            CheckOutcome.NEEDS_DOCUMENTS: _("needs provider documents"),
        }[self]


class ApprovalHint(StrEnum):
    """What a queue row tells its viewer about approving the case (from `approval_problems`)."""

    MAY_APPROVE = "may_approve"
    DID_A_CHECK = "did_a_check"
    BLOCKED = "blocked"  # ready for decision, but something else stops it (e.g. RC Pro)
    NOT_READY = "not_ready"

    @translated_label
    def label(self) -> str:
        return {
            ApprovalHint.MAY_APPROVE: _("you may approve"),
            ApprovalHint.DID_A_CHECK: _("you may not approve (you did a check)"),
            ApprovalHint.BLOCKED: _("cannot be approved yet"),
            ApprovalHint.NOT_READY: _("checks not completed"),
        }[self]


def approval_hint(
    *, problems: list[str], approver_id: int | None, completer_ids: Iterable[int | None], ready: bool
) -> ApprovalHint:
    """The hint for a viewer, from the same problems the approve action refuses with."""
    if not problems:
        return ApprovalHint.MAY_APPROVE
    if not four_eyes_kept(approver_id, completer_ids):
        return ApprovalHint.DID_A_CHECK
    return ApprovalHint.BLOCKED if ready else ApprovalHint.NOT_READY
