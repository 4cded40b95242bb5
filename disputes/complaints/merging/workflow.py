"""Rules for merging duplicate complaints. Pure: no Flask, no database; times are parameters.

Which complaints look like duplicates (the same client's, within 7 days or about the same booking),
which one stays open (the one received first, unless the agent chooses), and the survivor's SLA
clock (from the earliest report and first response, through the complaint SLA rules).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from console.domain import DomainError, _
from disputes.complaints.workflow import Severity, Status

# Two complaints of one client received within this window, or about one booking, may be the same
# problem told twice: the complaint page suggests merging them.
DUPLICATE_WINDOW = timedelta(days=7)
SUGGESTIONS_MAX = 5  # the panel lists at most this many (one bounded query)


class NotMergeable(DomainError):
    """The two complaints cannot be merged (the message says why)."""


@dataclass(frozen=True)
class MergeSide:
    """What the merge rules read of a complaint: plain values, no ORM object."""

    id: int
    reference: str
    client_id: int
    booking_id: int | None
    subject: str
    status: Status
    created_at: datetime
    merged_into: str | None = None  # the survivor's reference, once merged


def _same_subject(a: str, b: str) -> bool:
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def duplicate_reasons(this: MergeSide, other: MergeSide) -> list[str]:
    """Why `other` looks like a duplicate of `this` (empty: it does not)."""
    if this.id == other.id or this.client_id != other.client_id or Status(other.status) == Status.CLOSED:
        return []
    same_booking = this.booking_id is not None and this.booking_id == other.booking_id
    near = abs(this.created_at - other.created_at) <= DUPLICATE_WINDOW
    if not (same_booking or near):
        return []
    reasons = [_("same booking")] if same_booking else []
    if _same_subject(this.subject, other.subject):
        reasons.append(_("same subject"))
    if near:
        reasons.append(_("received within %(days)s days", days=DUPLICATE_WINDOW.days))
    return reasons


def rank_duplicates(this: MergeSide, others: Sequence[MergeSide]) -> list[tuple[MergeSide, list[str]]]:
    """The suggested duplicates with their reasons: same booking first, then same subject, then the
    nearest in time; at most SUGGESTIONS_MAX."""
    found = [(other, duplicate_reasons(this, other)) for other in others]
    found = [(other, reasons) for other, reasons in found if reasons]
    found.sort(
        key=lambda item: (
            not (this.booking_id is not None and item[0].booking_id == this.booking_id),
            not _same_subject(this.subject, item[0].subject),
            abs(this.created_at - item[0].created_at),
            item[0].id,
        )
    )
    return found[:SUGGESTIONS_MAX]


def suggested_survivor(a: MergeSide, b: MergeSide) -> MergeSide:
    """The complaint that stays open: one still being worked on rather than a resolved one (which
    would close by itself a week after its resolution), else the one received first."""
    return min((a, b), key=lambda side: (Status(side.status) == Status.RESOLVED, side.created_at, side.id))


def ensure_mergeable(merged: MergeSide, survivor: MergeSide) -> None:
    """Refuse a merge of a complaint into itself, across clients, or of a closed or merged one."""
    if merged.id == survivor.id:
        raise NotMergeable(_("A complaint cannot be merged into itself."))
    for side in (merged, survivor):
        if side.merged_into is not None:
            raise NotMergeable(
                _(
                    "%(complaint)s was already merged into %(survivor)s; nothing was changed.",
                    complaint=side.reference,
                    survivor=side.merged_into,
                )
            )
        if Status(side.status) == Status.CLOSED:
            raise NotMergeable(
                _("%(complaint)s is closed: a closed complaint cannot be merged.", complaint=side.reference)
            )
    if merged.client_id != survivor.client_id:
        raise NotMergeable(
            _(
                "%(a)s and %(b)s are complaints of different clients: they cannot be merged.",
                a=merged.reference,
                b=survivor.reference,
            )
        )


def merged_clock(
    survivor: tuple[datetime, datetime | None], merged: tuple[datetime, datetime | None]
) -> tuple[datetime, datetime | None]:
    """The survivor's (received at, first response at) after a merge: the earliest of the two,
    so the SLA clock runs from the first time the client told us."""
    received = min(survivor[0], merged[0])
    answers = [at for at in (survivor[1], merged[1]) if at is not None]
    return received, min(answers, default=None)


def merged_severity(a: Severity, b: Severity) -> Severity:
    """The survivor keeps the more urgent severity of the two."""
    order = list(Severity)
    return min(Severity(a), Severity(b), key=order.index)
