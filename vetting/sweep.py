"""What runs without a person: chasing, withdrawal proposals, renewals, overdue re-vetting, retention.

Every step is idempotent: a re-run, or two sweeps at once, never chases twice, opens a second
renewal or proposal, or purges twice. Jobs only propose: withdrawing a case and restricting a
provider stay decisions of a named person.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import aliased, selectinload

from console.audit import services as audit
from console.business_time import PARIS, paris_today
from console.db import db
from console.domain import _
from console.files import services as files
from console.formatting import format_date
from insurance.services import purge_applicant_policies
from marketplace.models import Provider, VettingStatus
from restrictions.services import propose_restriction
from vetting import services
from vetting import workflow as wf
from vetting.models import DocumentKind, VettingCase, VettingDocument, VettingSweep
from vetting.workflow import CaseStatus, Round

SWEEP_ACTOR = "system:vetting-sweep"
RETENTION_ACTOR = "system:vetting-retention"
RETENTION_MONTHS = 3
PURGED = "(purged)"


def sweep_cases(*, now: datetime, actor: str = SWEEP_ACTOR) -> VettingSweep:
    """The daily pass over active and approved cases."""
    today = paris_today(now)
    counts: Counter[str] = Counter()
    counts["chases"] = chase_providers(now=now)
    counts["withdrawals_proposed"] = propose_withdrawals(now=now, actor=actor)
    counts["renewals_opened"] = open_renewals(today=today, now=now, actor=actor)
    counts["overdue_proposals"] = propose_overdue(today=today, now=now, actor=actor)
    return _record(today, now, counts, actor, "vetting.sweep")


def _record(today: date, now: datetime, counts: Counter[str], actor: str, action: str) -> VettingSweep:
    sweep = VettingSweep(day=today, started_at=now, counts=dict(counts))
    db.session.add(sweep)
    db.session.flush()
    audit.record(actor, action, sweep, changes=dict(counts), now=now)
    return sweep


def chase_providers(*, now: datetime) -> int:
    """Remind providers we are waiting for at +2, +5 and +8 days; each step claimed once."""
    first_due = now - timedelta(days=wf.CHASE_DAYS[0])
    awaiting = db.session.scalars(
        sa.select(VettingCase)
        .where(
            VettingCase.status == CaseStatus.AWAITING_PROVIDER,
            VettingCase.awaiting_since <= first_due,
            VettingCase.chases_sent < len(wf.CHASE_DAYS),
        )
        .options(selectinload(VettingCase.provider))
    ).all()
    sent = 0
    for case in awaiting:
        step = _latest_due_step(case, now)
        if step is None or not _claim_chase(case, step):
            continue
        services.notify(case, "vetting_chase", now, step=step, request=case.awaiting_note)
        audit.record(SWEEP_ACTOR, "vetting.chase", case, changes={"step": step}, now=now)
        sent += 1
    return sent


def _latest_due_step(case: VettingCase, now: datetime) -> int | None:
    """A late sweep sends only the latest reminder that is due, not every missed one."""
    step = None
    while (following := wf.chase_step(case.awaiting_since, now, step or case.chases_sent)) is not None:
        step = following
    return step


def _claim_chase(case: VettingCase, step: int) -> bool:
    """Move the case's counter from what we read to `step` in one statement; False if another
    sweep got there first."""
    claimed = db.session.execute(
        sa.update(VettingCase)
        .where(VettingCase.id == case.id, VettingCase.chases_sent == case.chases_sent)
        .where(VettingCase.status == CaseStatus.AWAITING_PROVIDER)
        .values(chases_sent=step, version=VettingCase.version + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.expire(case)
    return claimed == 1


def propose_withdrawals(*, now: datetime, actor: str = SWEEP_ACTOR) -> int:
    """Flag cases silent for 30 days: an officer confirms the withdrawal (or chases again)."""
    cutoff = now - timedelta(days=wf.WITHDRAW_AFTER_DAYS)
    ids = list(
        db.session.scalars(
            sa.select(VettingCase.id).where(
                VettingCase.status == CaseStatus.AWAITING_PROVIDER,
                VettingCase.awaiting_since <= cutoff,
                VettingCase.withdrawal_proposed_at.is_(None),
            )
        )
    )
    for case_id in ids:
        claimed = db.session.execute(
            sa.update(VettingCase)
            .where(VettingCase.id == case_id, VettingCase.withdrawal_proposed_at.is_(None))
            .values(withdrawal_proposed_at=now, version=VettingCase.version + 1)
            .execution_options(synchronize_session=False)
        ).rowcount
        if claimed:
            audit.record(
                actor, "vetting.withdrawal_proposed", object_type="VettingCase", object_id=case_id, now=now
            )
    return len(ids)


def _later_case(case):
    later = aliased(VettingCase)
    return sa.exists().where(
        later.provider_id == case.provider_id, later.id != case.id, later.opened_at > case.decided_at
    )


def open_renewals(*, today: date, now: datetime, actor: str = SWEEP_ACTOR) -> int:
    """Open the renewal round 60 days before the re-vetting date of every approved provider."""
    approved = (
        sa.select(VettingCase)
        .join(Provider, Provider.id == VettingCase.provider_id)
        .where(
            VettingCase.status == CaseStatus.APPROVED,
            VettingCase.revetting_due_on <= today + timedelta(days=wf.RENEWAL_LEAD_DAYS),
            Provider.vetting_status == VettingStatus.APPROVED,
            ~_later_case(VettingCase),
        )
        .options(selectinload(VettingCase.provider))
    )
    opened = 0
    for case in db.session.scalars(approved).all():
        if services.active_case(case.provider_id) is None:
            services.open_case(case.provider, round=Round.RENEWAL, actor=actor, now=now)
            opened += 1
    return opened


def propose_overdue(*, today: date, now: datetime, actor: str = SWEEP_ACTOR) -> int:
    """A restriction proposal (source vetting) when re-vetting is overdue; once per approval."""
    later_approval = aliased(VettingCase)
    overdue = db.session.scalars(
        sa.select(VettingCase)
        .join(Provider, Provider.id == VettingCase.provider_id)
        .where(
            VettingCase.status == CaseStatus.APPROVED,
            VettingCase.revetting_due_on < today,
            VettingCase.revetting_proposed_at.is_(None),
            Provider.vetting_status == VettingStatus.APPROVED,
            ~sa.exists().where(
                later_approval.provider_id == VettingCase.provider_id,
                later_approval.status == CaseStatus.APPROVED,
                later_approval.decided_at > VettingCase.decided_at,
            ),
        )
        .options(selectinload(VettingCase.provider))
    ).all()
    for case in overdue:
        propose_restriction(
            case.provider,
            reason_code="revetting_overdue",
            actor=actor,
            now=now,
            evidence=[
                _(
                    "Re-vetting was due on %(day)s (%(case)s approved).",
                    day=format_date(case.revetting_due_on),
                    case=case.reference,
                )
            ],
        )
        case.revetting_proposed_at = now
        db.session.flush()
    return len(overdue)


# --- retention -----------------------------------------------------------------------------------


def purge_retention(*, now: datetime, actor: str = RETENTION_ACTOR) -> VettingSweep:
    """Identity documents 3 months after the case decision; rejected applicants' personal data
    3 months after rejection (an anonymous row stays for statistics). Safe to run twice."""
    today = paris_today(now)
    cutoff = wf.add_months(today, -RETENTION_MONTHS)
    counts: Counter[str] = Counter()
    counts["identity_documents_purged"] = purge_identity_documents(cutoff=cutoff, now=now, actor=actor)
    counts["applicants_purged"] = purge_rejected_applicants(cutoff=cutoff, now=now, actor=actor)
    return _record(today, now, counts, actor, "vetting.retention")


def _decided_before(cutoff: date):
    return VettingCase.decided_at < datetime.combine(cutoff, datetime.min.time(), tzinfo=PARIS)


def purge_identity_documents(*, cutoff: date, now: datetime, actor: str) -> int:
    documents = db.session.scalars(
        sa.select(VettingDocument)
        .join(VettingCase)
        .where(VettingDocument.kind == DocumentKind.IDENTITY, _decided_before(cutoff))
        .options(selectinload(VettingDocument.file))
    ).all()
    return sum(files.purge(d.file, actor=actor, now=now) for d in documents if d.file.purged_at is None)


def purge_rejected_applicants(*, cutoff: date, now: datetime, actor: str) -> int:
    """Anonymise providers whose latest decision is a rejection older than the cutoff."""
    providers = db.session.scalars(
        sa.select(Provider)
        .join(VettingCase, VettingCase.provider_id == Provider.id)
        .where(
            Provider.vetting_status == VettingStatus.REJECTED,
            Provider.personal_data_purged_at.is_(None),
            VettingCase.status == CaseStatus.REJECTED,
            _decided_before(cutoff),
            ~_later_case(VettingCase),
        )
    ).all()
    for provider in providers:
        purge_applicant(provider, now=now, actor=actor)
    return len(providers)


def purge_applicant(provider: Provider, *, now: datetime, actor: str) -> None:
    """Replace the applicant's identity with placeholders; delete their references' contacts and
    the officers' notes; purge every vetting document, and (through the insurance service) the
    name and certificate of every RC Pro policy they declared. Case rows (round,
    dates, outcome, reason) stay for statistics, tied to an anonymous provider row that keeps only
    the département."""
    provider.legal_name, provider.trade_name = PURGED, None
    provider.siret = f"P{provider.id:013d}"  # unique, 14 characters, and never a valid SIRET
    provider.email = f"purged-{provider.id}@invalid.ekoklean.fr"
    provider.phone, provider.address_line, provider.city = "+33000000000", PURGED, PURGED
    provider.postcode = provider.postcode[:2] + "000"
    provider.personal_data_purged_at = now
    cases = db.session.scalars(sa.select(VettingCase).where(VettingCase.provider_id == provider.id)).all()
    for case in cases:
        case.awaiting_note = case.decision_note = None
        for check in case.checks:
            check.notes = None
            check.document_last4 = None
        for reference in list(case.references):
            db.session.delete(reference)
        for document in case.documents:
            files.purge(document.file, actor=actor, now=now)
    purge_applicant_policies([provider.id], placeholder=PURGED, actor=actor, now=now)
    db.session.flush()
    audit.record(actor, "vetting.applicant_purged", provider, changes={"cases": len(cases)}, now=now)
