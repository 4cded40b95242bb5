"""Gather each report's figures as plain data (dataclasses), for the templates.

Builders read; they never change anything. Each takes its parameters, the day the data is
read for, and a `progress(percent)` callback. A section whose data the console does not record
(policy versions) says so instead of showing a number.
"""

from __future__ import annotations

import csv
import io
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app

from console.audit.models import AuditEvent
from console.business_time import PARIS
from console.privacy import redaction_count
from console.spreadsheet import neutralise
from disputes import reporting
from insurance.models import InsuranceCover
from insurance.workflow import EXPIRING_WITHIN_DAYS
from marketplace.models import (
    Booking,
    BookingStatus,
    ModerationStatus,
    Provider,
    Review,
    VettingStatus,
)
from reports import workflow as wf
from reports.render import CsvAttachment
from reports.workflow import Period, Verdict
from restrictions.models import Restriction, RestrictionProposal
from restrictions.workflow import ProposalStatus, Source
from vetting.models import VettingCase
from vetting.workflow import CaseStatus

Progress = Callable[[int], None]
CHUNK = 5000


@dataclass(frozen=True)
class Missing:
    """A section whose data the console does not record yet: the PDF says why, with no number."""

    reason: str


@dataclass
class Built:
    """What a builder hands to the renderer."""

    template: str
    period: str
    subject: str
    data: Any
    attachments: list[CsvAttachment] = field(default_factory=list)


def day_bounds(period: Period) -> tuple[datetime, datetime]:
    """[start, end) in UTC of the period's days in France."""
    start = datetime.combine(period.starts_on, time.min, tzinfo=PARIS).astimezone(UTC)
    end = datetime.combine(period.ends_on + timedelta(days=1), time.min, tzinfo=PARIS).astimezone(UTC)
    return start, end


def provider_reference(provider_id: int) -> str:
    return f"{Provider.REFERENCE_PREFIX}-{provider_id:0{Provider.REFERENCE_WIDTH}d}"


