"""The daily sweep is set-based: its SQL statements do not grow with the providers or reminders.

New lapses too: their proposals and audit events are written in batches (on PostgreSQL; SQLite's
driver makes the ORM insert rows whose ids it needs back one at a time).
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import timedelta

import sqlalchemy as sa

from console.business_time import paris_today
from console.db import db
from insurance import services
from insurance.models import InsurancePolicy
from insurance.workflow import Verification
from tests.factories import make_provider


def _insure(count: int, *, ends_in_days: int, now) -> None:
    """`count` approved providers, each with one verified policy ending `ends_in_days` from today."""
    today = paris_today(now)
    for _ in range(count):
        provider = make_provider()
        db.session.add(
            InsurancePolicy(
                provider=provider,
                insurer="MAAF Assurances",
                policy_number=f"RCP-2026-{provider.id:07d}",
                insured_name=provider.legal_name,
                insured_siret=provider.siret,
                activities=["regular_cleaning"],
                coverage_per_claim_cents=200_000_000,
                deductible_cents=30_000,
                starts_on=today + timedelta(days=ends_in_days) - timedelta(days=364),
                ends_on=today + timedelta(days=ends_in_days),
                verification=Verification.VERIFIED,
                verified_at=now - timedelta(days=300),
                created_at=now - timedelta(days=301),
                created_by="system:tests",
            )
        )
    db.session.flush()


@contextmanager
def _counting():
    counted = [0]

    def count(conn, cursor, statement, parameters, context, executemany):
        counted[0] += 1

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield counted
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)


def _sweep(now) -> tuple[int, dict]:
    """Statements and counts of one sweep, rolled back to a savepoint afterwards."""
    savepoint = db.session.begin_nested()
    with _counting() as counted:
        sweep = services.sweep_policies(today=paris_today(now), now=now)
    counts = dict(sweep.counts)
    savepoint.rollback()
    return counted[0], counts


def test_reminders_and_covered_providers_cost_no_statements_per_provider(now):
    _insure(4, ends_in_days=10, now=now)  # a reminder due each
    _insure(3, ends_in_days=200, now=now)  # covered, nothing due
    few, few_counts = _sweep(now)
    _insure(36, ends_in_days=10, now=now)
    _insure(27, ends_in_days=200, now=now)
    many, many_counts = _sweep(now)
    assert (few_counts["reminders"], many_counts["reminders"]) == (4, 40)
    assert (few_counts["covered"], many_counts["covered"]) == (7, 70)
    if db.engine.dialect.name == "postgresql":
        assert many == few
    else:  # SQLite: the ORM inserts rows whose ids it needs back one at a time (the notifications)
        assert many - few <= 36


def test_one_lapse_or_fifty_cost_the_same_statements(now):
    _insure(20, ends_in_days=90, now=now)
    _insure(1, ends_in_days=-3, now=now)
    few, few_counts = _sweep(now)
    _insure(49, ends_in_days=-3, now=now)
    many, many_counts = _sweep(now)
    assert (few_counts["proposals"], many_counts["proposals"]) == (1, 50)
    if db.engine.dialect.name == "postgresql":
        assert many == few
    else:  # SQLite: the proposal, its audit event, the outbox and integration rows, each inserted alone
        assert many - few <= 4 * 49


def test_lapse_proposals_are_audited_in_one_unbroken_chain(now):
    from console.audit import services as audit
    from restrictions.models import RestrictionProposal

    _insure(30, ends_in_days=-3, now=now)
    services.sweep_policies(today=paris_today(now), now=now)
    proposals = db.session.scalars(sa.select(RestrictionProposal)).all()
    assert len(proposals) == 30 and all(
        p.statement and p.created_by == "system:insurance-sweep" for p in proposals
    )
    assert audit.verify().ok
