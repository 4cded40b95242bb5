"""Report 1: the customer protection policy's eight promises, each with a verdict and its evidence."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app

from console.access_log.reporting import views_by_purpose
from console.audit.labels import purpose_label
from console.audit.models import AuditEvent
from console.db import db
from console.domain import _
from console.formatting import format_percent
from console.privacy import redaction_count, scan_unmasked_card_numbers
from disputes.disputes import reporting as disputes
from insurance import reporting as insurance
from marketplace import reporting as marketplace
from policy import reporting as policy
from reports import workflow as wf
from reports.builders.common import Built, Progress, day_bounds, number, pct
from reports.builders.complaints import sla_attainment
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
    method: str = ""  # how the figure was computed, printed under it
    target_share: float | None = None  # the target line on the chart


@dataclass(frozen=True)
class ChartRow:
    label: str
    value: float | None  # None: nothing to draw (not applicable, or not a share)
    target: float | None
    verdict: Verdict


@dataclass(frozen=True)
class PolicyData:
    promises: list[Promise]
    chart: list[ChartRow]

    @property
    def counts(self) -> dict[Verdict, int]:
        found = Counter(p.verdict for p in self.promises)
        return {v: found.get(v, 0) for v in Verdict}


def _worst(*verdicts: Verdict) -> Verdict:
    order = [Verdict.NOT_MET, Verdict.AT_RISK, Verdict.NO_DATA, Verdict.MET, Verdict.NOT_APPLICABLE]
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
        _promise_updates(since, until, targets),
    ]
    progress(60)
    chart = [ChartRow(f"{p.number}. {p.title}", p.share, p.target_share, p.verdict) for p in promises]
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
    """Views of a person's data (the access log) and openings of sensitive documents (the audit
    trail) in the period, and the share of them that recorded why they were made."""
    purposes = views_by_purpose(since=since, until=until)
    views = sum(purposes.values())
    views_with_purpose = views - purposes.get("", 0)
    documents, documents_with_purpose = _audited_downloads(since, until)
    total, with_purpose = views + documents, views_with_purpose + documents_with_purpose
    measured = wf.percent(with_purpose, total)  # None when nothing was opened: not applicable
    target = targets["sensitive_access_logged_pct"]
    top = Counter({key: count for key, count in purposes.items() if key}).most_common(3)
    shares = disputes.insurer_claims_between(since, until)
    consented = sum(marketplace.consent_in_force(c, *marketplace.INSURER_CLAIM, at) for c, at in shares)
    verdict = target.verdict(measured) if total else Verdict.NOT_APPLICABLE
    if consented < len(shares):  # data shared with a third party without consent: never met
        verdict = Verdict.NOT_MET
    return Promise(
        1,
        _("Personal data kept confidential"),
        _("Share of views of personal data and sensitive documents logged with a purpose"),
        pct(measured) if total else _("not applicable"),
        _at_least(target.value),
        verdict,
        [
            (_("Person pages viewed (access log)"), number(views)),
            (_("Viewed with a recorded purpose"), number(views_with_purpose)),
            (_("Most given purposes"), ", ".join(f"{purpose_label(k)} {number(n)}" for k, n in top) or "—"),
            (_("Documents opened (audited)"), number(documents)),
            (_("Opened with a recorded purpose"), number(documents_with_purpose)),
            (_("Data shared with a third party (insurer claims)"), number(len(shares))),
            (_("Shared with the client's consent in force"), number(consented)),
            (_("Access"), _("role-based, denied by default; every download goes through a checked route")),
        ],
        None if total else _("No personal data was viewed in the period: nothing to measure."),
        share=measured,
        method=_(
            "Access log: views of a provider's or client's data in the period and the purpose each "
            "recorded; audit trail: file downloads and those that recorded why the file was opened, "
            "and each insurer claim checked against the client's consent records at that moment."
        ),
        target_share=target.value,
    )


def _promise_payments(since, until, targets) -> Promise:
    redacted = redaction_count(since=since, until=until)
    scan = scan_unmasked_card_numbers(since=since, until=until)
    target = targets["texts_free_of_card_numbers_pct"]
    clean = wf.percent(scan.values - len(scan.found), scan.values)
    where = ", ".join(f"{table}.{column} #{key}" for table, column, key in scan.found[:5])
    return Promise(
        2,
        _("Secure transactions, no card data stored"),
        _("Unmasked card numbers found by scanning the period's free text"),
        number(len(scan.found)),
        "0",
        (Verdict.MET if not scan.found else Verdict.NOT_MET) if scan.values else Verdict.NOT_APPLICABLE,
        [
            (_("Card numbers typed into free text and masked before saving"), number(redacted)),
            (_("Free-text columns scanned"), number(scan.columns)),
            (_("Values read"), number(scan.values)),
            (_("Values holding an unmasked card number"), number(len(scan.found))),
            *([(_("Found in"), where)] if where else []),
            (_("Card fields in the console"), _("none; refunds reference the payment provider's id only")),
        ],
        None if scan.values else _("No free text was written in the period: nothing to scan."),
        share=clean,
        method=_(
            "Every free-text column of the rows written in the period (whole tables where rows carry "
            "no time) read back and checked with the redactor's card-number detector (Luhn, card "
            "lengths); masked numbers come from the audit trail's redaction records."
        ),
        target_share=target.value,
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
        method=_(
            "Approved providers at the end of the period, less those whose re-vetting is overdue; "
            "vetting decisions from the cases decided in the period."
        ),
        target_share=target.value,
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
        method=_(
            "Verified RC Pro cover on the period's last day for each approved provider; bookings "
            "served or scheduled on a day without cover."
        ),
        target_share=share.value,
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
        method=_("Reviews submitted in the period and their moderation state now."),
        target_share=target.value,
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
        method=_(
            "Complaints resolved in the period: share resolved before their SLA deadline, averaged "
            "over the severities."
        ),
        target_share=target.value,
    )  # fmt: skip


def _promise_prices(period: Period, since, until, targets) -> Promise:
    terms = policy.terms_figures(since, until)
    in_terms = targets["terms_published_before_booking_pct"]
    measured = wf.percent(terms.under_published_terms, terms.bookings)
    claims = disputes.cancellation_fee_claims(since, until)
    allowed = [policy.allowed_cancellation_fee(booking_id) for booking_id, _claimed in claims]
    within = sum(
        1 for (_b, claimed), fee in zip(claims, allowed, strict=True) if fee and claimed <= fee.allowed_cents
    )
    fees = wf.percent(within, len(claims))
    verdicts = [in_terms.verdict(measured)] if terms.bookings else []
    verdicts += [targets["fees_within_terms_pct"].verdict(fees)] if claims else []
    evidence = [
        (_("Bookings made in the period"), number(terms.bookings)),
        (_("Under terms published before the booking"), number(terms.under_published_terms)),
        (_("Cancellation-fee disputes opened"), number(len(claims))),
        (
            _("Fees claimed within what the booking's terms allowed"),
            pct(fees) if claims else _("not applicable"),
        ),
    ]
    evidence += [
        (_("Sold under cancellation terms %(version)s", version=v or "—"), number(c))
        for v, c in marketplace.terms_versions(since, until)[:6]
    ]
    return Promise(
        7,
        _("Transparent prices and cancellation conditions"),
        _("Share of the period's bookings made under cancellation terms already published"),
        pct(measured) if terms.bookings else _("not applicable"),
        _at_least(in_terms.value),
        _worst(*verdicts) if verdicts else Verdict.NOT_APPLICABLE,
        evidence,
        None if terms.bookings else _("No booking was made in the period."),
        share=measured,
        method=_(
            "Each booking made in the period joined to the terms version it names: counted when that "
            "version was published before the booking time. Each cancellation-fee dispute's claim "
            "compared with the fee its booking's terms allowed at the cancellation time."
        ),
        target_share=in_terms.value,
    )


def _promise_updates(since, until, targets) -> Promise:
    figures = policy.policy_figures(since, until)
    announced, reached = targets["announced_before_effect_pct"], targets["clients_reached_pct"]
    in_time = wf.percent(figures.announced_in_time, figures.significant)
    reach = (
        wf.percent(figures.clients_reached, figures.active_clients) if figures.latest_significant else None
    )
    verdicts = [announced.verdict(in_time)] if figures.significant else []
    verdicts += [reached.verdict(reach)] if reach is not None else []
    return Promise(
        8,
        _("Regular policy updates, clients told of changes"),
        _("Share of active clients told of the latest significant version"),
        pct(reach) if reach is not None else _("not applicable"),
        _(
            "%(reach)s; significant versions announced before they take effect: %(announced)s",
            reach=_at_least(reached.value), announced=_at_least(announced.value),
        ),
        _worst(*verdicts) if verdicts else Verdict.NOT_APPLICABLE,
        [
            (_("Versions published in the period"), number(figures.published)),
            (_("Of which significant"), number(figures.significant)),
            (_("Announced before their effective date"), number(figures.announced_in_time)),
            (_("Latest significant version"), str(figures.latest_significant or "—")),
            (_("Active clients"), number(figures.active_clients)),
            (_("Active clients told of it"), number(figures.clients_reached)),
        ],
        None if figures.latest_significant else _("No significant version has been published yet."),
        share=reach,
        method=_(
            "Policy versions by publication time; an announcement counts when its campaign started "
            "before the version took effect; clients reached are active clients holding a notice of "
            "the latest significant version published by the end of the period."
        ),
        target_share=reached.value,
    )  # fmt: skip
