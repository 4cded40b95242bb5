"""Report 3: RC Pro cover ending soon, expired, and uninsured providers with bookings.

The rows are the expiry board's own (`insurance.reporting.build_board`), not a copy of its logic.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from console.domain import _, ngettext
from console.formatting import format_date
from insurance import reporting as insurance
from marketplace.reporting import provider_names
from reports.builders.common import Built, Progress, csv_bytes, provider_reference
from reports.render import CsvAttachment
from reports.workflow import ReportKind

MAX_TABLE_ROWS = 400  # longer lists are in the attached CSV, not in hundreds of table pages


def expiry_header() -> list[str]:
    """The CSV's column titles, in the reader's language."""
    return [
        _("list"), _("reference"), _("provider"), _("cover ends or ended on"), _("days"),
        _("scheduled bookings"), _("next booking"),
    ]  # fmt: skip


@dataclass(frozen=True)
class ExpiryLine:
    reference: str
    name: str
    day: date | None
    days: int | None
    bookings: int = 0
    next_booking: datetime | None = None


@dataclass(frozen=True)
class ExpiryData:
    day: date
    days_ahead: int
    ending: list[ExpiryLine]
    expired: list[ExpiryLine]
    exposure: list[ExpiryLine]
    counts: dict[str, int]
    shown_max: int = MAX_TABLE_ROWS

    @property
    def exposed_bookings(self) -> int:
        return sum(line.bookings for line in self.exposure)


def _lines(board: insurance.Board, days_ahead: int) -> ExpiryData:
    day, rows = board.today, board.rows
    window = insurance.EXPIRING_WINDOW
    ids = sorted({r.provider_id for tab in (window, "expired", "exposure") for r in rows[tab]})
    names = {pid: name for pid, (_reference, name) in provider_names(ids).items()}

    def line(row, **extra) -> ExpiryLine:
        return ExpiryLine(provider_reference(row.provider_id), names.get(row.provider_id, ""), **extra)

    ending = [
        line(r, day=r.day, days=(r.day - day).days) for r in rows[window] if (r.day - day).days <= days_ahead
    ]
    expired = [line(r, day=r.day, days=(day - r.day).days) for r in rows["expired"]]
    exposure = [
        line(
            r,
            day=None,
            days=None,
            bookings=r.bookings,
            next_booking=r.next_booking,
        )
        for r in rows["exposure"]
    ]
    return ExpiryData(
        day, days_ahead, ending, expired, exposure,
        {"ending": len(ending), "expired": len(expired), "exposure": len(exposure)},
    )  # fmt: skip


def _attachment(data: ExpiryData) -> CsvAttachment:
    ending, expired, exposure = _("ending"), _("expired"), _("exposure")
    return CsvAttachment(
        f"rc-pro-expiry-{data.day.isoformat()}.csv",
        _("Every provider listed in the report, one row each (CSV for a spreadsheet)"),
        csv_bytes(
            expiry_header(),
            [(ending, x.reference, x.name, x.day, x.days, "", "") for x in data.ending]
            + [(expired, x.reference, x.name, x.day, x.days, "", "") for x in data.expired]
            + [(exposure, x.reference, x.name, "", "", x.bookings, x.next_booking) for x in data.exposure],
        ),
    )


def build_insurance_expiry(day: date, days_ahead: int, *, progress: Progress) -> Built:
    board = insurance.build_board(day)
    progress(30)
    data = _lines(board, days_ahead)
    attachment = _attachment(data)
    progress(50)
    return Built(
        "insurance_expiry.html",
        ngettext(
            "as of %(day)s, next %(num)s day",
            "as of %(day)s, next %(num)s days",
            days_ahead,
            day=format_date(day),
        ),
        ReportKind.INSURANCE_EXPIRY.description,
        data,
        [attachment],
    )
