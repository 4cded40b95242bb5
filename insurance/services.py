"""Insurance use cases: register, verify or reject a policy; the daily set-based sweep."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any, BinaryIO

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import joinedload

from console import events
from console import validation as v
from console.audit import services as audit
from console.business_time import paris_today
from console.db import after_commit, db
from console.domain import DomainError, _
from console.files import services as files
from console.redaction import find_card_numbers
from insurance import board
from insurance import workflow as wf
from insurance.models import InsuranceCover, InsurancePolicy
from insurance.reporting import (  # one definition, used here too
    covered_on,
    periods_by_provider,
    provider_status,
)
from insurance.workflow import InsuranceStatus, Period
from marketplace import reporting as marketplace
from marketplace.models import Provider, ServiceKind
from restrictions import services as restrictions
from restrictions.workflow import Source

SWEEP_ACTOR = "system:insurance-sweep"
LAPSE_REASON = "insurance_lapsed"  # the restriction reason code (restrictions.workflow.REASONS)


def min_coverage_cents() -> int:
    return int(current_app.config.get("RC_PRO_MIN_COVERAGE_CENTS", wf.DEFAULT_MIN_COVERAGE_CENTS))


def _policy_number(provider: Provider, value: Any) -> str:
    """The policy number without spaces, upper-case, not registered for another provider."""
    number = "".join(str(value or "").split()).upper()
    if not number or len(number) > 60:
        raise v.InvalidField("policy_number", _("A policy number is required (at most 60 characters)."))
    if find_card_numbers(str(value)) or find_card_numbers(number):
        raise v.InvalidField(
            "policy_number",
            _(
                "This looks like a payment card number, not an insurance policy number: copy the "
                "number printed on the RC Pro certificate (a card number is never stored)."
            ),
        )
    other = db.session.scalar(
        sa.select(InsurancePolicy.provider_id).where(
            InsurancePolicy.policy_number == number, InsurancePolicy.provider_id != provider.id
        )
    )
    if other is not None:
        raise v.InvalidField(
            "policy_number", _("This policy number is already registered for another provider.")
        )
    return number


def _insured_siret(provider: Provider, value: Any) -> str:
    """A valid SIRET, the provider's own."""
    try:
        siret = v.siret(value or "")
    except v.InvalidField as exc:
        raise v.InvalidField("insured_siret", str(exc)) from exc
    if siret != provider.siret:
        raise v.InvalidField(
            "insured_siret",
            _("The insured SIRET differs from %(provider)s's SIRET.", provider=provider.reference),
        )
    return siret


def _declared_values(provider: Provider, fields: Mapping[str, Any]) -> dict[str, Any]:
    """The declared policy's fields, checked and normalised (raises InvalidField on the first bad one)."""
    number = _policy_number(provider, fields.get("policy_number"))
    siret = _insured_siret(provider, fields.get("insured_siret"))
    starts_on, ends_on = fields.get("starts_on"), fields.get("ends_on")
    if not isinstance(starts_on, date) or not isinstance(ends_on, date):
        raise v.InvalidField("starts_on", _("Start and end dates are required."))
    coverage, deductible = fields.get("coverage_per_claim_cents"), fields.get("deductible_cents")
    wf.ensure_policy_values(
        coverage_cents=coverage, deductible_cents=deductible, starts_on=starts_on, ends_on=ends_on
    )
    activities = sorted(set(fields.get("activities") or []))
    if not set(activities) <= {kind.value for kind in ServiceKind}:
        raise v.InvalidField("activities", _("Unknown activity; choose among the services offered."))
    return {
        "insurer": v.text("insurer", fields.get("insurer"), limit=120),
        "policy_number": number,
        "insured_name": v.text("insured_name", fields.get("insured_name"), limit=200),
        "insured_siret": siret,
        "activities": activities,
        "coverage_per_claim_cents": coverage,
        "deductible_cents": deductible,
        "starts_on": starts_on,
        "ends_on": ends_on,
    }


def register_policy(
    provider: Provider,
    *,
    fields: Mapping[str, Any],
    certificate: tuple[BinaryIO, str] | None,
    actor: Any,
    now: datetime,
) -> InsurancePolicy:
    """Record a policy as declared by the provider; it counts only once an officer verifies it."""
    values = _declared_values(provider, fields)
    policy = InsurancePolicy(
        provider=provider, created_at=now, created_by=audit.actor_label(actor)[1], **values
    )
    if certificate is not None:
        policy.certificate = files.store_upload(certificate[0], certificate[1], actor=actor, now=now)
    db.session.add(policy)
    db.session.flush()
    audited = ("policy_number", "starts_on", "ends_on", "coverage_per_claim_cents")
    changes = {"provider": provider.reference} | {key: values[key] for key in audited}
    audit.record(actor, "insurance.register", policy, now=now, changes=changes)
    return policy


