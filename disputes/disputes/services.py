"""Dispute use cases: open from a complaint, evidence from both sides, the provider's response,
a decision (a manager other than the proposer above the threshold), the insurer's claim and the
refund's transaction id. Money is integer cents; there is no card data anywhere."""

from __future__ import annotations

from datetime import datetime
from typing import Any, BinaryIO

import sqlalchemy as sa
from flask import current_app

from console.audit import services as audit
from console.business_time import paris_today
from console.db import db
from console.domain import DomainError, Role, _, ensure_version
from console.files import services as files
from console.notifications.services import queue_notification
from console.redaction import clean_text
from disputes.complaints import workflow as complaint_wf
from disputes.complaints.models import Complaint
from disputes.complaints.services import _enum, require_staff
from disputes.disputes import workflow as wf
from disputes.disputes.models import Dispute, DisputeEvidence
from disputes.disputes.workflow import DisputeKind, DisputeStatus, EvidenceSide, Outcome
from insurance import reporting as insurance
from marketplace import reporting as marketplace
from policy import reporting as policy
from policy.workflow import claim_above_terms

MAX_EVIDENCE = 30


def manager_threshold_cents() -> int:
    return int(current_app.config.get("DISPUTE_MANAGER_THRESHOLD_CENTS", wf.DEFAULT_MANAGER_THRESHOLD_CENTS))


def open_dispute(
    complaint: Complaint,
    *,
    kind: DisputeKind | str,
    amount_claimed_cents: object,
    claim: str,
    actor: Any,
    now: datetime,
) -> Dispute:
    """Open a money claim on the complaint's booking; a damage claim records the provider's RC Pro."""
    person = require_staff(actor)
    kind = _enum(DisputeKind, kind, _("kind of dispute"))
    if complaint.booking is None:
        raise DomainError(
            _("%(complaint)s names no booking: a dispute is decided against a booking.", complaint=complaint)
        )
    if not complaint_wf.takes_disputes(complaint.status):
        raise DomainError(_("%(complaint)s is closed; reopen it to open a dispute.", complaint=complaint))
    booking = complaint.booking
    amount = wf.ensure_claim(kind, amount_claimed_cents, booking_price_cents=booking.price_cents)
    claim = clean_text(claim, limit=complaint_wf.BODY_MAX, what=_("claim"))
    undecided = db.session.scalar(
        sa.select(Dispute.id).where(
            Dispute.complaint_id == complaint.id, Dispute.status != DisputeStatus.DECIDED
        )
    )
    if undecided is not None:
        waiting = f"DSP-{undecided:06d}"
        raise DomainError(
            _(
                "%(complaint)s already has a dispute waiting for a decision (%(dispute)s).",
                complaint=complaint,
                dispute=waiting,
            )
        )
    dispute = Dispute(
        complaint=complaint,
        booking=booking,
        kind=kind,
        amount_claimed_cents=amount,
        currency=booking.currency,
        claim=claim,
        created_at=now,
        created_by=person.audit_label,
    )
    if kind == DisputeKind.DAMAGE:
        dispute.insurance_policy_id = policy_covering(booking.provider_id, booking.scheduled_start)
    db.session.add(dispute)
    db.session.flush()
    audit.record(
        person,
        "dispute.open",
        dispute,
        now=now,
        changes={
            "complaint": complaint.reference,
            "booking": booking.reference,
            "kind": kind.value,
            "amount_claimed_cents": amount,
            "booking_price_cents": booking.price_cents,
            "cancellation_terms_version": booking.cancellation_terms_version,
            "insurance_policy_id": dispute.insurance_policy_id,
        },
    )
    return dispute


def policy_covering(provider_id: int, when: datetime) -> int | None:
    """The provider's verified RC Pro policy that covered the day of the service, if any."""
    return insurance.verified_policy_covering(provider_id, paris_today(when))


def of_complaint(complaint_id: int) -> list[Dispute]:
    """The disputes raised from a complaint, oldest first (for the complaint's page)."""
    return list(
        db.session.scalars(
            sa.select(Dispute).where(Dispute.complaint_id == complaint_id).order_by(Dispute.id)
        )
    )


def _not_decided(dispute: Dispute) -> None:
    if dispute.status == DisputeStatus.DECIDED:
        raise DomainError(_("%(dispute)s is already decided.", dispute=dispute))


def add_evidence(
    dispute: Dispute,
    *,
    side: EvidenceSide | str,
    upload: tuple[BinaryIO, str],
    description: str | None,
    actor: Any,
    now: datetime,
) -> DisputeEvidence:
    """A file from the client or the provider (PDF, JPEG or PNG, checked from its content)."""
    person = require_staff(actor)
    side = _enum(EvidenceSide, side, _("side"))
    _not_decided(dispute)
    count = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(DisputeEvidence)
        .where(DisputeEvidence.dispute_id == dispute.id)
    )
    if count >= MAX_EVIDENCE:
        raise DomainError(_("At most %(count)s files per dispute.", count=MAX_EVIDENCE))
    description = clean_text(description, limit=500, what=_("description"), required=False)
    stored = files.store_upload(upload[0], upload[1], actor=person, now=now)
    evidence = DisputeEvidence(
        dispute_id=dispute.id,
        side=side,
        file_id=stored.id,
        description=description,
        added_at=now,
        added_by=person.audit_label,
    )
    db.session.add(evidence)
    db.session.flush()
    audit.record(
        person, "dispute.evidence", dispute, changes={"side": side.value, "sha256": stored.sha256}, now=now
    )
    return evidence