def csv_bytes(header: list[str], rows: Iterable[Iterable[Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow([neutralise(cell) for cell in row])
    return out.getvalue().encode("utf-8")


# --- complaints and disputes (figures from disputes.reporting) ------------------------------------


@dataclass(frozen=True)
class SeverityRow:
    severity: str
    complaints: int
    first_response_met_pct: float | None
    resolution_met_pct: float | None


@dataclass(frozen=True)
class OutcomeRow:
    outcome: str
    disputes: int
    claimed_cents: int
    awarded_cents: int


@dataclass(frozen=True)
class ComplaintsData:
    volumes: list[tuple[str, int]]  # per category
    sla: list[SeverityRow]
    resolution_hours: tuple[float | None, float | None]  # median, 90th percentile
    outcomes: list[OutcomeRow]
    top_providers: list[tuple[str, str, int]]  # reference, name, complaints

    @property
    def sla_chart(self) -> list[tuple[str, float]]:
        return [(r.severity, r.resolution_met_pct) for r in self.sla if r.resolution_met_pct is not None]

    @property
    def outcome_chart(self) -> list[tuple[str, int]]:
        return [(r.outcome, r.disputes) for r in self.outcomes]

    @property
    def provider_chart(self) -> list[tuple[str, int]]:
        return [(f"{reference} {name}", count) for reference, name, count in self.top_providers]


def complaint_volumes(period: Period) -> list[tuple[str, int]]:
    return reporting.complaint_volumes(*day_bounds(period))


def sla_attainment(period: Period) -> list[SeverityRow]:
    return [SeverityRow(*row) for row in reporting.sla_by_severity(*day_bounds(period))]


def resolution_times(period: Period) -> tuple[float | None, float | None]:
    return reporting.resolution_hours(*day_bounds(period))


def dispute_outcomes(period: Period) -> list[OutcomeRow]:
    return [OutcomeRow(*row) for row in reporting.dispute_outcomes(*day_bounds(period))]


def most_complained_about(period: Period) -> list[tuple[str, str, int]]:
    return reporting.most_complained_about(*day_bounds(period))


def build_complaints(period: Period, *, progress: Progress) -> Built:
    data = ComplaintsData(
        volumes=complaint_volumes(period),
        sla=sla_attainment(period),
        resolution_hours=resolution_times(period),
        outcomes=dispute_outcomes(period),
        top_providers=most_complained_about(period),
    )
    progress(60)
    return Built("complaints.html", period.label, "Complaints and disputes: volumes, SLAs, outcomes", data)


# --- (1) customer protection policy compliance -----------------------------------------------


@dataclass(frozen=True)
class Promise:
    number: int
    title: str
    measure: str
    measured: str
    target: str
    verdict: Verdict
    evidence: list[tuple[str, str]]
    note: str | None = None


@dataclass(frozen=True)
class PolicyData:
    promises: list[Promise]
    chart: list[tuple[str, float]]

    @property
    def counts(self) -> dict[str, int]:
        found = Counter(p.verdict for p in self.promises)
        return {v.value: found.get(v, 0) for v in Verdict}


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f} %"


def _count(query) -> int:
    from console.db import db

    return int(db.session.scalar(query) or 0)


def _worst(*verdicts: Verdict) -> Verdict:
    order = [Verdict.NOT_MET, Verdict.AT_RISK, Verdict.NO_DATA, Verdict.MET]
    return min(verdicts, key=order.index)


def build_policy_compliance(period: Period, *, progress: Progress) -> Built:
    targets = wf.targets(current_app.config.get("REPORT_TARGETS"))
    since, until = day_bounds(period)
    promises = [
        _promise_personal_data(since, until, targets),
        _promise_payments(since, until, targets),
        _promise_vetting(period, since, until, targets),
    ]
    progress(30)
    promises.append(_promise_insurance(period, since, until, targets))
    progress(50)
    promises += [
        _promise_reviews(since, until, targets),
        _promise_service(period, targets),
        _promise_prices(period, since, until, targets),
        _promise_updates(targets),
    ]
    progress(60)
    chart = [
        (f"{p.number}. {p.title}", float(p.measured.rstrip(" %")))
        for p in promises
        if p.measured.endswith(" %")
    ]
    data = PolicyData(promises, chart)
    return Built(
        "policy_compliance.html", period.label, "The eight promises of the policy, with evidence", data
    )


def _promise_personal_data(since, until, targets) -> Promise:
    downloads = sa.select(sa.func.count()).where(
        AuditEvent.action == "file.download", AuditEvent.occurred_at >= since, AuditEvent.occurred_at < until
    )
    total = _count(downloads)
    with_purpose = _count(downloads.where(AuditEvent.purpose.is_not(None)))
    measured = wf.percent(with_purpose, total) if total else 100.0
    target = targets["sensitive_access_logged_pct"]
    return Promise(
        1,
        "Personal data kept confidential",
        "Share of sensitive document openings logged with a purpose",
        _pct(measured),
        f"≥ {target.value:g} %",
        target.verdict(measured),
        [
            ("Documents opened (audited)", f"{total:,}"),
            ("Opened with a recorded purpose", f"{with_purpose:,}"),
            ("Access", "role-based, denied by default; every download goes through a checked route"),
        ],
        None if total else "No sensitive document was opened in the period.",
    )


def _promise_payments(since, until, targets) -> Promise:
    redacted = redaction_count(since=since, until=until)
    target = targets["card_numbers_stored"]
    return Promise(
        2,
        "Secure transactions, no card data stored",
        "Card numbers stored by the console",
        "0",
        f"≤ {target.value:g}",
        target.verdict(0),
        [
            ("Card numbers typed into free text and masked before saving", f"{redacted:,}"),
            ("Card fields in the console", "none; refunds reference the payment provider's id only"),
        ],
    )


def _promise_vetting(period: Period, since, until, targets) -> Promise:
    active = _count(
        sa.select(sa.func.count())
        .select_from(Provider)
        .where(Provider.vetting_status == VettingStatus.APPROVED)
    )
    latest_due = (
        sa.select(VettingCase.provider_id, sa.func.max(VettingCase.revetting_due_on).label("due"))
        .where(VettingCase.status == CaseStatus.APPROVED)
        .group_by(VettingCase.provider_id)
        .subquery()
    )
    overdue = _count(
        sa.select(sa.func.count())
        .select_from(latest_due)
        .join(Provider, Provider.id == latest_due.c.provider_id)
        .where(Provider.vetting_status == VettingStatus.APPROVED, latest_due.c.due < period.ends_on)
    )
    decided = dict(
        _rows(
            sa.select(VettingCase.status, sa.func.count())
            .where(VettingCase.decided_at >= since, VettingCase.decided_at < until)
            .group_by(VettingCase.status)
        )
    )
    measured = wf.percent(active - overdue, active)
    target = targets["vetted_pct"]
    return Promise(
        3,
        "Rigorous provider selection",
        "Share of active providers approved with re-vetting up to date at the end of the period",
        _pct(measured),
        f"≥ {target.value:g} %",
        target.verdict(measured),
        [
            ("Active (approved) providers", f"{active:,}"),
            ("Re-vetting overdue", f"{overdue:,}"),
            ("Vetting cases approved in the period", f"{decided.get(CaseStatus.APPROVED, 0):,}"),
            ("Vetting cases rejected in the period", f"{decided.get(CaseStatus.REJECTED, 0):,}"),
        ],
    )


def _rows(query) -> list:
    from console.db import db

    return list(db.session.execute(query))


def _covered_on(day: date):
    return sa.exists().where(
        InsuranceCover.provider_id == Provider.id,
        InsuranceCover.starts_on <= day,
        InsuranceCover.ends_on >= day,
    )


def _promise_insurance(period: Period, since, until, targets) -> Promise:
    approved = Provider.vetting_status == VettingStatus.APPROVED
    active = _count(sa.select(sa.func.count()).select_from(Provider).where(approved))
    insured = _count(
        sa.select(sa.func.count()).select_from(Provider).where(approved, _covered_on(period.ends_on))
    )
    uninsured = _uninsured_bookings(since, until)
    lapses = _count(
        sa.select(sa.func.count()).where(
            RestrictionProposal.source == Source.INSURANCE,
            RestrictionProposal.created_at >= since,
            RestrictionProposal.created_at < until,
        )
    )
    measured = wf.percent(insured, active)
    share, exposure = targets["insured_pct"], targets["uninsured_bookings"]
    return Promise(
        4,
        "Providers hold RC Pro insurance",
        "Share of active providers with verified RC Pro cover on the last day of the period",
        _pct(measured),
        f"≥ {share.value:g} %; uninsured bookings ≤ {exposure.value:g}",
        _worst(share.verdict(measured), exposure.verdict(uninsured)),
        [
            ("Active providers insured on the last day", f"{insured:,} of {active:,}"),
            ("Bookings served or scheduled while uninsured (exposure)", f"{uninsured:,}"),
            ("Insurance lapse proposals opened", f"{lapses:,}"),
        ],
    )


def _uninsured_bookings(since: datetime, until: datetime) -> int:
    """Bookings in [since, until) (not cancelled) on a day their provider had no verified cover."""
    day = sa.func.date(Booking.scheduled_start)
    covered = sa.exists().where(
        InsuranceCover.provider_id == Booking.provider_id,
        InsuranceCover.starts_on <= day,
        InsuranceCover.ends_on >= day,
    )
    return _count(
        sa.select(sa.func.count()).where(
            Booking.scheduled_start >= since,
            Booking.scheduled_start < until,
            Booking.status != BookingStatus.CANCELLED,
            ~covered,
        )
    )


def _promise_reviews(since, until, targets) -> Promise:
    counts = dict(
        _rows(
            sa.select(Review.moderation_status, sa.func.count())
            .where(Review.submitted_at >= since, Review.submitted_at < until)
            .group_by(Review.moderation_status)
        )
    )
    total = sum(counts.values())
    pending = counts.get(ModerationStatus.PENDING, 0)
    measured = wf.percent(total - pending, total)
    target = targets["reviews_moderated_pct"]
    return Promise(
        5,
        "Reviews and ratings after each service",
        "Share of the period's reviews moderated (published or hidden)",
        _pct(measured),
        f"≥ {target.value:g} %",
        target.verdict(measured),
        [
            ("Reviews submitted", f"{total:,}"),
            ("Published", f"{counts.get(ModerationStatus.PUBLISHED, 0):,}"),
            ("Hidden (with a reason)", f"{counts.get(ModerationStatus.HIDDEN, 0):,}"),
            ("Awaiting moderation", f"{pending:,}"),
        ],
        None if total else "No review was submitted in the period.",
    )


def _promise_service(period: Period, targets) -> Promise:
    sla = sla_attainment(period)
    target = targets["sla_attained_pct"]
    met = [row.resolution_met_pct for row in sla if row.resolution_met_pct is not None]
    measured = round(sum(met) / len(met), 1) if met else None
    return Promise(
        6, "Responsive customer service", "Complaints resolved within their SLA", _pct(measured),
        f"≥ {target.value:g} %", target.verdict(measured),
        [(row.severity, _pct(row.resolution_met_pct)) for row in sla],
    )  # fmt: skip


def _promise_prices(period: Period, since, until, targets) -> Promise:
    versions = _rows(
        sa.select(Booking.cancellation_terms_version, sa.func.count())
        .where(Booking.scheduled_start >= since, Booking.scheduled_start < until)
        .group_by(Booking.cancellation_terms_version)
        .order_by(sa.func.count().desc())
    )
    total = sum(count for _, count in versions)
    recorded = sum(count for version, count in versions if version)
    measured = wf.percent(recorded, total)
    target = targets["terms_recorded_pct"]
    decided = sum(row.disputes for row in dispute_outcomes(period))
    evidence = [("Bookings in the period", f"{total:,}")]
    evidence += [(f"Sold under cancellation terms {v}", f"{c:,}") for v, c in versions[:6]]
    evidence.append(("Disputes decided against the terms (see report 4)", f"{decided:,}"))
    return Promise(
        7,
        "Transparent prices and cancellation conditions",
        "Share of the period's bookings that keep their price and cancellation-terms version",
        _pct(measured),
        f"≥ {target.value:g} %",
        target.verdict(measured),
        evidence,
        None if total else "No booking in the period.",
    )


def _promise_updates(targets) -> Promise:
    target = targets["policy_versions_published"]
    return Promise(
        8, "Regular policy updates, clients told of changes", "Policy versions published",
        "—", f"≥ {target.value:g} per year", Verdict.NO_DATA, [],
        "Policy versions and client notifications are not recorded in the console yet, so this "
        "promise has no evidence here.",
    )  # fmt: skip


# --- (2) provider compliance register ------------------------------------------------------------

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


def _cover_today(day: date) -> dict[int, date]:
    query = sa.select(InsuranceCover.provider_id, InsuranceCover.ends_on).where(
        InsuranceCover.starts_on <= day, InsuranceCover.ends_on >= day
    )
    return dict(_rows(query))


def _ever_covered_before(day: date) -> set[int]:
    return {
        pid
        for (pid,) in _rows(
            sa.select(InsuranceCover.provider_id).where(InsuranceCover.ends_on < day).distinct()
        )
    }


def _codes(query) -> dict[int, list[str]]:
    found: dict[int, list[str]] = defaultdict(list)
    for pid, code in _rows(query):
        found[pid].append(code)
    return found


def _revetting_due() -> dict[int, date]:
    query = (
        sa.select(VettingCase.provider_id, sa.func.max(VettingCase.revetting_due_on))
        .where(VettingCase.status == CaseStatus.APPROVED)
        .group_by(VettingCase.provider_id)
    )
    return dict(_rows(query))


def insurance_label(day: date, cover_end: date | None, lapsed: bool) -> str:
    if cover_end is not None:
        return "expiring" if (cover_end - day).days <= EXPIRING_WITHIN_DAYS else "valid"
    return "expired" if lapsed else "none"


def build_provider_register(day: date, *, progress: Progress) -> Built:
    """Every active (approved) provider, classified; the exceptions in the PDF, all in a CSV."""
    from console.db import db

    cover, lapsed = _cover_today(day), _ever_covered_before(day)
    restricted = _codes(
        sa.select(Restriction.provider_id, Restriction.reason_code).where(Restriction.ended_at.is_(None))
    )
    proposed = _codes(
        sa.select(RestrictionProposal.provider_id, RestrictionProposal.reason_code).where(
            RestrictionProposal.status == ProposalStatus.OPEN
        )
    )
    due = _revetting_due()
    progress(20)
    total = _count(sa.select(sa.func.count()).select_from(Provider))
    columns = (
        Provider.id, Provider.legal_name, Provider.trade_name, Provider.siret, Provider.postcode,
        Provider.city, Provider.joined_on,
    )  # fmt: skip
    query = (
        sa.select(*columns)
        .where(Provider.vetting_status == VettingStatus.APPROVED)
        .order_by(Provider.id)
        .execution_options(yield_per=CHUNK)
    )
    csv_rows, exceptions, issues_count, active = [], [], Counter(), 0
    for pid, legal, trade, siret, postcode, city, joined in db.session.execute(query):
        active += 1
        end = cover.get(pid)
        insurance = insurance_label(day, end, pid in lapsed)
        issues = []
        if end is None:
            issues.append("RC Pro expired" if insurance == "expired" else "no RC Pro on record")
        if pid in due and due[pid] < day:
            issues.append("re-vetting overdue")
        issues += [f"restricted: {code.replace('_', ' ')}" for code in restricted.get(pid, [])]
        issues_count.update(i.split(":")[0] for i in issues)
        reference = provider_reference(pid)
        csv_rows.append(
            (
                reference, legal, trade or "", siret, postcode, city, joined.isoformat(), "approved",
                due[pid].isoformat() if pid in due else "", insurance, end.isoformat() if end else "",
                "; ".join(restricted.get(pid, [])), "; ".join(proposed.get(pid, [])),
                "no" if issues else "yes", "; ".join(issues),
            )
        )  # fmt: skip
        if issues:
            exceptions.append(RegisterRow(reference, trade or legal, f"{postcode} {city}", insurance, issues))
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


# --- (3) insurance expiry and uninsured exposure ------------------------------------------------

MAX_TABLE_ROWS = 400  # longer lists are in the attached CSV, not in hundreds of table pages


@dataclass(frozen=True)
class ExpiryLine:
    reference: str
    name: str
    day: date | None
    days: int | None
    bookings: int = 0
    next_booking: str = ""


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


def _names(ids: list[int]) -> dict[int, str]:
    found: dict[int, str] = {}
    for start in range(0, len(ids), CHUNK):
        query = sa.select(Provider.id, Provider.legal_name, Provider.trade_name).where(
            Provider.id.in_(ids[start : start + CHUNK])
        )
        found.update((pid, trade or legal) for pid, legal, trade in _rows(query))
    return found


def build_insurance_expiry(day: date, days_ahead: int, *, progress: Progress) -> Built:
    from insurance.admin import build_board  # the expiry board's own logic, not a copy of it

    board = build_board(day)
    progress(30)
    rows = board.rows
    names = _names(sorted({r.provider_id for window in ("30", "expired", "exposure") for r in rows[window]}))

    def line(row, **extra) -> ExpiryLine:
        return ExpiryLine(provider_reference(row.provider_id), names.get(row.provider_id, ""), **extra)

    ending = [
        line(r, day=r.day, days=(r.day - day).days) for r in rows["30"] if (r.day - day).days <= days_ahead
    ]
    expired = [line(r, day=r.day, days=(day - r.day).days) for r in rows["expired"]]
    exposure = [
        line(
            r,
            day=None,
            days=None,
            bookings=r.bookings,
            next_booking=r.next_booking.strftime("%d/%m/%Y %H:%M UTC"),
        )
        for r in rows["exposure"]
    ]
    data = ExpiryData(
        day, days_ahead, ending, expired, exposure,
        {"ending": len(ending), "expired": len(expired), "exposure": len(exposure)},
    )  # fmt: skip
    attachment = CsvAttachment(
        f"rc-pro-expiry-{day.isoformat()}.csv",
        "Every provider listed in the report, one row each (UTF-8 CSV)",
        csv_bytes(
            [
                "list",
                "reference",
                "provider",
                "cover ends or ended on",
                "days",
                "scheduled bookings",
                "next booking",
            ],
            [("ending", x.reference, x.name, x.day.isoformat(), x.days, "", "") for x in ending]
            + [("expired", x.reference, x.name, x.day.isoformat(), x.days, "", "") for x in expired]
            + [("exposure", x.reference, x.name, "", "", x.bookings, x.next_booking) for x in exposure],
        ),
    )
    progress(50)
    return Built(
        "insurance_expiry.html",
        f"as of {day:%d/%m/%Y}, next {days_ahead} days",
        "RC Pro cover ending soon, expired, and uninsured providers with bookings",
        data,
        [attachment],
    )


# --- (5) provider dossier ---------------------------------------------------------------------

MAX_AUDIT_EVENTS = 500


@dataclass(frozen=True)
class CaseLine:
    reference: str
    round: str
    status: str
    opened: str
    decided: str
    checks: list[tuple[str, str, str]]  # kind, status, completed by and when
    criminal_record: str  # viewed / outcome only: the extract is never kept
    references: str


@dataclass(frozen=True)
class DossierData:
    facts: list[tuple[str, str]]
    bookable: bool
    not_bookable_reasons: list[str]
    cases: list[CaseLine]
    insurance_status: str
    policies: list[
        tuple[str, str, str, str, str]
    ]  # insurer and number, period, coverage, verification, decided
    restrictions: list[tuple[str, str, str, str]]  # reason, started, ended, review
    proposals: list[tuple[str, str, str, str]]  # reason, source, opened, status
    bookings: list[tuple[str, int]]
    reviews: list[tuple[str, str]]
    complaints: list[tuple[str, int]] | Missing
    audit: list[tuple[str, str, str, str, str]]  # when, actor, action, object, details
    audit_total: int


class UnknownProvider(wf.InvalidParameters):
    """The dossier's provider does not exist."""


def _when(moment: datetime | None) -> str:
    return moment.strftime("%d/%m/%Y %H:%M") if moment else ""


def _money(cents: int, currency: str = "EUR") -> str:
    return f"{cents // 100:,} {currency}".replace(",", " ")


def _details(changes: dict | None, purpose: str | None) -> str:
    parts = [f"purpose: {purpose}"] if purpose else []
    for key, value in list((changes or {}).items())[:8]:
        if isinstance(value, dict) and {"before", "after"} <= value.keys():
            parts.append(f"{key}: {value['before']} → {value['after']}")
        else:
            parts.append(f"{key}: {value}")
    return "; ".join(parts)[:400]


def _case_line(case: VettingCase) -> CaseLine:
    checks = [
        (
            c.kind.value,
            c.status.value,
            f"{c.completed_by.full_name if c.completed_by else ''} {_when(c.completed_at)}".strip(),
        )
        for c in case.checks
    ]
    background = next((c for c in case.checks if c.kind.value == "background"), None)
    if background is not None and background.b3_viewed:
        record = (
            f"viewed {background.b3_viewed_at:%d/%m/%Y}, issued {background.b3_issue_date:%d/%m/%Y}: "
            f"{background.b3_outcome.value}"
        )
    else:
        record = "not viewed yet"
    positive = sum(1 for r in case.references if r.status.value == "verified_positive")
    return CaseLine(
        case.reference, case.round.value, case.status.value.replace("_", " "), _when(case.opened_at),
        _when(case.decided_at), checks, record, f"{positive} positive of {len(case.references)}",
    )  # fmt: skip


def build_provider_dossier(provider_id: int, day: date, *, progress: Progress) -> Built:
    from console.db import db
    from insurance.models import InsurancePolicy
    from insurance.services import provider_status

    provider = db.session.get(Provider, provider_id)
    if provider is None:
        raise UnknownProvider(f"There is no provider {provider_reference(provider_id)}.")
    facts = [
        ("Reference", provider.reference), ("Legal name", provider.legal_name),
        ("Trade name", provider.trade_name or ""), ("SIRET", provider.siret), ("E-mail", provider.email),
        ("Phone", provider.phone),
        ("Address", f"{provider.address_line}, {provider.postcode} {provider.city}"),
        ("Services", ", ".join(s.replace("_", " ") for s in provider.services or [])),
        ("Joined on", provider.joined_on.strftime("%d/%m/%Y")),
        ("Vetting status", provider.vetting_status.value.replace("_", " ")),
    ]  # fmt: skip
    cases = db.session.scalars(
        sa.select(VettingCase).where(VettingCase.provider_id == provider_id).order_by(VettingCase.opened_at)
    ).all()
    policies = db.session.scalars(
        sa.select(InsurancePolicy)
        .where(InsurancePolicy.provider_id == provider_id)
        .order_by(InsurancePolicy.starts_on)
    ).all()
    restrictions = db.session.scalars(
        sa.select(Restriction).where(Restriction.provider_id == provider_id).order_by(Restriction.started_at)
    ).all()
    proposals = db.session.scalars(
        sa.select(RestrictionProposal)
        .where(RestrictionProposal.provider_id == provider_id)
        .order_by(RestrictionProposal.created_at)
    ).all()
    progress(25)
    bookings = _rows(
        sa.select(Booking.status, sa.func.count())
        .where(Booking.provider_id == provider_id)
        .group_by(Booking.status)
    )
    ratings = [
        r
        for (r,) in _rows(
            sa.select(Review.rating)
            .where(Review.provider_id == provider_id)
            .order_by(Review.submitted_at.desc())
        )
    ]
    reviews = [
        ("Reviews", f"{len(ratings):,}"),
        ("Mean rating", f"{sum(ratings) / len(ratings):.2f}" if ratings else "—"),
        ("Mean of the last 10", f"{sum(ratings[:10]) / len(ratings[:10]):.2f}" if ratings else "—"),
    ]
    objects = [("Provider", str(provider_id))]
    objects += [("InsurancePolicy", str(p.id)) for p in policies]
    objects += [("Restriction", str(r.id)) for r in restrictions]
    objects += [("RestrictionProposal", str(p.id)) for p in proposals]
    objects += [("VettingCase", str(c.id)) for c in cases]
    condition = sa.or_(*[sa.and_(AuditEvent.object_type == t, AuditEvent.object_id == i) for t, i in objects])
    audit_total = _count(sa.select(sa.func.count()).where(condition))
    events = db.session.scalars(
        sa.select(AuditEvent).where(condition).order_by(AuditEvent.seq.desc()).limit(MAX_AUDIT_EVENTS)
    ).all()
    progress(50)
    data = DossierData(
        facts=facts,
        bookable=provider.is_bookable,
        not_bookable_reasons=provider.not_bookable_reasons,
        cases=[_case_line(c) for c in cases],
        insurance_status=provider_status(provider_id, day).value,
        policies=[
            (
                f"{p.insurer} {p.policy_number}",
                f"{p.starts_on:%d/%m/%Y} – {p.ends_on:%d/%m/%Y}",
                _money(p.coverage_per_claim_cents, p.currency),
                p.verification.value,
                f"{p.verified_by.full_name if p.verified_by else ''} {_when(p.verified_at)}".strip(),
            )
            for p in policies
        ],
        restrictions=[
            (
                r.reason_code.replace("_", " "),
                f"{_when(r.started_at)} by {r.decided_by.full_name}",
                f"{_when(r.ended_at)} by {r.ended_by.full_name}" if r.ended_by else "active",
                (r.review_outcome.value if r.review_outcome else "requested")
                if r.review_requested_at
                else "",
            )
            for r in restrictions
        ],
        proposals=[
            (p.reason_code.replace("_", " "), p.source.value, _when(p.created_at), p.status.value)
            for p in proposals
        ],
        bookings=[(status.value, count) for status, count in bookings],
        reviews=reviews,
        complaints=reporting.provider_complaints(provider.id),
        audit=[
            (
                _when(e.occurred_at),
                e.actor,
                e.action,
                f"{e.object_type or ''} {e.object_id or ''}".strip(),
                _details(e.changes, e.purpose),
            )
            for e in events
        ],  # fmt: skip
        audit_total=audit_total,
    )
    return Built(
        "provider_dossier.html",
        f"{provider.reference} as of {day:%d/%m/%Y}",
        f"Full record and audit trail of provider {provider.reference}",
        data,
    )
