"""Report 2: the provider compliance register: every active provider classified, exceptions in the PDF,
the full register in an attached CSV."""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from console.domain import _
from console.formatting import format_date
from insurance import reporting as insurance
from marketplace import reporting as marketplace
from marketplace.reporting import RegisterEntry
from reports import workflow as wf
from reports.builders.common import Built, Progress, csv_bytes, provider_reference
from reports.render import CsvAttachment
from reports.terms import restricted, term
from restrictions import reporting as restrictions
from vetting import reporting as vetting


def register_header() -> list[str]:
    """The CSV's column titles, in the reader's language."""
    return [
        _("reference"), _("legal name"), _("trade name"), _("SIRET"), _("postcode"), _("city"),
        _("joined on"), _("vetting"), _("re-vetting due"), _("RC Pro today"), _("cover ends on"),
        _("insurer"), _("uncovered since"), _("bookings exposed while uncovered"), _("active restrictions"),
        _("open proposals"), _("compliant"), _("issues"),
    ]  # fmt: skip


MAX_TABLE_ROWS = 1_500  # the PDF's table; the attached CSV holds every provider


@dataclass(frozen=True)
class RegisterRow:
    reference: str
    name: str
    city: str
    insurance: str
    issues: list[str]  # in the reader's words
    insurer: str = ""
    uncovered_since: date | None = None
    exposed: int = 0  # scheduled bookings from today on while uncovered


@dataclass(frozen=True)
class RegisterData:
    day: date
    providers_total: int
    active: int
    compliant: int
    by_issue: list[tuple[str, int]]  # issue kind in the reader's words, providers
    exceptions: list[RegisterRow]  # the most serious first, at most MAX_TABLE_ROWS
    not_compliant: int = 0
    cap: int = MAX_TABLE_ROWS

    @property
    def left_out(self) -> int:
        return self.not_compliant - len(self.exceptions)

    @property
    def compliant_pct(self) -> float | None:
        return wf.percent(self.compliant, self.active)


@dataclass(frozen=True)
class Lookups:
    """Everything the register needs besides the providers themselves, read once."""

    day: date
    cover: dict[int, date]  # provider -> end of today's cover
    lapsed: set[int]  # covered once, before today
    restricted: dict[int, list[str]]
    proposed: dict[int, list[str]]
    due: dict[int, date]  # re-vetting due on
    insurers: dict[int, str]
    uncovered: dict[int, date]
    exposed: dict[int, int]

    @classmethod
    def read(cls, day: date) -> Lookups:
        return cls(
            day=day,
            cover=insurance.cover_ends(day),
            lapsed=insurance.covered_before(day),
            restricted=restrictions.active_restriction_codes(),
            proposed=restrictions.open_proposal_codes(),
            due=vetting.revetting_due(),
            insurers=insurance.latest_insurers(),
            uncovered=insurance.uncovered_since(day),
            exposed=insurance.exposed_bookings(day),
        )

    def classify(self, pid: int) -> tuple[str, date | None, list[tuple[str, str]]]:
        """(RC Pro status in words, cover end, issues as (kind, text)) of one provider."""
        end = self.cover.get(pid)
        status = insurance.cover_label(self.day, end, pid in self.lapsed)
        issues = []
        if end is None:
            issues.append(
                (_("RC Pro expired"),) * 2 if status == "expired" else (_("no RC Pro on record"),) * 2
            )
        if pid in self.due and self.due[pid] < self.day:
            issues.append((_("re-vetting overdue"),) * 2)
        issues += [(_("restricted"), restricted(code)) for code in self.restricted.get(pid, [])]
        return term("insurance", status), end, issues

    def csv_row(self, entry: RegisterEntry, status: str, end: date | None, issues: list[str]) -> tuple:
        """One provider's line of the attached register: dates as dates, words in the reader's language."""
        pid, due = entry.id, self.due.get(entry.id)
        codes = lambda found: "; ".join(term("reason", code) for code in found.get(pid, []))  # noqa: E731
        return (
            provider_reference(pid), entry.legal_name, entry.trade_name or "", entry.siret, entry.postcode,
            entry.city, entry.joined_on, term("vetting", "approved"), due, status, end,
            self.insurers.get(pid, ""), None if end else self.uncovered.get(pid), self.exposed.get(pid, 0),
            codes(self.restricted), codes(self.proposed), _("no") if issues else _("yes"), "; ".join(issues),
        )  # fmt: skip


class _Exceptions:
    """The providers not fully compliant: counted, and the MAX_TABLE_ROWS most serious kept.

    Most serious first: bookings exposed while uncovered, then the number of issues, then the
    reference. A bounded heap: the memory held does not grow with the number of providers.
    """

    def __init__(self, cap: int):
        self.cap, self.count, self.heap = cap, 0, []  # heap: the least serious kept on top

    def add(self, pid: int, row: RegisterRow) -> None:
        self.count += 1
        item = (row.exposed, len(row.issues), -pid, row)
        if len(self.heap) < self.cap:
            heapq.heappush(self.heap, item)
        elif item[:3] > self.heap[0][:3]:
            heapq.heapreplace(self.heap, item)

    def most_serious(self) -> list[RegisterRow]:
        rows = [item[3] for item in self.heap]
        return sorted(rows, key=lambda row: (-row.exposed, -len(row.issues), row.reference))


def build_provider_register(day: date, *, progress: Progress) -> Built:
    """Every active (approved) provider, classified; the exceptions in the PDF, all in a CSV.

    The providers stream from the database straight into the CSV text; only the table's rows
    (at most MAX_TABLE_ROWS) and the counts are kept besides it.
    """
    lookups = Lookups.read(day)
    progress(20)
    total = marketplace.provider_count()
    exceptions, issues_count, active = _Exceptions(MAX_TABLE_ROWS), Counter(), [0]

    def csv_rows() -> Iterator[tuple]:
        for entry in marketplace.approved_providers():
            active[0] += 1
            status, end, found = lookups.classify(entry.id)
            issues = [text for _kind, text in found]
            issues_count.update(kind for kind, _text in found)
            yield lookups.csv_row(entry, status, end, issues)
            if issues:
                pid = entry.id
                exceptions.add(pid, RegisterRow(
                    provider_reference(pid), entry.trade_name or entry.legal_name,
                    f"{entry.postcode} {entry.city}", status, issues, lookups.insurers.get(pid, ""),
                    None if end else lookups.uncovered.get(pid), lookups.exposed.get(pid, 0),
                ))  # fmt: skip

    register_csv = csv_bytes(register_header(), csv_rows())
    progress(45)
    data = RegisterData(
        day=day,
        providers_total=total,
        active=active[0],
        compliant=active[0] - exceptions.count,
        by_issue=issues_count.most_common(),
        exceptions=exceptions.most_serious(),
        not_compliant=exceptions.count,
        cap=MAX_TABLE_ROWS,
    )
    attachment = CsvAttachment(
        f"provider-register-{day.isoformat()}.csv",
        _("Every active provider on %(day)s, one row each (CSV for a spreadsheet)", day=format_date(day)),
        register_csv,
    )
    return Built(
        "provider_register.html",
        _("as of %(day)s", day=format_date(day)),
        wf.ReportKind.PROVIDER_REGISTER.description,
        data,
        [attachment],
    )