def record_provider_response(
    dispute: Dispute, *, text: str, actor: Any, now: datetime, expected_version: int | None = None
) -> Dispute:
    person = require_staff(actor)
    ensure_version(dispute, expected_version)
    _not_decided(dispute)
    dispute.provider_response = clean_text(text, limit=complaint_wf.BODY_MAX, what=_("provider's response"))
    dispute.provider_responded_at = now
    changes = audit.diff(dispute)
    db.session.flush()
    audit.record(person, "dispute.provider_response", dispute, changes=changes, now=now)
    return dispute


def provider_answers(
    dispute: Dispute,
    *,
    text: str,
    uploads: list[tuple[BinaryIO, str]],
    deadline: datetime,
    actor: str,
    now: datetime,
) -> Dispute:
    """The provider's own account and evidence, through the portal (`system:portal:PRV-…`), before
    the deadline shown to them."""
    complaint = db.session.get(Complaint, dispute.complaint_id)
    if complaint.provider_id is None or actor != f"system:portal:{complaint.provider.reference}":
        raise DomainError(_("Only the provider named by the dispute can answer it this way."))
    if now >= deadline:
        raise DomainError(_("The deadline to answer has passed."))
    _not_decided(dispute)
    count = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(DisputeEvidence)
        .where(DisputeEvidence.dispute_id == dispute.id)
    )
    if count + len(uploads) > MAX_EVIDENCE:
        raise DomainError(_("At most %(count)s files per dispute.", count=MAX_EVIDENCE))
    dispute.provider_response = clean_text(text, limit=complaint_wf.BODY_MAX, what=_("provider's response"))
    dispute.provider_responded_at = now
    changes = audit.diff(dispute)
    for upload in uploads:
        stored = files.store_upload(upload[0], upload[1], actor=actor, now=now)
        db.session.add(DisputeEvidence(dispute_id=dispute.id, side=EvidenceSide.PROVIDER, file_id=stored.id,
                                       description=None, added_at=now, added_by=actor))  # fmt: skip
    db.session.flush()
    audit.record(
        actor, "dispute.provider_response", dispute, changes=changes | {"files": len(uploads)}, now=now
    )
    return dispute


def record_insurer_claim(
    dispute: Dispute, *, reference: str, actor: Any, now: datetime, expected_version: int | None = None
) -> Dispute:
    """The insurer's claim reference of a damage dispute."""
    person = require_staff(actor)
    ensure_version(dispute, expected_version)
    if dispute.kind != DisputeKind.DAMAGE:
        raise DomainError(_("Only a damage dispute has an insurer's claim."))
    client = dispute.booking.client
    if not marketplace.has_consent(client, *marketplace.INSURER_CLAIM):
        raise DomainError(
            _(
                "The client has not agreed to their details being shared with the provider's insurer: "
                "record their consent on the client's page (%(reference)s) before the claim.",
                reference=client.reference,
            )
        )
    dispute.insurer_claim_reference = wf.clean_claim_reference(reference)
    changes = audit.diff(dispute)
    db.session.flush()
    audit.record(person, "dispute.insurer_claim", dispute, changes=changes, now=now)
    return dispute


def _decision_values(dispute: Dispute, outcome, amount, reasons) -> tuple[Outcome, int, str]:
    outcome = _enum(Outcome, outcome, _("outcome"))
    amount = wf.ensure_award(outcome, amount, claimed_cents=dispute.amount_claimed_cents)
    reasons = clean_text(reasons, limit=complaint_wf.BODY_MAX, what=_("written reasons"))
    return outcome, amount, reasons


def needs_manager(dispute: Dispute, awarded_cents: int) -> bool:
    return wf.needs_manager(
        claimed_cents=dispute.amount_claimed_cents,
        awarded_cents=awarded_cents,
        threshold_cents=manager_threshold_cents(),
    )


def propose_decision(
    dispute: Dispute,
    *,
    outcome: Outcome | str,
    amount_awarded_cents: object,
    reasons: str,
    actor: Any,
    now: datetime,
    expected_version: int | None = None,
) -> Dispute:
    """Above the threshold, an agent proposes the decision; a manager other than them decides."""
    person = require_staff(actor)
    ensure_version(dispute, expected_version)
    outcome, amount, reasons = _decision_values(dispute, outcome, amount_awarded_cents, reasons)
    if not needs_manager(dispute, amount):
        raise DomainError(_("At or below the threshold there is nothing to propose: decide it yourself."))
    dispute.status = wf.next_dispute_status(dispute.status, "propose")
    dispute.proposed_outcome, dispute.proposed_amount_cents, dispute.proposed_reasons = (
        outcome,
        amount,
        reasons,
    )
    dispute.proposed_by_id, dispute.proposed_at = person.id, now
    changes = audit.diff(dispute)
    db.session.flush()
    audit.record(person, "dispute.propose", dispute, changes=changes, now=now)
    return dispute


