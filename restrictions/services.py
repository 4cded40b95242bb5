"""Restriction use cases. Proposals may come from jobs; restrictions only from a named person."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from console import events, links
from console.audit import services as audit
from console.auth.models import StaffUser
from console.db import db
from console.domain import DomainError, Role, _, machine_caller
from console.i18n import in_language
from console.jobs import in_job
from console.notifications.services import queue_notification
from console.redaction import redact_card_numbers
from marketplace.models import Provider
from restrictions import workflow as wf
from restrictions.models import Restriction, RestrictionProposal
from restrictions.workflow import PersonRequired, ProposalStatus, ReviewOutcome, Source

EVIDENCE_MAX = 20


def require_person(actor: Any, *, source: Source | None = None) -> StaffUser:
    """The actor must be an active staff member, not a job; with `source`, one who may decide it."""
    if in_job():
        raise PersonRequired(_("A job cannot restrict or lift a provider: a person must decide."))
    if machine_caller() is not None:
        raise PersonRequired(
            _("The integration API cannot restrict or lift a provider: a person must decide.")
        )
    if not isinstance(actor, StaffUser) or not actor.active:
        raise PersonRequired(_("Only a named, active staff member can restrict or lift a provider."))
    if source is not None and not wf.may_decide(actor.roles, source):
        raise PersonRequired(
            _("Your role cannot decide restrictions with a %(source)s reason.", source=Source(source).label)
        )
    return actor


def propose_restriction(
    provider: Provider,
    *,
    reason_code: str,
    actor: Any,
    now: datetime,
    statement: str | None = None,
    evidence: Iterable[str] = (),
) -> RestrictionProposal:
    """Open a proposal for a person to decide (jobs may call this); an open one is returned as is.

    The source follows from the reason, so the caller cannot choose who may decide it.
    """
    (proposal,) = propose_restrictions(
        [provider], reason_code=reason_code, actor=actor, now=now, statement=statement, evidence=evidence
    )
    return proposal


PROPOSE_BATCH = 1000  # providers per IN list (SQLite and psycopg limits)


def propose_restrictions(
    providers: list[Provider],
    *,
    reason_code: str,
    actor: Any,
    now: datetime,
    statement: str | None = None,
    evidence: Iterable[str] = (),
) -> list[RestrictionProposal]:
    """`propose_restriction` for many providers (a sweep's lapses) in a number of statements that
    does not depend on how many: one read of the open proposals and batched inserts of the new
    ones and their audit events, per batch of PROPOSE_BATCH providers. Returns one proposal per
    provider, in order: the open one when there was one."""
    reason = wf.reason(reason_code)
    links, masked = _evidence(evidence)
    found: list[RestrictionProposal] = []
    for start in range(0, len(providers), PROPOSE_BATCH):
        batch = providers[start : start + PROPOSE_BATCH]
        open_ = {
            proposal.provider_id: proposal
            for proposal in db.session.scalars(
                sa.select(RestrictionProposal).where(
                    RestrictionProposal.provider_id.in_([p.id for p in batch]),
                    RestrictionProposal.reason_code == reason_code,
                    RestrictionProposal.status == ProposalStatus.OPEN,
                )
            )
        }
        new = {
            provider.id: RestrictionProposal(
                provider=provider,
                source=reason.source,
                reason_code=reason_code,
                statement=wf.ensure_statement(statement or prewritten_statement(provider, reason_code)),
                evidence=links,
                due_at=wf.due_at(reason.source, now),
                created_at=now,
                created_by=audit.actor_label(actor)[1],
            )
            for provider in batch
            if provider.id not in open_
        }
        db.session.add_all(new.values())
        db.session.flush()
        entries = [
            audit.Entry(
                "RestrictionProposal",
                proposal.id,
                {
                    "provider": proposal.provider.reference,
                    "reason_code": reason_code,
                    "due_at": proposal.due_at,
                }
                | masked,
            )
            for proposal in new.values()
        ]
        audit.record_many(actor, "restriction.propose", entries, now=now)
        found += [open_.get(provider.id) or new[provider.id] for provider in batch]
    return found


def _proposal_changes(proposal: RestrictionProposal) -> dict[str, Any]:
    return {
        "provider": proposal.provider.reference,
        "reason_code": proposal.reason_code,
        "due_at": proposal.due_at,
    }


def prewritten_statement(provider: Provider, reason_code: str) -> str:
    """The reason's pre-written statement in the provider's language (it is sent to them)."""
    with in_language(provider.language):
        return wf.reason(reason_code).statement


def _evidence(links: Iterable[str]) -> tuple[list[str], dict[str, int]]:
    """Evidence links, bounded, with card numbers masked (JSON bypasses the column type)."""
    cleaned, masked = [], 0
    for link in links:
        text, count = redact_card_numbers(str(link).strip())
        if text:
            wf.clean_note(text, 500)
            cleaned.append(text)
            masked += count
    if len(cleaned) > EVIDENCE_MAX:
        raise DomainError(_("At most %(count)s evidence links.", count=EVIDENCE_MAX))
    return cleaned, ({"card_numbers_masked_in_evidence": masked} if masked else {})


def confirm_proposal(
    proposal: RestrictionProposal,
    *,
    actor: Any,
    now: datetime,
    statement: str | None = None,
    note: str | None = None,
    expected_version: int | None = None,
) -> Restriction:
    """A person confirms a proposal: the provider is restricted and told why."""
    person = require_person(actor, source=proposal.source)
    _decide(proposal, "confirm", person, now, note, expected_version)
    restriction = _restrict(
        proposal.provider,
        reason_code=proposal.reason_code,
        statement=wf.ensure_statement(statement or proposal.statement),
        person=person,
        now=now,
        proposal=proposal,
    )
    proposal.restriction_id = restriction.id
    db.session.flush()
    return restriction


def dismiss_proposal(
    proposal: RestrictionProposal,
    *,
    actor: Any,
    now: datetime,
    note: str | None = None,
    expected_version: int | None = None,
) -> RestrictionProposal:
    """A person decides no restriction is needed."""
    person = require_person(actor, source=proposal.source)
    _decide(proposal, "dismiss", person, now, note, expected_version)
    return proposal


def _decide(proposal, event: str, person: StaffUser, now, note, expected_version) -> None:
    if expected_version is not None and proposal.version != expected_version:
        raise DomainError(
            _("%(proposal)s was changed by someone else meanwhile. Reload and try again.", proposal=proposal)
        )
    if proposal.status != ProposalStatus.OPEN:
        raise wf.TransitionNotAllowed(already_decided(proposal))
    note = wf.clean_note(note)  # check everything before changing anything
    proposal.status = wf.next_status(proposal.status, event)
    proposal.decided_by_id, proposal.decided_at = person.id, now
    proposal.decision_note = note
    changes = audit.diff(proposal)
    db.session.flush()  # the version check happens here: a concurrent decision loses
    audit.record(person, f"restriction.proposal_{proposal.status.value}", proposal, changes=changes, now=now)


def restrict_provider(
    provider: Provider, *, reason_code: str, statement: str, actor: Any, now: datetime
) -> Restriction:
    """A manager restricts a provider directly, with a written statement of reasons."""
    person = require_person(actor, source=Source.MANUAL)
    wf.reason(reason_code)
    return _restrict(
        provider,
        reason_code=reason_code,
        statement=wf.ensure_statement(statement),
        person=person,
        now=now,
        proposal=None,
    )


def _restrict(provider, *, reason_code, statement, person, now, proposal) -> Restriction:
    restriction = Restriction(
        provider=provider,
        reason_code=reason_code,
        statement=statement,
        decided_by_id=person.id,
        started_at=now,
        proposal_id=proposal.id if proposal else None,
    )
    db.session.add(restriction)
    db.session.flush()
    audit.record(
        person,
        "restriction.start",
        restriction,
        changes={
            "provider": provider.reference,
            "reason_code": reason_code,
            "statement": restriction.statement,
            "proposal_id": restriction.proposal_id,
            "started_at": now,
        },
        now=now,
    )
    db.session.expire(provider, ["active_restrictions"])
    _publish(events.RESTRICTION_CONFIRMED, restriction, now)
    _notify(provider, "restriction_started", restriction, now)
    return restriction


def request_review(restriction: Restriction, *, text: str, actor: Any, now: datetime) -> Restriction:
    """Record the provider's request for a review (taken by support or a manager)."""
    person = require_person(actor)
    if not restriction.active:
        raise DomainError(
            _("%(restriction)s has ended; there is nothing to review.", restriction=restriction)
        )
    if restriction.review_requested_at is not None:
        raise DomainError(_("A review of %(restriction)s was already requested.", restriction=restriction))
    restriction.review_requested_at = now
    restriction.review_request = wf.ensure_statement(text)
    changes = audit.diff(restriction)
    db.session.flush()
    audit.record(person, "restriction.review_requested", restriction, changes=changes, now=now)
    return restriction


def provider_requests_review(
    restriction: Restriction, *, text: str, actor: str, now: datetime
) -> Restriction:
    """The provider asks for a review themselves (the portal's signed link: `system:portal:PRV-…`);
    the managers are told, and a person other than the decider takes it (PWD art. 11)."""
    if actor != f"system:portal:{restriction.provider.reference}":
        raise PersonRequired(_("Only the restricted provider can ask for a review this way."))
    if not restriction.active:
        raise DomainError(
            _("%(restriction)s has ended; there is nothing to review.", restriction=restriction)
        )
    if restriction.review_requested_at is not None:
        raise DomainError(_("A review of %(restriction)s was already requested.", restriction=restriction))
    if not (text or "").strip():
        raise DomainError(_("Write your arguments for the review."))
    restriction.review_requested_at = now
    restriction.review_request = wf.ensure_statement(text)
    changes = audit.diff(restriction)
    db.session.flush()
    audit.record(actor, "restriction.review_requested", restriction, changes=changes, now=now)
    from console.auth.services import active_staff

    for manager in active_staff(Role.MANAGER):
        if manager.id == restriction.decided_by_id:
            continue  # the review goes to someone else
        queue_notification(
            recipient=manager.email,
            template="restriction_review_requested",
            related=restriction,
            now=now,
            language=manager.language,
            context={
                "provider": restriction.provider.display_name,
                "reference": restriction.provider.reference,
                "restriction": restriction,
            },
        )
    return restriction


def restriction_by_id(restriction_id: int | None) -> Restriction | None:
    return db.session.get(Restriction, restriction_id) if restriction_id else None


def latest_active_restriction(provider_id: int) -> Restriction | None:
    """The provider's most recent restriction still in force (what a review request is about)."""
    return db.session.scalar(
        sa.select(Restriction)
        .where(Restriction.provider_id == provider_id, Restriction.ended_at.is_(None))
        .order_by(Restriction.started_at.desc(), Restriction.id.desc())
        .limit(1)
    )


def decide_review(
    restriction: Restriction, *, outcome: ReviewOutcome, reasons: str, actor: Any, now: datetime
) -> Restriction:
    """Another person upholds or lifts a restriction under review, with reasons for the provider."""
    person = require_person(actor, source=Source.MANUAL)
    if restriction.review_requested_at is None or restriction.review_decided_at is not None:
        raise DomainError(_("%(restriction)s has no review waiting for a decision.", restriction=restriction))
    if not restriction.active:
        raise DomainError(
            _(
                "%(restriction)s has already ended; its review no longer needs a decision.",
                restriction=restriction,
            )
        )
    wf.ensure_review_decider(person.id, restriction.decided_by_id)
    outcome, reasons = ReviewOutcome(outcome), wf.ensure_statement(reasons)
    restriction.review_outcome, restriction.review_reasons = outcome, reasons
    restriction.review_decided_by_id, restriction.review_decided_at = person.id, now
    if restriction.review_outcome == ReviewOutcome.LIFTED:
        with in_language(restriction.provider.language):  # the end reason is sent to the provider
            lifted_on_review = _("Lifted on review.")
        _end(restriction, person, now, lifted_on_review)
    changes = audit.diff(restriction)
    db.session.flush()
    audit.record(person, "restriction.review_decided", restriction, changes=changes, now=now)
    if restriction.ended_at is not None:
        _publish(events.RESTRICTION_LIFTED, restriction, now)
    _notify(restriction.provider, "restriction_review_decided", restriction, now)
    return restriction


def lift_restriction(restriction: Restriction, *, reason: str, actor: Any, now: datetime) -> Restriction:
    """A person ends a restriction (for example once a valid insurance certificate is verified)."""
    source = wf.reason(restriction.reason_code).source
    person = require_person(actor, source=source)
    if not restriction.active:
        raise DomainError(_("%(restriction)s has already ended.", restriction=restriction))
    _end(restriction, person, now, wf.ensure_statement(reason, wf.NOTE_MAX))
    changes = audit.diff(restriction)
    db.session.flush()
    audit.record(person, "restriction.lift", restriction, changes=changes, now=now)
    _publish(events.RESTRICTION_LIFTED, restriction, now)
    _notify(restriction.provider, "restriction_lifted", restriction, now)
    return restriction


def _end(restriction: Restriction, person: StaffUser, now: datetime, reason: str) -> None:
    restriction.ended_at, restriction.ended_by_id, restriction.end_reason = now, person.id, reason
    db.session.expire(restriction.provider, ["active_restrictions"])


def _publish(kind: str, restriction: Restriction, now: datetime) -> None:
    """Tell the marketplace (integration events, delivered after commit)."""
    payload = {
        "provider": restriction.provider.reference,
        "restriction_id": restriction.id,
        "reason_code": restriction.reason_code,
        "started_at": restriction.started_at.isoformat(),
        "ended_at": restriction.ended_at.isoformat() if restriction.ended_at else None,
    }
    events.publish(kind, provider_id=restriction.provider_id, payload=payload, now=now)


def _notify(provider: Provider, template: str, restriction: Restriction, now: datetime) -> None:
    with in_language(provider.language):
        reason = wf.reason(restriction.reason_code).label
    review_link = (
        links.signed_link("restriction_review", provider, restriction, now=now)
        if template == "restriction_started"
        else None
    )
    queue_notification(
        recipient=provider.email,
        template=template,
        related=restriction,
        now=now,
        language=provider.language,
        context={
            "provider": provider.display_name,
            "reference": provider.reference,
            "reason": reason,
            "restriction": restriction,
            "review_link": review_link,
        },
    )


def already_decided(proposal: RestrictionProposal) -> str:
    """'PRO-… was already confirmed by Alice Martin.' for a proposal someone decided first."""
    if proposal.decided_by:
        return _(
            "%(proposal)s was already %(status)s by %(who)s.",
            proposal=proposal,
            status=proposal.status.label,
            who=proposal.decided_by.full_name,
        )
    return _("%(proposal)s was already %(status)s.", proposal=proposal, status=proposal.status.label)


def close_moot_proposals(
    proposals: Iterable[RestrictionProposal], *, note: str, actor: Any, now: datetime
) -> int:
    """Close open proposals that a new fact has answered (cover verified, re-vetting approved).

    Not a restriction decision: nobody is recorded as having decided; the note says why.
    """
    closed = 0
    for proposal in proposals:
        proposal.status, proposal.decided_at, proposal.decision_note = ProposalStatus.DISMISSED, now, note
        db.session.flush()
        audit.record(actor, "restriction.proposal_closed_moot", proposal, now=now)
        closed += 1
    return closed


def open_proposals_query():
    """Open proposals, the most urgent first."""
    return (
        sa.select(RestrictionProposal)
        .where(RestrictionProposal.status == ProposalStatus.OPEN)
        .order_by(RestrictionProposal.due_at)
    )


def open_proposals_from(
    source: Source, *, provider_where: Callable[[Any], ColumnElement[bool]] | None = None
) -> list[RestrictionProposal]:
    """Every open proposal raised by one kind of signal (e.g. insurance lapses); `provider_where`,
    given the proposals' provider id column, narrows them in SQL (e.g. "covered today")."""
    query = sa.select(RestrictionProposal).where(
        RestrictionProposal.source == source, RestrictionProposal.status == ProposalStatus.OPEN
    )
    if provider_where is not None:
        query = query.where(provider_where(RestrictionProposal.provider_id))
    return list(db.session.scalars(query))


def active_restrictions_of(provider_id: int, *, reason_code: str) -> list[Restriction]:
    """A provider's restrictions for one reason that are still in force."""
    query = sa.select(Restriction).where(
        Restriction.provider_id == provider_id,
        Restriction.reason_code == reason_code,
        Restriction.ended_at.is_(None),
    )
    return list(db.session.scalars(query))


def open_proposals_of(provider_id: int, *, reason_code: str) -> list[RestrictionProposal]:
    """A provider's open proposals for one reason (e.g. to close those a new fact answered)."""
    return list(
        db.session.scalars(
            sa.select(RestrictionProposal).where(
                RestrictionProposal.provider_id == provider_id,
                RestrictionProposal.reason_code == reason_code,
                RestrictionProposal.status == ProposalStatus.OPEN,
            )
        )
    )
