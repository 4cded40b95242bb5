"""The daily sweep is set-based: its SQL statements do not grow with the providers or reminders,
and it runs in batches of providers, each costing the same whatever follows it.

It reads the day's covers from `insurance_cover`, never every provider's policies. New lapses
too: their proposals and audit events are written in batches (on PostgreSQL; SQLite's driver
makes the ORM insert rows whose ids it needs back one at a time). The reminders' messages are
written by `write_reminders`, also in a fixed number of statements per batch.
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import timedelta

import sqlalchemy as sa

from console.audit.models import AuditEvent
from console.business_time import paris_today
from console.db import db
from insurance import services
from insurance import sweep as insurance_sweep
from insurance.models import InsurancePolicy, InsuranceSweep, PolicyReminder
from insurance.workflow import Verification
from marketplace.models import Provider
from tests.factories import make_provider


def _insure(count: int, *, ends_in_days: int, now, approved: bool = True, provider=None) -> None:
    """`count` providers (approved unless told otherwise), or `provider`, each with one verified
    policy ending `ends_in_days` from today."""
    today = paris_today(now)
    for _ in range(count):
        insured = provider or make_provider(approved=approved)
        db.session.add(
            InsurancePolicy(
                provider=insured,
                insurer="MAAF Assurances",
                policy_number=f"RCP-{ends_in_days + 1000}-{insured.id:07d}",
                insured_name=insured.legal_name,
                insured_siret=insured.siret,
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
    services.refresh_cover()  # as verification writes them


@contextmanager
def _counting():
    counted = [0]
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        counted[0] += 1
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield counted, statements
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)


def _sweep(now) -> tuple[int, dict]:
    """Statements and counts of one sweep, rolled back to a savepoint afterwards."""
    savepoint = db.session.begin_nested()
    with _counting() as (counted, statements):
        sweep = insurance_sweep.sweep_policies(today=paris_today(now), now=now)
    counts = dict(sweep.counts)
    savepoint.rollback()
    assert not [s for s in statements if "FROM insurance_policy" in s], "the sweep read the policies"
    return counted[0], counts


def _write(now) -> tuple[int, int]:
    """Statements and messages of one sweep's reminders written, rolled back afterwards."""
    savepoint = db.session.begin_nested()
    insurance_sweep.sweep_policies(today=paris_today(now), now=now)
    with _counting() as (counted, _statements):
        written = insurance_sweep.write_reminders(now=now)
    savepoint.rollback()
    return counted[0], written


def test_reminders_and_covered_providers_cost_no_statements_per_provider(now):
    _insure(4, ends_in_days=10, now=now)  # a reminder due each
    _insure(3, ends_in_days=200, now=now)  # covered, nothing due
    few, few_counts = _sweep(now)
    (few_writes, few_written) = _write(now)
    _insure(36, ends_in_days=10, now=now)
    _insure(27, ends_in_days=200, now=now)
    many, many_counts = _sweep(now)
    (many_writes, many_written) = _write(now)
    assert (few_counts["reminders"], many_counts["reminders"]) == (4, 40)
    assert (few_counts["ending"], many_counts["ending"]) == (4, 40)
    assert (few_written, many_written) == (4, 40)
    assert many == few
    if db.engine.dialect.name == "postgresql":
        assert many_writes == few_writes
    else:  # SQLite: the ORM inserts rows whose ids it needs back one at a time (the messages)
        assert many_writes - few_writes <= 36


def test_one_lapse_or_fifty_cost_the_same_statements(now):
    _insure(20, ends_in_days=90, now=now)
    _insure(1, ends_in_days=-3, now=now)  # lapsed three days ago
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
    insurance_sweep.sweep_policies(today=paris_today(now), now=now)
    proposals = db.session.scalars(sa.select(RestrictionProposal)).all()
    assert len(proposals) == 30 and all(
        p.statement and p.created_by == "system:insurance-sweep" for p in proposals
    )
    assert audit.verify().ok


def test_a_day_with_more_reminders_than_a_batch_is_written_batch_by_batch(now):
    _insure(7, ends_in_days=1, now=now)
    insurance_sweep.sweep_policies(today=paris_today(now), now=now)
    assert [insurance_sweep.write_reminders(now=now, limit=3) for _ in range(4)] == [3, 3, 1, 0]
    assert not db.session.scalars(
        sa.select(PolicyReminder).where(PolicyReminder.notification_id.is_(None))
    ).all()


def test_the_weekly_check_rewrites_only_the_cover_rows_that_differ_in_its_slice(now):
    from insurance.models import InsuranceCover

    _insure(3, ends_in_days=100, now=now)
    today = paris_today(now)
    checks = [insurance_sweep.reconcile_cover(today + timedelta(days=d), now=now) for d in range(7)]
    assert sum(run["fixed"] for run in checks) == 0
    one = db.session.scalar(sa.select(InsuranceCover).order_by(InsuranceCover.provider_id).limit(1))
    one.ends_on -= timedelta(days=50)  # changed behind the console's back
    db.session.flush()
    runs = [insurance_sweep.reconcile_cover(today + timedelta(days=d), now=now) for d in range(7)]
    assert sum(run["fixed"] for run in runs) == 1  # one provider: the wrong row out, the right one in
    for provider_id in db.session.scalars(sa.select(Provider.id)):  # a week's slices hold each once
        assert len([r for r in runs if r["from"] <= provider_id <= r["to"]]) == 1
    covering = [r for r in runs if r["from"] <= one.provider_id <= r["to"]]
    assert covering[0]["fixed"] == 1
    db.session.expire_all()
    ends = db.session.scalars(sa.select(InsuranceCover.ends_on)).all()
    assert ends == [today + timedelta(days=100)] * 3