def flags(policy: InsurancePolicy, today: date) -> list[str]:
    """What the verifying officer should look at twice."""
    return wf.verification_flags(
        coverage_cents=policy.coverage_per_claim_cents,
        min_coverage_cents=min_coverage_cents(),
        policy_siret=policy.insured_siret,
        provider_siret=policy.provider.siret,
        starts_on=policy.starts_on,
        ends_on=policy.ends_on,
        today=today,
    )


def verify_policy(
    policy: InsurancePolicy,
    *,
    actor: Any,
    now: datetime,
    expected_version: int | None = None,
    without_certificate: str | None = None,
    seen_elsewhere: str | None = None,
) -> InsurancePolicy:
    """An officer confirms the uploaded certificate, or states the certificate was seen elsewhere
    (`without_certificate` = "certificate_seen_elsewhere" and where, in `seen_elsewhere`; both
    audited); open insurance proposals it makes moot are closed."""
    reason = wf.verification_without_certificate(
        has_certificate=policy.certificate_id is not None, reason=without_certificate, detail=seen_elsewhere
    )
    _decide(policy, "verify", actor, expected_version)
    policy.verified_by_id, policy.verified_at = actor.id, now
    changes = audit.diff(policy)
    if reason:
        detail = v.text("detail", seen_elsewhere, limit=wf.SEEN_ELSEWHERE_DETAIL_MAX)
        changes |= {"without_certificate": reason, "seen_elsewhere": detail}
    db.session.flush()
    audit.record(actor, "insurance.verify", policy, changes=changes, now=now)
    lock_cover_changes()  # a sweep batch deciding a lapse from the old cover finishes first
    refresh_cover([policy.provider_id])
    after_commit(board.forget_counts)  # once committed: a board page in between would keep old counts
    if provider_status(policy.provider_id, paris_today(now)) in (
        InsuranceStatus.VALID,
        InsuranceStatus.EXPIRING,
    ):
        close_proposals_of_covered([policy.provider_id], today=paris_today(now), actor=actor, now=now)
        prompt_managers_to_lift(policy.provider, now=now)
        publish_cover_changes(lapsed=[], covered=[policy.provider_id], today=paris_today(now), now=now)
    return policy


def prompt_managers_to_lift(provider: Provider, *, now: datetime) -> int:
    """Cover is back: ask the managers to lift the provider's insurance restriction (a person decides)."""
    from console.auth.services import active_staff
    from console.domain import Role
    from console.notifications.services import queue_notification

    active = restrictions.active_restrictions_of(provider.id, reason_code=LAPSE_REASON)
    if not active:
        return 0
    managers = active_staff(Role.MANAGER)
    for restriction in active:
        for manager in managers:
            queue_notification(
                recipient=manager.email,
                template="insurance_restriction_liftable",
                related=restriction,
                now=now,
                context={"provider": provider, "restriction": restriction},
                language=manager.language,
            )
    return len(active)


def reject_policy(
    policy: InsurancePolicy, *, reason: str, actor: Any, now: datetime, expected_version: int | None = None
) -> InsurancePolicy:
    """An officer refuses the certificate, with the reason."""
    reason = (reason or "").strip()
    if not reason or len(reason) > 1000:
        raise DomainError(_("Give the reason for rejecting the certificate (at most 1000 characters)."))
    _decide(policy, "reject", actor, expected_version)
    policy.verified_by_id, policy.verified_at, policy.rejection_reason = actor.id, now, reason
    changes = audit.diff(policy)
    db.session.flush()
    audit.record(actor, "insurance.reject", policy, changes=changes, now=now)
    return policy


def _decide(policy: InsurancePolicy, event: str, actor: Any, expected_version: int | None) -> None:
    from console.auth.models import StaffUser

    if not isinstance(actor, StaffUser):
        raise DomainError(_("A certificate is verified by a named staff member."))
    if expected_version is not None and policy.version != expected_version:
        raise DomainError(
            _("%(policy)s was changed by someone else meanwhile. Reload and try again.", policy=policy)
        )
    policy.verification = wf.next_verification(policy.verification, event)


_COVER_LOCK_ID = 7_415_290_002  # PostgreSQL advisory lock: cover changes and the sweep's steps


