"""`flask --app wsgi demo seed`: the small, deterministic marketplace data set."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date, timedelta

import phonenumbers
import pytest
import sqlalchemy as sa
from stdnum.fr import siret as stdnum_siret

from console.audit.models import AuditEvent
from console.db import db, utcnow
from console.notifications.models import Notification
from console.privacy import REDACTION_ACTION
from console.redaction import find_card_numbers
from console.validation import POSTCODE_RE
from demo.generator import SCALES
from demo.policies import one_year_end, one_year_start, policy_number
from demo.values import card_number, siret_for
from insurance import services as insurance
from insurance import workflow as wf
from insurance.models import InsurancePolicy, InsuranceSweep, PolicyReminder
from insurance.services import SWEEP_ACTOR
from insurance.workflow import InsuranceStatus, Verification
from marketplace.models import Booking, BookingStatus, Client, Provider, VettingStatus
from restrictions.models import RestrictionProposal
from restrictions.workflow import ProposalStatus, Source
from reviews.models import Review
from vetting.models import Reference, VettingCase
from vetting.sweep import SWEEP_ACTOR as VETTING_SWEEP_ACTOR
from vetting.workflow import ACTIVE, CaseStatus, CheckStatus

SEED = ["demo", "seed", "--scale", "small", "--seed", "7"]


def _count(model, *where) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def _first_provider_name() -> str:
    return db.session.scalar(sa.select(Provider.legal_name).order_by(Provider.id).limit(1))


@pytest.mark.committed
def test_small_seed_is_realistic_idempotent_and_deterministic(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=SEED)
    assert result.exit_code == 0, result.output
    assert "manager@demo.ekoklean.fr" in result.output

    small = SCALES["small"]
    assert _count(Provider) == small.providers
    assert _count(Client) == small.clients
    assert _count(Booking) == small.bookings
    assert _count(Review) == small.reviews

    providers = db.session.scalars(sa.select(Provider)).all()
    assert all(stdnum_siret.is_valid(p.siret) for p in providers)
    assert len({p.siret for p in providers}) == len(providers)
    assert all(p.email == p.email.lower() and "@" in p.email for p in providers)
    assert all(POSTCODE_RE.match(p.postcode) for p in providers)
    assert all(phonenumbers.is_valid_number(phonenumbers.parse(p.phone)) for p in providers)
    statuses = [p.vetting_status for p in providers]
    assert statuses.count(VettingStatus.APPROVED) > 0.8 * len(providers)
    assert 0.05 * len(providers) < statuses.count(VettingStatus.NOT_VETTED) < 0.16 * len(providers)
    assert 0 < statuses.count(VettingStatus.REJECTED) < 0.07 * len(providers)

    # Bookings go to approved providers only; the status mix is about 70/20/10.
    unvetted = _count(
        Booking, Booking.provider_id.in_(sa.select(Provider.id).where(Provider.vetting_status != "approved"))
    )
    assert unvetted == 0
    completed = _count(Booking, Booking.status == BookingStatus.COMPLETED)
    scheduled = _count(Booking, Booking.status == BookingStatus.SCHEDULED)
    assert 0.62 < completed / small.bookings < 0.78 and 0.12 < scheduled / small.bookings < 0.28
    prices = db.session.execute(
        sa.select(sa.func.min(Booking.price_cents), sa.func.max(Booking.price_cents))
    ).one()
    assert prices[0] >= 2_500 and prices[1] <= 25_000
    assert _count(Booking, Booking.scheduled_start > utcnow(), Booking.status == BookingStatus.COMPLETED) == 0
    assert _count(Booking, Booking.created_at > Booking.scheduled_start) == 0
    before_joining = sa.select(sa.func.count()).select_from(Booking).join(Provider)
    before_joining = before_joining.where(Provider.joined_on > sa.func.date(Booking.created_at))
    assert db.session.scalar(before_joining) == 0
    before_signup = sa.select(sa.func.count()).select_from(Booking).join(Client)
    assert db.session.scalar(before_signup.where(Client.created_at > Booking.created_at)) == 0

    # Reviews: completed bookings only, one each; no card number stored anywhere.
    not_completed = _count(
        Review, Review.booking_id.in_(sa.select(Booking.id).where(Booking.status != BookingStatus.COMPLETED))
    )
    assert not_completed == 0
    assert _count(Review) == len(set(db.session.scalars(sa.select(Review.booking_id))))
    texts = db.session.scalars(sa.select(Review.text)).all()
    assert not any(find_card_numbers(text) for text in texts)
    masked = [text for text in texts if "[card \u2022\u2022\u2022\u2022" in text]
    assert len(masked) == 3
    assert _count(AuditEvent, AuditEvent.action == REDACTION_ACTION, AuditEvent.object_type == "Review") == 3

    # The managers' queue: open proposals from several sources, some overdue, opened by the seed
    # (the insurance ones by the seed's run of the insurance sweep).
    proposals = db.session.scalars(
        sa.select(RestrictionProposal).where(RestrictionProposal.status == ProposalStatus.OPEN)
    ).all()
    assert len([p for p in proposals if p.created_by == "system:demo-seed"]) == 5
    assert len({p.source for p in proposals}) >= 4
    assert {"system:demo-seed", SWEEP_ACTOR} <= {p.created_by for p in proposals}
    assert {p.created_by for p in proposals} <= {"system:demo-seed", SWEEP_ACTOR, VETTING_SWEEP_ACTOR}
    now = utcnow()
    assert any(p.due_at < now for p in proposals) and any(p.due_at > now for p in proposals)
    assert _count(AuditEvent, AuditEvent.action == "restriction.propose") == len(proposals)

    # A second run keeps the data (and still succeeds, so that `make demo` can run again).
    first_name = _first_provider_name()
    db.session.remove()
    again = runner.invoke(args=SEED)
    assert again.exit_code == 0, again.output
    assert "(exists)" in again.output and "use --reset to replace" in again.output
    assert _count(Provider) == small.providers

    # --reset replaces it; the same seed gives the same data, another seed different data.
    db.session.remove()
    reset = runner.invoke(args=[*SEED, "--reset"])
    assert reset.exit_code == 0, reset.output
    assert _count(Provider) == small.providers and _count(Review) == small.reviews
    assert _first_provider_name() == first_name
    assert db.session.scalar(sa.select(sa.func.min(Provider.id))) == 1  # identities restarted
    db.session.remove()
    other = runner.invoke(args=["demo", "seed", "--seed", "8", "--reset"])
    assert other.exit_code == 0, other.output
    assert _first_provider_name() != first_name


@pytest.mark.committed
def test_small_seed_insures_providers_and_runs_the_insurance_sweep(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=SEED)
    assert result.exit_code == 0, result.output
    assert "policies" in result.output and "sweep" in result.output

    providers = {p.id: p for p in db.session.scalars(sa.select(Provider))}
    policies = db.session.scalars(sa.select(InsurancePolicy)).all()
    approved = [pid for pid, p in providers.items() if p.vetting_status == VettingStatus.APPROVED]
    assert len(policies) > 2 * len(approved)

    # Each policy is the provider's own: same SIRET and legal name, activities among its services.
    for policy in policies:
        provider = providers[policy.provider_id]
        assert policy.insured_siret == provider.siret
        assert policy.insured_name == provider.legal_name
        assert policy.activities and set(policy.activities) <= set(provider.services)
        assert re.fullmatch(r"RCP-20\d\d-\d{7}", policy.policy_number)
        assert 15_000 <= policy.deductible_cents <= 100_000 and policy.deductible_cents % 100 == 0
        assert policy.currency == "EUR" and policy.certificate_id is None
        assert policy.ends_on == one_year_end(policy.starts_on)
        assert (policy.verification == Verification.REJECTED) == bool(policy.rejection_reason)
        assert (policy.verification == Verification.PENDING) == (policy.verified_at is None)
    assert len({p.policy_number for p in policies}) == len(policies)
    coverages = [p.coverage_per_claim_cents for p in policies]
    assert sum(150_000_000 <= c <= 300_000_000 for c in coverages) > 0.85 * len(coverages)
    minimum = insurance.min_coverage_cents()
    low = [p for p in policies if p.coverage_per_claim_cents < minimum]
    assert low and all(p.verification != Verification.VERIFIED for p in low)  # only to be flagged
    assert {p.insurer for p in policies} >= {"AXA France IARD", "MAAF Assurances", "Hiscox"}

    # The mix, by the status the console derives for today (the sweep's day).
    sweep = db.session.scalars(sa.select(InsuranceSweep)).one()
    today = sweep.day
    periods = insurance.periods_by_provider()
    status = {pid: wf.status_on(today, [p for _, p in periods.get(pid, [])]) for pid in providers}
    mix = Counter(status[pid] for pid in approved)
    assert 0.8 < mix[InsuranceStatus.VALID] / len(approved) < 0.9
    assert 0.05 < mix[InsuranceStatus.EXPIRING] / len(approved) < 0.15
    assert 0.03 < mix[InsuranceStatus.EXPIRED] / len(approved) < 0.07
    assert mix[InsuranceStatus.NONE] == 0
    assert all(status[pid] == InsuranceStatus.NONE for pid, p in providers.items() if pid not in approved)
    pending = [p for p in policies if p.verification == Verification.PENDING]
    assert any(p.provider_id in approved for p in pending)  # renewals waiting for an officer
    assert any(providers[p.provider_id].vetting_status == VettingStatus.NOT_VETTED for p in pending)
    assert any(p.verification == Verification.REJECTED for p in policies)
    verified = {(p.provider_id, p.ends_on) for p in policies if p.verification == Verification.VERIFIED}
    successors = [
        p
        for p in policies
        if p.verification == Verification.VERIFIED
        and (p.provider_id, p.starts_on - timedelta(days=1)) in verified
    ]
    assert len({p.provider_id for p in successors}) > 0.5 * len(approved)  # successive cover

    # The seed ran the daily sweep through the service: its counts are recorded, the reminders
    # are in the outbox and the lapsed providers have an open insurance proposal.
    assert sweep.counts["reminders"] == _count(PolicyReminder) > 0
    assert _count(Notification, Notification.related_type == "InsurancePolicy") == sweep.counts["reminders"]
    lapsed = {pid for pid in approved if status[pid] == InsuranceStatus.EXPIRED}
    opened = set(
        db.session.scalars(
            sa.select(RestrictionProposal.provider_id).where(
                RestrictionProposal.source == Source.INSURANCE,
                RestrictionProposal.status == ProposalStatus.OPEN,
            )
        )
    )
    assert opened == lapsed and sweep.counts["proposals"] == len(lapsed)
    assert _count(AuditEvent, AuditEvent.action == "insurance.sweep") == 1

    # --reset replaces policies, reminders, sweeps and the reminders' messages.
    db.session.remove()
    reset = runner.invoke(args=[*SEED, "--reset"])
    assert reset.exit_code == 0, reset.output
    assert _count(InsurancePolicy) == len(policies) and _count(InsuranceSweep) == 1
    assert _count(Notification, Notification.related_type == "InsurancePolicy") == _count(PolicyReminder)
    assert db.session.scalar(sa.select(sa.func.min(InsurancePolicy.id))) == 1


def test_generated_identifiers_are_valid():
    sirets = {siret_for(n) for n in range(1, 60_001)}
    assert len(sirets) == 60_000 and all(stdnum_siret.is_valid(s) for s in sirets)
    import random

    number = card_number(random.Random(1), "497010")
    assert re.fullmatch(r"4970 10\d\d( \d{4}){2}", number)
    assert find_card_numbers(f"j'ai payé avec {number} hier")

    numbers = {policy_number(n, date(2026, 1, 1)) for n in range(1, 200_001)}
    assert len(numbers) == 200_000 and all(re.fullmatch(r"RCP-2026-\d{7}", n) for n in numbers)
    assert one_year_end(date(2026, 3, 1)) == date(2027, 2, 28)
    assert one_year_end(date(2024, 2, 29)) == date(2025, 2, 28)
    assert one_year_end(date(2023, 3, 1)) == date(2024, 2, 29)
    assert one_year_start(date(2027, 2, 28)) == date(2026, 3, 1)


@pytest.mark.committed
def test_small_seed_gives_every_provider_its_vetting_cases(app):
    result = app.test_cli_runner().invoke(args=SEED)
    assert result.exit_code == 0, result.output
    providers = {p.id: p for p in db.session.scalars(sa.select(Provider))}
    cases = db.session.scalars(sa.select(VettingCase)).all()
    by_provider: dict[int, list[VettingCase]] = {}
    for case in cases:
        by_provider.setdefault(case.provider_id, []).append(case)
    assert set(by_provider) == set(providers)
    statuses = Counter()
    for pid, provider in providers.items():
        decided = [c for c in by_provider[pid] if c.status in (CaseStatus.APPROVED, CaseStatus.REJECTED)]
        active = [c for c in by_provider[pid] if c.status in ACTIVE]
        assert len(active) <= 1
        if provider.vetting_status == VettingStatus.APPROVED:
            (approval,) = decided
            assert (
                approval.status == CaseStatus.APPROVED
                and approval.revetting_due_on > approval.decided_at.date()
            )
            completers = {c.completed_by_id for c in approval.checks}
            assert all(c.status == CheckStatus.PASSED for c in approval.checks) and len(completers) == 1
            assert approval.decided_by_id not in completers  # four eyes
            positive = [r for r in approval.references if r.status.value == "verified_positive"]
            assert len(positive) >= 2
        elif provider.vetting_status == VettingStatus.REJECTED:
            assert [c.status for c in decided] == [CaseStatus.REJECTED] and decided[0].decision_note
        else:
            assert not decided and len(active) == 1
        statuses.update(c.status.value for c in active)
    assert {"open", "in_review", "awaiting_provider", "ready_for_decision"} <= set(statuses)
    assert _count(Reference) > len(providers)


def _foreign_keys(table: str) -> list[tuple]:
    keys = sa.inspect(db.session.connection()).get_foreign_keys(table)
    return sorted((k["name"], tuple(k["constrained_columns"]), k["referred_table"]) for k in keys)


def test_a_bulk_load_keeps_the_foreign_keys_and_checks_every_row_against_them(app):
    """The large seeds drop a table's indexes and foreign keys for the COPY and put them back: the
    keys come back as they were, and a row pointing nowhere fails the load."""
    from demo.generator import _Generator
    from demo.loader import _Loader
    from marketplace.models import Booking
    from tests.factories import make_client, make_provider, make_terms

    provider, client, terms = make_provider(), make_client(), make_terms()
    db.session.flush()
    now = utcnow()

    def booking(booking_id: int, client_id: int) -> tuple:
        start = now + timedelta(days=3)
        return (booking_id, client_id, provider.id, "regular_cleaning", start, 120, 6_000, "EUR",
                "scheduled", terms.id, now)  # fmt: skip

    before = _foreign_keys("booking")
    loader = _Loader(lambda line: None, rebuild_indexes=True)
    assert loader.load(Booking.__table__, _Generator.BOOKING_COLUMNS, [booking(900_001, client.id)], 1) == 1
    assert _foreign_keys("booking") == before and len(before) >= 3
    assert db.session.get(Booking, 900_001).client_id == client.id
    with pytest.raises(sa.exc.IntegrityError):  # the whole seed fails: nothing of it is committed
        loader.load(Booking.__table__, _Generator.BOOKING_COLUMNS, [booking(900_002, 987_654_321)], 1)