def decide_dispute(
    dispute: Dispute,
    *,
    outcome: Outcome | str,
    amount_awarded_cents: object,
    reasons: str,
    actor: Any,
    now: datetime,
    expected_version: int | None = None,
) -> Dispute:
    """Decide: upheld, partially upheld or rejected, with the amount and written reasons."""
    person = require_staff(actor)
    ensure_version(dispute, expected_version)
    _not_decided(dispute)
    outcome, amount, reasons = _decision_values(dispute, outcome, amount_awarded_cents, reasons)
    wf.ensure_decider(
        stake_above_threshold=needs_manager(dispute, amount),
        decider_id=person.id,
        decider_is_manager=Role.MANAGER in person.roles,
        proposed_by_id=dispute.proposed_by_id,
        status=dispute.status,
    )
    dispute.status = wf.next_dispute_status(dispute.status, "decide")
    dispute.outcome, dispute.amount_awarded_cents, dispute.reasons = outcome, amount, reasons
    dispute.decided_by_id, dispute.decided_at = person.id, now
    changes = audit.diff(dispute)
    db.session.flush()  # the version check: a concurrent decision loses here
    audit.record(person, "dispute.decide", dispute, changes=changes, now=now)
    client = dispute.complaint.client
    queue_notification(
        recipient=client.email,
        template="dispute_decided",
        related=dispute,
        now=now,
        language=client.language,
        context={"dispute": dispute, "client": client.full_name, "booking": dispute.booking.reference},
    )
    return dispute


def send_back(
    dispute: Dispute, *, note: str, actor: Any, now: datetime, expected_version: int | None = None
) -> Dispute:
    """A manager returns a proposal to the agents, with a note (no decision)."""
    person = require_staff(actor, {Role.MANAGER})
    ensure_version(dispute, expected_version)
    note = clean_text(note, limit=complaint_wf.REASON_MAX, what=_("note for the agent"))
    dispute.status = wf.next_dispute_status(dispute.status, "send_back")
    dispute.proposed_outcome = dispute.proposed_amount_cents = dispute.proposed_reasons = None
    dispute.proposed_by_id = dispute.proposed_at = None
    changes = audit.diff(dispute)
    db.session.flush()
    audit.record(person, "dispute.send_back", dispute, changes=changes | {"note": note}, now=now)
    return dispute


def record_refund(
    dispute: Dispute, *, transaction_id: str, actor: Any, now: datetime, expected_version: int | None = None
) -> Dispute:
    """The payment provider's transaction id of the refund paid for a decided dispute."""
    person = require_staff(actor)
    ensure_version(dispute, expected_version)
    if dispute.status != DisputeStatus.DECIDED or not dispute.amount_awarded_cents:
        raise DomainError(_("%(dispute)s awards nothing to refund (yet).", dispute=dispute))
    if dispute.payment_transaction_id:
        raise DomainError(
            _(
                "%(dispute)s already records the refund %(transaction)s.",
                dispute=dispute,
                transaction=dispute.payment_transaction_id,
            )
        )
    dispute.payment_transaction_id = wf.clean_transaction_id(transaction_id)
    changes = audit.diff(dispute)
    db.session.flush()
    audit.record(person, "dispute.refund", dispute, changes=changes, now=now)
    return dispute


def erase_decided_disputes(dispute_ids: list[int], *, placeholder: str, actor: Any, now: datetime) -> int:
    """Erasure on request (privacy/): decided disputes keep their amounts and outcome, not the typed
    claim, answers and reasons, nor their evidence files. Open disputes are never passed here."""
    disputes = db.session.scalars(
        sa.select(Dispute).where(Dispute.id.in_(dispute_ids), Dispute.status == DisputeStatus.DECIDED)
    ).all()
    for dispute in disputes:
        dispute.claim = placeholder
        dispute.provider_response = dispute.proposed_reasons = None
        for evidence in dispute.evidence:
            evidence.description = None
            files.purge(evidence.file, actor=actor, now=now)
    db.session.flush()
    return len(disputes)


def terms_fee(dispute: Dispute) -> tuple[policy.AllowedFee | None, bool]:
    """For a cancellation-fee dispute: the fee the booking's terms allowed at its cancellation
    time, and whether the claim is above it."""
    if dispute.kind != DisputeKind.CANCELLATION_FEE:
        return None, False
    allowed = policy.allowed_cancellation_fee(dispute.booking_id)
    above = allowed is not None and claim_above_terms(dispute.amount_claimed_cents, allowed.allowed_cents)
    return allowed, above
