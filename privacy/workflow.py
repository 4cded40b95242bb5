"""The rules of subject requests and erasure: pure Python, dates passed in."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from console.domain import _, translated_label

COMPLAINT_RETENTION_YEARS = 5  # DESIGN §7: complaints are kept 5 years after closure


class RequestKind(StrEnum):
    ACCESS = "access"
    ERASURE = "erasure"

    @translated_label
    def label(self) -> str:
        return {RequestKind.ACCESS: _("access"), RequestKind.ERASURE: _("erasure")}[self]


class RequestStatus(StrEnum):
    RECEIVED = "received"
    AWAITING_CONFIRMATION = "awaiting_confirmation"  # erasure asked by one person, confirmed by another
    DONE = "done"
    REFUSED = "refused"

    @translated_label
    def label(self) -> str:
        return {
            RequestStatus.RECEIVED: _("received"),
            RequestStatus.AWAITING_CONFIRMATION: _("awaiting a second person"),
            RequestStatus.DONE: _("done"),
            RequestStatus.REFUSED: _("refused"),
        }[self]


def person_label(subject_type: str) -> str:
    """The kind of person a request is about, in words."""
    return {"client": _("client"), "provider": _("provider")}.get(subject_type, subject_type)


def hold_label(kind: str) -> str:
    """The kind of record erasure keeps, in words."""
    return {
        "complaint": _("complaint"), "dispute": _("dispute"), "restriction": _("restriction"),
        "booking": _("booking"),
    }.get(kind, kind)  # fmt: skip


def due_on(received: date) -> date:
    """One month after receipt (GDPR art. 12(3)): the same day next month, or its last day."""
    year, month = (received.year + 1, 1) if received.month == 12 else (received.year, received.month + 1)
    return date(year, month, min(received.day, calendar.monthrange(year, month)[1]))


def is_overdue(due: date, status: RequestStatus, today: date) -> bool:
    return status in (RequestStatus.RECEIVED, RequestStatus.AWAITING_CONFIRMATION) and today > due


@dataclass(frozen=True)
class Hold:
    """One item erasure keeps, and why."""

    kind: str  # "complaint", "dispute", "restriction", "booking"
    reference: str
    reason: str


def complaint_held(status: str, closed_at: datetime | None, now: datetime) -> bool:
    """Open, or closed less than the retention period ago."""
    if closed_at is None:
        return True
    return now < closed_at + timedelta(days=365 * COMPLAINT_RETENTION_YEARS + COMPLAINT_RETENTION_YEARS // 4)


def holds(
    *,
    complaints: list[dict],
    disputes: list[dict],
    restrictions_under_review: list[int],
    bookings: list[dict],
    now: datetime,
) -> list[Hold]:
    """What a legal hold keeps, each with its reason in words."""
    kept: list[Hold] = []
    for dispute in disputes:
        if dispute["open"]:
            kept.append(
                Hold(
                    "dispute",
                    dispute["reference"],
                    _("an open dispute: its claim and evidence are kept until it is decided"),
                )
            )
    open_dispute_complaints = {d["complaint_id"] for d in disputes if d["open"]}
    for complaint in complaints:
        if complaint["id"] in open_dispute_complaints or complaint_held(
            complaint["status"], _parse(complaint["closed_at"]), now
        ):
            kept.append(
                Hold(
                    "complaint",
                    complaint["reference"],
                    _(
                        "a complaint within its retention period (%(years)s years after closure): "
                        "its text and messages are kept",
                        years=COMPLAINT_RETENTION_YEARS,
                    ),
                )
            )
    for restriction_id in restrictions_under_review:
        kept.append(
            Hold(
                "restriction",
                f"#{restriction_id}",
                _("a restriction under review: its statement and review stay until the review is decided"),
            )
        )
    if bookings:
        kept.append(
            Hold(
                "booking",
                str(len(bookings)),
                _("accounting: the bookings (dates, service, price) stay, tied to the pseudonymised record"),
            )
        )
    return kept


def needs_second_person(kind: str, restricted: bool) -> bool:
    """Erasing a provider under restriction takes two people: one asks, another confirms."""
    return kind == "provider" and restricted


def may_confirm(requested_by_id: int | None, confirmer_id: int) -> bool:
    return requested_by_id is not None and requested_by_id != confirmer_id


def _parse(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None
