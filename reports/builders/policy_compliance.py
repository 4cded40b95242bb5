"""Report 1: the customer protection policy's eight promises, each with a verdict and its evidence."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app

from console.audit.models import AuditEvent
from console.db import db
from console.domain import _
from console.formatting import format_percent
from console.privacy import redaction_count
from insurance import reporting as insurance
from marketplace import reporting as marketplace
from reports import workflow as wf
from reports.builders.common import Built, Progress, day_bounds, number, pct
from reports.builders.complaints import dispute_outcomes, sla_attainment
from reports.terms import term
from reports.workflow import Period, Verdict
from restrictions import reporting as restrictions
from reviews import reporting as reviews
from vetting import reporting as vetting


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
    share: float | None = None  # the measured percentage, for the chart (None: not a share)


@dataclass(frozen=True)
class PolicyData:
    promises: list[Promise]
    chart: list[tuple[str, float]]

    @property
    def counts(self) -> dict[Verdict, int]:
        found = Counter(p.verdict for p in self.promises)
        return {v: found.get(v, 0) for v in Verdict}


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
    chart = [(f"{p.number}. {p.title}", p.share) for p in promises if p.share is not None]
    data = PolicyData(promises, chart)
    return Built("policy_compliance.html", period.label, wf.ReportKind.POLICY_COMPLIANCE.description, data)


def _at_least(value: float) -> str:
    """A share target: `≥ 99 %`."""
    return "≥ " + format_percent(value / 100, decimals=0 if value == int(value) else 1)


def _audited_downloads(since, until) -> tuple[int, int]:
    """(documents opened in the period, those opened with a recorded purpose)."""
    downloads = sa.select(sa.func.count()).where(
        AuditEvent.action == "file.download", AuditEvent.occurred_at >= since, AuditEvent.occurred_at < until
    )
    total = int(db.session.scalar(downloads) or 0)
    with_purpose = int(db.session.scalar(downloads.where(AuditEvent.purpose.is_not(None))) or 0)
    return total, with_purpose


def _promise_personal_data(since, until, targets) -> Promise:
    total, with_purpose = _audited_downloads(since, until)
    measured = wf.percent(with_purpose, total) if total else 100.0
    target = targets["sensitive_access_logged_pct"]
    return Promise(
        1,
        _("Personal data kept confidential"),
        _("Share of sensitive document openings logged with a purpose"),
        pct(measured),
        _at_least(target.value),
        target.verdict(measured),
        [
            (_("Documents opened (audited)"), number(total)),
            (_("Opened with a recorded purpose"), number(with_purpose)),
            (_("Access"), _("role-based, denied by default; every download goes through a checked route")),
        ],
        None if total else _("No sensitive document was opened in the period."),
        share=measured,
    )


def _promise_payments(since, until, targets) -> Promise:
    redacted = redaction_count(since=since, until=until)
    target = targets["card_numbers_stored"]
    return Promise(
        2,
        _("Secure transactions, no card data stored"),
        _("Card numbers stored by the console"),
        "0",
        "≤ " + number(target.value),
        target.verdict(0),
        [
            (_("Card numbers typed into free text and masked before saving"), number(redacted)),
            (_("Card fields in the console"), _("none; refunds reference the payment provider's id only")),
        ],
    )


def _promise_vetting(period: Period, since, until, targets) -> Promise:
    active = marketplace.approved_provider_count()
    overdue = vetting.revetting_overdue_count(period.ends_on)
    decided = vetting.cases_decided(since, until)
    measured = wf.percent(active - overdue, active)
    target = targets["vetted_pct"]
    return Promise(
        3,
        _("Rigorous provider selection"),
        _("Share of active providers approved with re-vetting up to date at the end of the period"),
        pct(measured),
        _at_least(target.value),
        target.verdict(measured),
        [
            (_("Active (approved) providers"), number(active)),
            (_("Re-vetting overdue"), number(overdue)),
            (_("Vetting cases approved in the period"), number(decided.get("approved", 0))),
            (_("Vetting cases rejected in the period"), number(decided.get("rejected", 0))),
        ],
        share=measured,
    )


def _promise_insurance(period: Period, since, until, targets) -> Promise:
    insured, active = insurance.insured_approved_count(period.ends_on)
    uninsured = insurance.uninsured_bookings(since, until)
    lapses = restrictions.insurance_proposals_opened(since, until)
    measured = wf.percent(insured, active)
    share, exposure = targets["insured_pct"], targets["uninsured_bookings"]
    return Promise(
        4,
        _("Providers hold RC Pro insurance"),
        _("Share of active providers with verified RC Pro cover on the last day of the period"),
        pct(measured),
        _(
            "%(share)s; uninsured bookings ≤ %(bookings)s",
            share=_at_least(share.value),
            bookings=number(exposure.value),
        ),
        _worst(share.verdict(measured), exposure.verdict(uninsured)),
        [
            (
                _("Active providers insured on the last day"),
                _("%(insured)s of %(active)s", insured=number(insured), active=number(active)),
            ),
            (_("Bookings served or scheduled while uninsured (exposure)"), number(uninsured)),
            (_("Insurance lapse proposals opened"), number(lapses)),
        ],
        share=measured,
    )


def _promise_reviews(since, until, targets) -> Promise:
    figures = reviews.moderation_figures(since, until)
    total = figures.submitted
    measured = wf.percent(total - figures.pending, total)
    target = targets["reviews_moderated_pct"]
    return Promise(
        5,
        _("Reviews and ratings after each service"),
        _("Share of the period's reviews moderated (published or hidden)"),
        pct(measured),
        _at_least(target.value),
        target.verdict(measured),
        [
            (_("Reviews submitted"), number(total)),
            (_("Published"), number(figures.published)),
            (_("Hidden (with a reason)"), number(figures.hidden)),
            (_("Awaiting moderation"), number(figures.pending)),
        ],
        None if total else _("No review was submitted in the period."),
        share=measured,
    )


def _promise_service(period: Period, targets) -> Promise:
    sla = sla_attainment(period)
    target = targets["sla_attained_pct"]
    met = [row.resolution_met_pct for row in sla if row.resolution_met_pct is not None]
    measured = round(sum(met) / len(met), 1) if met else None
    return Promise(
        6, _("Responsive customer service"), _("Complaints resolved within their SLA"), pct(measured),
        _at_least(target.value), target.verdict(measured),
        [(term("severity", row.severity).capitalize(), pct(row.resolution_met_pct)) for row in sla],
        share=measured,
    )  # fmt: skip


def _promise_prices(period: Period, since, until, targets) -> Promise:
    versions = marketplace.terms_versions(since, until)
    total = sum(count for _version, count in versions)
    recorded = sum(count for version, count in versions if version)
    measured = wf.percent(recorded, total)
    target = targets["terms_recorded_pct"]
    decided = sum(row.disputes for row in dispute_outcomes(period))
    evidence = [(_("Bookings in the period"), number(total))]
    evidence += [
        (_("Sold under cancellation terms %(version)s", version=v or "—"), number(c)) for v, c in versions[:6]
    ]
    evidence.append((_("Disputes decided against the terms (see report 4)"), number(decided)))
    return Promise(
        7,
        _("Transparent prices and cancellation conditions"),
        _("Share of the period's bookings that keep their price and cancellation-terms version"),
        pct(measured),
        _at_least(target.value),
        target.verdict(measured),
        evidence,
        None if total else _("No booking in the period."),
        share=measured,
    )


def _promise_updates(targets) -> Promise:
    target = targets["policy_versions_published"]
    return Promise(
        8, _("Regular policy updates, clients told of changes"), _("Policy versions published"),
        "—", _("≥ %(count)s per year", count=number(target.value)), Verdict.NO_DATA, [],
        _(
            "Policy versions and client notifications are not recorded in the console yet, so this "
            "promise has no evidence here."
        ),
    )  # fmt: skip