def _batches(now, batch: int) -> list[tuple[int, dict]]:
    """The statements and counts of each batch of one sweep, run `batch` providers at a time."""
    sweep = insurance_sweep.start_sweep(today=paris_today(now), now=now)
    runs = []
    while sweep.resume_after is not None:
        before = dict(sweep.counts)
        with _counting() as (counted, statements):
            insurance_sweep.sweep_batch(sweep, now=now, batch=batch)
        assert not [s for s in statements if "FROM insurance_policy" in s], "a batch read the policies"
        runs.append((counted[0], {k: v - before.get(k, 0) for k, v in sweep.counts.items()}))
    return runs


def test_a_day_larger_than_a_batch_is_swept_batch_by_batch_each_at_the_same_cost(now):
    _insure(6, ends_in_days=10, now=now)  # a reminder due each: the first providers by id
    _insure(6, ends_in_days=-3, now=now)  # lapsed: the next ones
    _insure(4, ends_in_days=200, now=now)  # covered, nothing due: never in a batch
    runs = _batches(now, batch=3)
    assert [(c["reminders"], c["proposals"], c["ending"], c["lapsed"]) for _, c in runs] == [
        (3, 0, 3, 0),
        (3, 0, 3, 0),
        (3, 3, 0, 3),
        (3, 3, 0, 3),
        (0, 0, 0, 0),  # the last batch finds nobody after the last provider: the day is done
    ]
    statements = [n for n, _ in runs]
    assert statements[0] == statements[1] and statements[2] == statements[3]
    sweep = db.session.scalar(sa.select(InsuranceSweep))
    assert sweep.resume_after is None
    assert (sweep.counts["reminders"], sweep.counts["proposals"], sweep.counts["events"]) == (12, 6, 6)
    sweep_events = sa.select(AuditEvent.action).where(AuditEvent.action.like("insurance.sweep%"))
    logged = db.session.scalars(sweep_events)
    assert sorted(logged) == ["insurance.sweep"] + ["insurance.sweep_batch"] * 5


def test_a_batch_costs_the_same_however_many_providers_follow_it(now):
    _insure(3, ends_in_days=10, now=now)
    _insure(3, ends_in_days=-3, now=now)
    savepoint = db.session.begin_nested()
    few = _batches(now, batch=3)
    savepoint.rollback()
    _insure(30, ends_in_days=10, now=now)
    _insure(30, ends_in_days=-3, now=now)
    many = _batches(now, batch=3)
    assert [n for n, _ in many[:2]] == [n for n, _ in few[:2]]  # the same first two batches
    assert len(many) == 23  # 66 providers, 3 at a time, then the empty last batch


def test_only_current_covers_of_approved_providers_enter_a_batch(now):
    covered = make_provider()
    _insure(1, ends_in_days=-400, now=now, provider=covered)  # an old cover, then a gap
    _insure(1, ends_in_days=200, now=now, provider=covered)  # covered now, nothing due
    _insure(2, ends_in_days=-3, now=now, approved=False)  # lapsed, but not approved
    _insure(1, ends_in_days=-3, now=now)  # the one provider with something due
    runs = _batches(now, batch=1)
    assert [(c["ending"], c["lapsed"]) for _, c in runs] == [(0, 1), (0, 0)]


def test_a_cover_fixed_by_the_weekly_check_closes_the_lapse_it_had_caused(now):
    from console import events
    from insurance.models import InsuranceCover
    from restrictions.models import RestrictionProposal
    from restrictions.workflow import ProposalStatus

    _insure(1, ends_in_days=100, now=now)
    row = db.session.scalar(sa.select(InsuranceCover))
    row.ends_on = paris_today(now) - timedelta(days=3)  # wrong, behind the console's back
    db.session.flush()
    insurance_sweep.sweep_policies(today=paris_today(now), now=now)
    proposal = db.session.scalar(sa.select(RestrictionProposal))
    assert proposal.status == ProposalStatus.OPEN
    kinds = (events.INSURANCE_LAPSED, events.INSURANCE_RESTORED)
    assert events.latest_of(kinds) == {row.provider_id: events.INSURANCE_LAPSED}
    fixed = [insurance_sweep.reconcile_cover(paris_today(now) + timedelta(days=d), now=now) for d in range(7)]
    assert sum(run["fixed"] for run in fixed) == 1
    assert proposal.status == ProposalStatus.DISMISSED  # closed as moot, nobody decided
    assert events.latest_of(kinds) == {row.provider_id: events.INSURANCE_RESTORED}


def test_a_batch_looks_through_a_bounded_span_of_provider_ids(now, monkeypatch):
    _insure(5, ends_in_days=10, now=now)
    first = db.session.scalar(sa.select(sa.func.min(Provider.id)))
    monkeypatch.setattr(insurance_sweep, "SWEEP_SPAN", 2)
    sweep = insurance_sweep.start_sweep(today=paris_today(now), now=now)
    sweep.resume_after = first - 1  # as if the providers before these had been swept
    spans = []
    while sweep.resume_after is not None:
        before = sweep.counts.get("reminders", 0)
        insurance_sweep.sweep_batch(sweep, now=now, batch=1000)
        spans.append(sweep.counts["reminders"] - before)
    assert spans == [2, 2, 1]  # two ids at a time, however large the batch may be
