"""Report 2: the provider compliance register: every active provider classified, exceptions in the PDF,
the full register in an attached CSV."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date

from insurance import reporting as insurance
from marketplace import reporting as marketplace
from marketplace.reporting import RegisterEntry
from reports import workflow as wf
from reports.builders.common import Built, Progress, csv_bytes, provider_reference
from reports.render import CsvAttachment
from restrictions import reporting as restrictions
from vetting import reporting as vetting

REGISTER_HEADER = [
    "reference", "legal name", "trade name", "SIRET", "postcode", "city", "joined on", "vetting",
    "re-vetting due", "RC Pro today", "cover ends on", "active restrictions", "open proposals",
    "compliant", "issues",
]  # fmt: skip


@dataclass(frozen=True)
class RegisterRow:
    reference: str
    name: str
    city: str
    insurance: str
    issues: list[str]


@dataclass(frozen=True)
class RegisterData:
    day: date
    providers_total: int
    active: int
    compliant: int
    by_issue: list[tuple[str, int]]
    exceptions: list[RegisterRow]

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

    @classmethod
    def read(cls, day: date) -> Lookups:
        return cls(
            day=day,
            cover=insurance.cover_ends(day),
            lapsed=insurance.covered_before(day),
            restricted=restrictions.active_restriction_codes(),
            proposed=restrictions.open_proposal_codes(),
            due=vetting.revetting_due(),
        )

    def classify(self, pid: int) -> tuple[str, date | None, list[str]]:
        """(RC Pro status word, cover end, issues) of one provider."""
        end = self.cover.get(pid)
        status = insurance.cover_label(self.day, end, pid in self.lapsed)
        issues = []
        if end is None:
            issues.append("RC Pro expired" if status == "expired" else "no RC Pro on record")
        if pid in self.due and self.due[pid] < self.day:
            issues.append("re-vetting overdue")
        issues += [f"restricted: {code.replace('_', ' ')}" for code in self.restricted.get(pid, [])]
        return status, end, issues

    def csv_row(self, entry: RegisterEntry, status: str, end: date | None, issues: list[str]) -> tuple:
        pid, due = entry.id, self.due.get(entry.id)
        return (
            provider_reference(pid), entry.legal_name, entry.trade_name or "", entry.siret, entry.postcode,
            entry.city, entry.joined_on.isoformat(), "approved", due.isoformat() if due else "", status,
            end.isoformat() if end else "", "; ".join(self.restricted.get(pid, [])),
            "; ".join(self.proposed.get(pid, [])), "no" if issues else "yes", "; ".join(issues),
        )  # fmt: skip


def build_provider_register(day: date, *, progress: Progress) -> Built:
    """Every active (approved) provider, classified; the exceptions in the PDF, all in a CSV."""
    lookups = Lookups.read(day)
    progress(20)
    total = marketplace.provider_count()
    csv_rows, exceptions, issues_count, active = [], [], Counter(), 0
    for entry in marketplace.approved_providers():
        active += 1
        status, end, issues = lookups.classify(entry.id)
        issues_count.update(i.split(":")[0] for i in issues)
        csv_rows.append(lookups.csv_row(entry, status, end, issues))
        if issues:
            place = f"{entry.postcode} {entry.city}"
            name = entry.trade_name or entry.legal_name
            exceptions.append(RegisterRow(provider_reference(entry.id), name, place, status, issues))
    progress(45)
    data = RegisterData(
        day=day,
        providers_total=total,
        active=active,
        compliant=active - len(exceptions),
        by_issue=issues_count.most_common(),
        exceptions=exceptions,
    )
    attachment = CsvAttachment(
        f"provider-register-{day.isoformat()}.csv",
        f"Every active provider on {day.isoformat()}, one row each (UTF-8 CSV)",
        csv_bytes(REGISTER_HEADER, csv_rows),
    )
    return Built(
        "provider_register.html",
        f"as of {day:%d/%m/%Y}",
        "Active providers' vetting, insurance and restrictions; exceptions listed, full register attached",
        data,
        [attachment],
    )
