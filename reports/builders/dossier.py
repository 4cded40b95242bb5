"""Report 5: one provider's full record (vetting, insurance, restrictions, activity) and audit trail."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa

from console.audit.labels import action_label, field_label, object_label, purpose_label
from console.audit.models import AuditEvent
from console.db import db
from console.domain import _
from console.formatting import format_date, format_money, format_number
from disputes import reporting as disputes
from disputes.disputes import reporting as dispute_records
from insurance import reporting as insurance
from marketplace import reporting as marketplace
from reports import workflow as wf
from reports.builders.common import Built, Missing, Progress, number, provider_reference, when
from reports.terms import fact, not_bookable, term
from restrictions import reporting as restrictions
from reviews import reporting as reviews
from vetting import reporting as vetting

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
    restrictions: list[tuple[str, str, str, str, str]]  # reason, started, ended, review, statement
    disputes: list[tuple[str, str, str, str, str, str]]  # reference, kind, status, claimed, awarded, reasons
    proposals: list[tuple[str, str, str, str]]  # reason, source, opened, status
    bookings: list[tuple[str, int]]
    reviews: list[tuple[str, str]]
    complaints: list[tuple[str, int]] | Missing
    audit: list[tuple[str, str, str, str, str]]  # when, actor, action, object, details
    audit_total: int


class UnknownProvider(wf.InvalidParameters):
    """The dossier's provider does not exist."""


# Which report words a changed field's values are (the dossier's objects: provider, policies, cases,
# proposals, restrictions).
VALUE_TERMS = {
    ("VettingCase", "status"): "vetting",
    ("RestrictionProposal", "status"): "proposal",
    ("Provider", "vetting_status"): "vetting",
    ("InsurancePolicy", "verification"): "verification",
    ("VettingCase", "round"): "round",
}
FIELD_TERMS = {"reason_code": "reason", "source": "source", "review_outcome": "review"}


def _value(object_type: str | None, key: str, value: object) -> str:
    group = VALUE_TERMS.get((object_type or "", key)) or FIELD_TERMS.get(key)
    if value is None:
        return "—"
    if group and isinstance(value, str):
        return term(group, value)
    if isinstance(value, str) and len(value) >= 19 and value[4:5] == "-" and value[10:11] == "T":
        try:  # a time kept in UTC by the audit trail, shown in Paris time
            return when(datetime.fromisoformat(value))
        except ValueError:
            return value
    return str(value)


def _details(object_type: str | None, changes: dict | None, purpose: str | None) -> str:
    parts = [_("purpose: %(purpose)s", purpose=purpose_label(purpose))] if purpose else []
    for key, value in list((changes or {}).items())[:8]:
        name = field_label(key)
        if isinstance(value, dict) and {"before", "after"} <= value.keys():
            before, after = (_value(object_type, key, value[side]) for side in ("before", "after"))
            parts.append(_("%(field)s: %(before)s → %(after)s", field=name, before=before, after=after))
        else:
            parts.append(_("%(field)s: %(value)s", field=name, value=_value(object_type, key, value)))
    return "; ".join(parts)[:400]


def _case_line(case: vetting.CaseSummary) -> CaseLine:
    checks = [
        (
            term("check", c.kind),
            term("check_status", c.status),
            f"{c.completed_by} {when(c.completed_at)}".strip(),
        )
        for c in case.checks
    ]
    b3 = case.criminal_record
    record = (
        _(
            "viewed %(viewed)s, issued %(issued)s: %(outcome)s",
            viewed=format_date(b3.viewed_at),
            issued=format_date(b3.issued_on),
            outcome=term("b3", b3.outcome),
        )
        if b3
        else _("not viewed yet")
    )
    references = _(
        "%(positive)s positive of %(total)s", positive=case.references_positive, total=case.references_total
    )
    return CaseLine(
        case.reference, term("round", case.round), term("vetting", case.status), when(case.opened_at),
        when(case.decided_at), checks, record, references,
    )  # fmt: skip


def _policy_line(p: insurance.PolicySummary) -> tuple[str, str, str, str, str]:
    return (
        f"{p.insurer} {p.policy_number}",
        f"{format_date(p.starts_on)} – {format_date(p.ends_on)}",
        format_money(p.coverage_per_claim_cents, p.currency),
        term("verification", p.verification),
        f"{p.verified_by} {when(p.verified_at)}".strip(),
    )