def lock_cover_changes() -> None:
    """Hold, until the transaction ends, the lock that verification and each step of the insurance
    sweep take, so that a batch never decides a lapse from a cover a verification is changing
    (PostgreSQL; SQLite has one writer at a time)."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.select(sa.func.pg_advisory_xact_lock(_COVER_LOCK_ID)))


def refresh_cover(
    provider_ids: list[int] | None = None,
    *,
    between: tuple[int, int] | None = None,
    by_provider: dict[int, list[tuple[int, Period]]] | None = None,
) -> set[int]:
    """Bring the merged cover chains of these providers (those with an id in `between`, or all
    when neither is given) up to date. Only chains that changed are written.
    Returns the providers whose rows changed.
    """
    if by_provider is None:
        by_provider = periods_by_provider(provider_ids, between=between)
    wanted = {
        (provider_id, chain.starts_on): (
            chain.ends_on,
            max(pid for pid, p in policies if p.ends_on == chain.ends_on),
        )
        for provider_id, policies in by_provider.items()
        for chain in wf.merged(p for _, p in policies)
    }
    existing_query = sa.select(
        InsuranceCover.provider_id, InsuranceCover.starts_on, InsuranceCover.ends_on, InsuranceCover.policy_id
    )
    if provider_ids is not None:
        existing_query = existing_query.where(InsuranceCover.provider_id.in_(provider_ids))
    if between is not None:
        existing_query = existing_query.where(InsuranceCover.provider_id.between(*between))
    existing = {(pid, start): (end, policy) for pid, start, end, policy in db.session.execute(existing_query)}
    stale = [key for key, value in existing.items() if wanted.get(key) != value]
    fresh = [key for key, value in wanted.items() if existing.get(key) != value]
    for chunk in range(0, len(stale), 1000):
        keys = stale[chunk : chunk + 1000]
        db.session.execute(
            sa.delete(InsuranceCover).where(
                sa.tuple_(InsuranceCover.provider_id, InsuranceCover.starts_on).in_(keys)
            )
        )
    if fresh:
        db.session.execute(
            sa.insert(InsuranceCover),
            [
                {
                    "provider_id": pid,
                    "starts_on": start,
                    "ends_on": wanted[pid, start][0],
                    "policy_id": wanted[pid, start][1],
                }
                for pid, start in fresh
            ],
        )
    return {pid for pid, _start in stale + fresh}


def insurance_problem(provider: Provider, today: date) -> str | None:
    """Why the provider is not insured today (None when a verified policy covers today)."""
    return insurance_problems([provider.id], today)[provider.id]


def insurance_problems(provider_ids: list[int], today: date) -> dict[int, str | None]:
    """`insurance_problem` for many providers in one query (a list page's rows)."""
    if not provider_ids:
        return {}
    periods = periods_by_provider(list(set(provider_ids)))
    problems = {}
    for provider_id in provider_ids:
        status = wf.status_on(today, [p for _, p in periods.get(provider_id, [])])
        problems[provider_id] = (
            None
            if status in (InsuranceStatus.VALID, InsuranceStatus.EXPIRING)
            else _("no verified RC Pro policy covers today")
            if status == InsuranceStatus.NONE
            else _("RC Pro insurance expired")
        )
    return problems


def close_proposals_of_covered(provider_ids: list[int], *, today: date, actor: Any, now: datetime) -> int:
    """Close the open insurance proposals of those of these providers covered on `today`: not a
    restriction decision."""
    note = _("Closed automatically: a verified policy covers today.")
    closed = 0
    for start in range(0, len(provider_ids), 1000):  # bounded IN lists (SQLite and psycopg limits)
        chunk = provider_ids[start : start + 1000]

        def covered(provider_id_column: Any, chunk: list[int] = chunk) -> Any:
            return covered_on(today, provider_id_column) & provider_id_column.in_(chunk)

        proposals = restrictions.open_proposals_from(Source.INSURANCE, provider_where=covered)
        closed += restrictions.close_moot_proposals(proposals, note=note, actor=actor, now=now)
    return closed


def publish_cover_changes(*, lapsed: list[int], covered: list[int], today: date, now: datetime) -> int:
    """Tell the marketplace once per change: `insurance.lapsed` for a lapsed provider whose last
    insurance event was not a lapse, `insurance.restored` for a covered one whose last was."""
    latest = events.latest_of((events.INSURANCE_LAPSED, events.INSURANCE_RESTORED), [*lapsed, *covered])
    changes = {
        events.INSURANCE_LAPSED: sorted(p for p in set(lapsed) if latest.get(p) != events.INSURANCE_LAPSED),
        events.INSURANCE_RESTORED: sorted(
            p for p in set(covered) if latest.get(p) == events.INSURANCE_LAPSED
        ),
    }
    for kind, provider_ids in changes.items():
        items = [(pid, {"provider": marketplace.provider_reference(pid), "on": today.isoformat()})
                 for pid in provider_ids]  # fmt: skip
        if items:
            events.publish_many(kind, items, now=now)  # set-based, as the sweep is
    return sum(len(ids) for ids in changes.values())


# --- retention -------------------------------------------------------------------------------


def purge_applicant_policies(provider_ids: list[int], *, placeholder: str, actor: str, now: datetime) -> int:
    """A purged applicant's declared RC Pro policies name them: keep the dates and amounts only.

    The insured name becomes `placeholder`, the insured SIRET the provider's (already replaced)
    one, and each certificate is purged (audited by the file store). Safe to run twice.
    """
    if not provider_ids:
        return 0
    policies = db.session.scalars(
        sa.select(InsurancePolicy)
        .where(InsurancePolicy.provider_id.in_(provider_ids))
        .options(joinedload(InsurancePolicy.provider))
        .order_by(InsurancePolicy.id)
    ).all()
    for policy in policies:
        policy.insured_name, policy.insured_siret = placeholder, policy.provider.siret
        if policy.certificate is not None:
            files.purge(policy.certificate, actor=actor, now=now)
    return len(policies)