def _restriction_line(r: restrictions.RestrictionSummary) -> tuple[str, str, str, str, str]:
    review = term("review", r.review_outcome or "requested") if r.review_requested_at else ""
    ended = (
        _("%(when)s by %(who)s", when=when(r.ended_at), who=r.ended_by) if r.ended_by else _("still in force")
    )
    started = _("%(when)s by %(who)s", when=when(r.started_at), who=r.decided_by)
    return term("reason", r.reason_code), started, ended, review, r.statement


def _dispute_lines(provider_id: int) -> list[tuple[str, str, str, str, str, str]]:
    return [
        (reference, kind, status, format_money(claimed, currency),
         format_money(awarded, currency) if awarded is not None else "—", reasons or "")
        for reference, kind, status, claimed, awarded, currency, reasons
        in dispute_records.provider_disputes(provider_id)
    ]  # fmt: skip


def _review_facts(provider_id: int) -> list[tuple[str, str]]:
    ratings = reviews.provider_ratings(provider_id)
    return [
        (_("Reviews"), number(len(ratings))),
        (_("Mean rating"), _mean(ratings)),
        (_("Mean of the last 10"), _mean(ratings[:10])),
    ]


def _mean(ratings: list[int]) -> str:
    return format_number(round(sum(ratings) / len(ratings), 2)) if ratings else "—"


def _audit_trail(objects: list[tuple[str, str]]) -> tuple[list[tuple[str, str, str, str, str]], int]:
    """The newest audit events about these (type, id) objects, and how many there are in all."""
    condition = sa.or_(*[sa.and_(AuditEvent.object_type == t, AuditEvent.object_id == i) for t, i in objects])
    total = int(db.session.scalar(sa.select(sa.func.count()).where(condition)) or 0)
    events = db.session.scalars(
        sa.select(AuditEvent).where(condition).order_by(AuditEvent.seq.desc()).limit(MAX_AUDIT_EVENTS)
    ).all()
    lines = [
        (
            when(e.occurred_at), e.actor, action_label(e.action),
            f"{object_label(e.object_type)} {e.object_id or ''}".strip(),
            _details(e.object_type, e.shown_changes, e.purpose),
        )
        for e in events
    ]  # fmt: skip
    return lines, total


def build_provider_dossier(provider_id: int, day: date, *, progress: Progress) -> Built:
    card = marketplace.provider_card(provider_id)
    if card is None:
        raise UnknownProvider(
            _("There is no provider %(reference)s.", reference=provider_reference(provider_id))
        )
    cases = vetting.provider_cases(provider_id)
    policies = insurance.provider_policies(provider_id)
    restricted = restrictions.provider_restrictions(provider_id)
    proposals = restrictions.provider_proposals(provider_id)
    progress(25)
    bookings = [
        (term("booking", status), n) for status, n in marketplace.provider_booking_counts(provider_id)
    ]
    review_facts = _review_facts(provider_id)
    objects = [("Provider", str(provider_id))]
    objects += [("InsurancePolicy", str(p.id)) for p in policies]
    objects += [("Restriction", str(r.id)) for r in restricted]
    objects += [("RestrictionProposal", str(p.id)) for p in proposals]
    objects += [("VettingCase", str(c.id)) for c in cases]
    audit, audit_total = _audit_trail(objects)
    progress(50)
    data = DossierData(
        facts=[fact(label, value) for label, value in card.facts],
        bookable=card.bookable,
        not_bookable_reasons=[not_bookable(reason) for reason in card.not_bookable_reasons],
        cases=[_case_line(c) for c in cases],
        insurance_status=term("insurance", insurance.provider_status(provider_id, day).value),
        policies=[_policy_line(p) for p in policies],
        restrictions=[_restriction_line(r) for r in restricted],
        disputes=_dispute_lines(provider_id),
        proposals=[
            (
                term("reason", p.reason_code),
                term("source", p.source),
                when(p.created_at),
                term("proposal", p.status),
            )
            for p in proposals
        ],
        bookings=bookings,
        reviews=review_facts,
        complaints=_complaints(disputes.provider_complaints(provider_id)),
        audit=audit,
        audit_total=audit_total,
    )
    return Built(
        "provider_dossier.html",
        _("%(reference)s as of %(day)s", reference=card.reference, day=format_date(day)),
        _("Full record and audit trail of provider %(reference)s", reference=card.reference),
        data,
    )


def _complaints(found: list[tuple[str, int]] | Missing) -> list[tuple[str, int]] | Missing:
    """A provider's complaints per category, the categories in the reader's words."""
    if isinstance(found, Missing):
        return found
    return [(term("category", category), count) for category, count in found]
