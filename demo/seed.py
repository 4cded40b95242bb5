"""Deterministic, realistic French demo data for the marketplace (`flask --app wsgi demo seed`).

Three scales: `small` (the `make demo` database: 300 providers, 2,000 clients, 8,000 bookings,
3,000 reviews), `large` (the benchmark: 50,000 / 500,000 / 2,000,000 / 1,000,000) and `xlarge`
(ten times large, to show that costs do not grow with the data).

The same `--seed` gives the same records on the same day (dates are relative to today, midnight
UTC). Faker (`fr_FR`) only fills pools of names, streets and companies once; rows combine those
pools with one `random.Random`, so two million bookings take seconds of Python, not hours.
Providers, clients, bookings and reviews are inserted in bulk (PostgreSQL `COPY`, `executemany`
elsewhere) with explicit ids; sequences are reset afterwards. So are the providers' RC Pro
policies (`policies.py`: valid, expiring, expired, renewals pending or rejected, applicants'
certificates). A few records go through the services on purpose: open restriction proposals (so
the managers' queue is populated and audited), a few reviews in which a client typed a card number
(redacted and audited), and, last, one run of the daily insurance sweep, which sends the reminders
due today and opens the insurance proposals of the providers whose cover lapsed, as the job would.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta

import sqlalchemy as sa

from console.db import db, utcnow
from demo.generator import (
    BIG_SCALES,
    DEFAULT_SEED,
    SCALES,
    Echo,
    _Generator,
)
from demo.loader import (
    _Loader,
    delete_marketplace_data,
)
from demo.macros import seed_macros
from demo.policies import _PolicyGenerator
from demo.reference import (
    CARD_REVIEW_TEXTS,
    PROPOSALS,
    TERMS_VERSIONS,
)
from demo.staff import DEMO_ACTOR
from demo.values import card_number
from demo.vetting import _VettingGenerator
from marketplace.models import Booking, Client, Provider
from reviews.models import Review


@dataclass
class SeedReport:
    scale: str
    seed: int
    counts: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    total_seconds: float = 0.0


def provider_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Provider)) or 0


def seed(
    *, scale: str = "small", seed: int = DEFAULT_SEED, reset: bool = False, echo: Echo = print
) -> SeedReport | None:
    """Seed the marketplace; None (and a message) if providers exist and `reset` is not given."""
    sizes = SCALES[scale]
    existing = provider_count()
    if existing and not reset:
        echo(f"Marketplace data already present ({existing:,} providers): use --reset to replace it.")
        return None
    report = SeedReport(scale=scale, seed=seed)
    started = time.perf_counter()
    echo(f"Seeding the {scale} marketplace data set (seed {seed})…")
    if existing or reset:
        t0 = time.perf_counter()
        delete_marketplace_data(echo)
        report.seconds["reset"] = time.perf_counter() - t0

    anchor = utcnow().replace(hour=0, minute=0, second=0, microsecond=0)
    gen = _Generator(sizes, seed, anchor, echo)
    loader = _Loader(echo, rebuild_indexes=scale in BIG_SCALES)
    now = utcnow()
    policies = _load_records(gen, seed, loader, report, now=now, echo=echo)
    _load_support_and_vetting(gen, seed, scale, loader, report, now=now, echo=echo)
    _open_proposals_and_card_reviews(gen, report, policies, echo=echo)
    _run_sweeps(report, echo=echo)
    _announce_policy(report, now=now, echo=echo)
    _log_access(report, scale=scale, seed=seed, now=now, echo=echo)
    report.counts["macros"] = seed_macros(now=now)
    t0 = time.perf_counter()
    with _queue_down_in_one_line(echo):
        db.session.commit()
    report.seconds["commit"] = time.perf_counter() - t0
    if scale in BIG_SCALES:
        t0 = time.perf_counter()
        _analyze()
        report.seconds["analyze"] = time.perf_counter() - t0
        echo(f"  {'analyze':<12} {report.seconds['analyze']:>19.1f} s")
    report.total_seconds = time.perf_counter() - started
    echo(f"Seeded in {report.total_seconds:.1f} s.")
    return report


def _log_access(report: SeedReport, *, scale: str, seed: int, now, echo: Echo) -> None:
    """The demo staff's page views of the last two months, with their purposes."""
    from demo.access import seed_access_log

    t0 = time.perf_counter()
    report.counts["access_entries"] = entries = seed_access_log(now=now, seed=seed, scale=scale)
    report.seconds["access"] = seconds = time.perf_counter() - t0
    echo(f"  {'access log':<12} {entries:>10,} page views with a purpose {seconds:8.1f} s")


def _announce_policy(report: SeedReport, *, now, echo: Echo) -> None:
    """Two published policy versions, the latest significant and announced to every client."""
    from demo.announcements import seed_policy_versions

    t0 = time.perf_counter()
    with _queue_down_in_one_line(echo):
        messages = seed_policy_versions(now=now)
    report.seconds["policy"] = seconds = time.perf_counter() - t0
    echo(f"  {'policy':<12} {messages:>10,} announcement e-mails {seconds:8.1f} s")


def _seed_cancellation_terms(connection, *, now) -> dict[str, int]:
    """The cancellation-terms versions the bookings name (once): {label: id}. The older ones
    charged 30 % after the free period; since 2026-03, 50 %."""
    from datetime import UTC, datetime

    from policy.models import CancellationTerms

    table = CancellationTerms.__table__
    known = dict(connection.execute(sa.select(table.c.label, table.c.id)).all())
    for label, since in TERMS_VERSIONS:
        if label in known:
            continue
        effective = datetime(since.year, since.month, since.day, tzinfo=UTC)
        late = 50 if label >= "2026-03" else 30
        connection.execute(
            table.insert().values(
                label=label, effective_at=effective, published_at=effective - timedelta(days=14),
                fee_tiers=[{"notice_hours": 24, "percent": 0}, {"notice_hours": 0, "percent": late}],
                no_show_percent=100,
                summary=f"Gratuit jusqu'à 24 h avant, {late} % ensuite, 100 % sans annulation.",
                created_at=now,
            )
        )  # fmt: skip
    return dict(connection.execute(sa.select(table.c.label, table.c.id)).all())


def _next_id(connection, model) -> int:
    return (connection.scalar(sa.select(sa.func.max(model.id))) or 0) + 1


def _load_records(gen: _Generator, seed: int, loader: _Loader, report: SeedReport, *, now, echo: Echo):
    """Bulk-load providers, clients, bookings, reviews and RC Pro policies; return the policy generator."""
    from console.business_time import paris_today
    from insurance.models import InsurancePolicy

    sizes, connection = gen.scale, loader.connection
    gen.first_provider, gen.first_client = _next_id(connection, Provider), _next_id(connection, Client)
    gen.terms_ids = _seed_cancellation_terms(connection, now=now)
    policies = _PolicyGenerator(
        gen, seed, today=paris_today(now), now=now, officers=_vetting_officer_ids(), actor=DEMO_ACTOR
    )
    steps = (
        ("providers", Provider, gen.providers, gen.PROVIDER_COLUMNS, lambda: sizes.providers),
        ("clients", Client, gen.clients, gen.CLIENT_COLUMNS, lambda: sizes.clients),
        ("bookings", Booking, gen.bookings, gen.BOOKING_COLUMNS, lambda: sizes.bookings),
        ("reviews", Review, gen.reviews, gen.REVIEW_COLUMNS, gen.choose_reviews),
        ("policies", InsurancePolicy, policies.rows, policies.COLUMNS, policies.plan),
    )
    for name, model, rows, columns, total in steps:
        t0 = time.perf_counter()
        first = {Provider: gen.first_provider, Client: gen.first_client}.get(model) or _next_id(
            connection, model
        )
        expected = total()  # for reviews: chooses the reviewed bookings, before generating rows
        count = loader.load(model.__table__, columns, rows(first), expected)
        loader.reset_sequence(model.__table__)
        report.counts[name] = count
        report.seconds[name] = time.perf_counter() - t0
        echo(f"  {name:<12} {count:>10,} rows {report.seconds[name]:8.1f} s")
    return policies


def _load_support_and_vetting(
    gen: _Generator, seed: int, scale: str, loader: _Loader, report: SeedReport, *, now, echo: Echo
) -> None:
    """Complaints, disputes and review flags, then every provider's vetting cases."""
    from demo import complaints

    report.counts.update(complaints.load(gen, seed, scale, loader, echo))
    t0 = time.perf_counter()
    cases = _load_vetting(gen, seed, loader, lambda model: _next_id(loader.connection, model), now=now)
    report.counts["vetting_cases"] = cases.count
    report.seconds["vetting"] = seconds = time.perf_counter() - t0
    echo(f"  {'vetting':<12} {cases.count:>10,} cases ({cases.rows:,} rows in all) {seconds:8.1f} s")
    mix = ", ".join(f"{kind} {count:,}" for kind, count in sorted(cases.kinds.items()))
    echo(f"  {'':<12} {'':>10} {mix}")


def _open_proposals_and_card_reviews(gen: _Generator, report: SeedReport, policies, *, echo: Echo) -> None:
    """Through the services: reviews with a typed card number (redacted) and open proposals."""
    t0 = time.perf_counter()
    card_reviews = _card_reviews(gen)
    report.counts["reviews"] += card_reviews
    report.counts["proposals"] = _open_proposals(gen)
    report.seconds["services"] = seconds = time.perf_counter() - t0
    echo(f"  {'proposals':<12} {report.counts['proposals']:>10,} open (through the service)  {seconds:.1f} s")
    echo(f"  {'':<12} {card_reviews:>10,} reviews in which a client typed a card number (redacted, audited)")
    mix = ", ".join(f"{kind.replace('_', ' ')} {count:,}" for kind, count in sorted(policies.kinds.items()))
    echo(f"  {'':<12} {'':>10} providers by insurance situation: {mix}")


def _run_sweeps(report: SeedReport, *, echo: Echo) -> None:
    """The daily insurance and vetting sweeps, once, as their jobs would run them."""
    t0 = time.perf_counter()
    sweep = _sweep(report)
    report.seconds["sweep"] = seconds = time.perf_counter() - t0
    counts = ", ".join(f"{key} {value:,}" for key, value in sweep.counts.items())
    echo(f"  {'sweep':<12} {counts}  {seconds:.1f} s (insurance sweep for {sweep.day:%d/%m/%Y})")
    t0 = time.perf_counter()
    vetting_sweep = _vetting_sweep()
    counts = ", ".join(f"{key.replace('_', ' ')} {value:,}" for key, value in vetting_sweep.counts.items())
    echo(f"  {'':<12} {counts}  {time.perf_counter() - t0:.1f} s (vetting sweep)")


def _analyze() -> None:
    """Fresh planner statistics. On PostgreSQL VACUUM ANALYZE: it also sets the visibility map
    (index-only scans) and flushes GIN pending lists, without which the planner prices the trigram
    indexes too high and searches fall back to sequential scans."""
    with db.engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("VACUUM ANALYZE")
        else:
            connection.exec_driver_sql("ANALYZE")
            connection.commit()


@contextlib.contextmanager
def _queue_down_in_one_line(echo: Echo) -> Iterator[None]:
    """`make demo` seeds before it starts Redis, so the sweep's after-commit enqueue of the outbox
    delivery fails and `console.db` logs a traceback. Say it in one line instead: the reminders are
    committed in the outbox and the worker's periodic delivery (every minute) sends them."""
    from console.domain import QueueUnavailable

    dropped = []

    def queue_down(record: logging.LogRecord) -> bool:
        if (record.exc_info and isinstance(record.exc_info[1], QueueUnavailable)) or any(
            isinstance(arg, QueueUnavailable) for arg in record.args or ()
        ):
            dropped.append(record)
            return False
        return True

    logger = logging.getLogger("console.db")
    logger.addFilter(queue_down)
    try:
        yield
    finally:
        logger.removeFilter(queue_down)
    if dropped:
        echo(
            f"  {'':<12} {'':>10} job queue not running: the reminders wait in the outbox for the "
            "worker's periodic delivery"
        )


@dataclass
class _VettingLoad:
    count: int
    rows: int
    kinds: dict[str, int]


def _load_vetting(gen: _Generator, seed: int, loader: _Loader, next_id, *, now) -> _VettingLoad:
    """Every provider's vetting cases, checks, references and contact attempts, bulk loaded."""
    from vetting.models import Reference, ReferenceAttempt, VettingCase, VettingCheck

    vetting = _VettingGenerator(gen, seed, now=now, officers=_vetting_officer_ids(), actor=DEMO_ACTOR)
    tables = (
        ("case", VettingCase, vetting.cases, vetting.CASE_COLUMNS),
        ("check", VettingCheck, vetting.checks, vetting.CHECK_COLUMNS),
        ("reference", Reference, vetting.references, vetting.REFERENCE_COLUMNS),
        ("attempt", ReferenceAttempt, vetting.attempts, vetting.ATTEMPT_COLUMNS),
    )
    count = vetting.plan({key: next_id(model) for key, model, _, _ in tables})
    rows = 0
    for _, model, planned, columns in tables:
        rows += loader.load(model.__table__, columns, iter(planned), len(planned))
        loader.reset_sequence(model.__table__)
    return _VettingLoad(count, rows, dict(vetting.kinds))


def _vetting_sweep():
    """The daily vetting sweep, once, through the service (overdue re-vetting proposals...)."""
    from vetting import sweep

    return sweep.sweep_cases(now=utcnow())


def _vetting_officer_ids() -> list[int]:
    """Who verified the seeded certificates and worked the seeded cases: the active vetting officers."""
    from console.auth.services import active_staff
    from console.domain import Role

    return [staff.id for staff in active_staff(Role.VETTING_OFFICER)]


def _sweep(report: SeedReport):
    """The daily insurance sweep, once, through the real service (as the 06:00 job would run it)."""
    from console.business_time import paris_today
    from insurance import services
    from insurance import sweep as insurance_sweep

    now = utcnow()
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":  # planner statistics for the freshly loaded policies
        connection.exec_driver_sql("ANALYZE insurance_policy")
    services.refresh_cover()  # the policies were bulk-loaded: their cover rows, as verification writes them
    sweep = insurance_sweep.sweep_policies(today=paris_today(now), now=now)
    for key, value in sweep.counts.items():
        report.counts[f"sweep_{key}"] = value
    while insurance_sweep.write_reminders(now=now):  # the job the sweep enqueues, run here batch by batch
        pass
    return sweep


def _card_reviews(gen: _Generator) -> int:
    """A few reviews in which the client typed a card number, through the service (redacted)."""
    from reviews import services

    rng = gen.rng
    candidates = gen.unreviewed_recent[: len(CARD_REVIEW_TEXTS) * 3]
    chosen = rng.sample(candidates, min(len(CARD_REVIEW_TEXTS), len(candidates)))
    now = utcnow()
    cards = (
        card_number(rng, "497010"),
        card_number(rng, "5" + str(rng.randint(1, 5))),
        card_number(rng, "4"),
    )
    for (rating, template), booking_id, card in zip(CARD_REVIEW_TEXTS, chosen, cards, strict=False):
        booking = db.session.get(Booking, booking_id)
        ended = booking.scheduled_start + timedelta(minutes=booking.duration_minutes)
        submitted = min(now, max(ended + timedelta(hours=2), now - timedelta(hours=rng.randint(2, 40))))
        services.record_review(
            booking=booking, rating=rating, text=template.format(card=card), actor=DEMO_ACTOR, now=submitted
        )
    return len(chosen)


def _open_proposals(gen: _Generator) -> int:
    """Open restriction proposals from several sources, some overdue, through the service."""
    from restrictions import services
    from restrictions.models import RestrictionProposal

    rng = gen.rng
    now = utcnow()
    approved = gen.approved
    poor = [pid for pid in approved if gen.provider_poor[pid - gen.first_provider]]
    used: set[int] = set()
    created = 0
    for reason_code, age, evidence in PROPOSALS:
        pool = poor if reason_code == "low_rating" and poor else approved
        pid = rng.choice(pool)
        while pid in used and len(used) < len(approved):
            pid = rng.choice(approved)
        used.add(pid)
        provider = db.session.get(Provider, pid)
        opened = now - age
        details = {
            "client": f"CLI-{rng.randrange(gen.first_client, gen.first_client + gen.scale.clients):07d}",
            "date": (opened - timedelta(days=rng.randint(1, 20))).strftime("%d/%m/%Y"),
            "n": rng.randint(100_000, 999_999),
            "reviews": "",
        }
        if reason_code == "low_rating":
            ids = db.session.scalars(
                sa.select(Review.id)
                .where(Review.provider_id == pid)
                .order_by(Review.submitted_at.desc())
                .limit(10)
            ).all()
            details["reviews"] = (
                ", ".join(f"REV-{i:07d}" for i in ids[:5]) or "Moyenne des 10 derniers avis < 3,5"
            )
        proposal = services.propose_restriction(
            provider,
            reason_code=reason_code,
            actor=DEMO_ACTOR,
            now=opened,
            evidence=[evidence.format(**details)],
        )
        created += isinstance(proposal, RestrictionProposal)
    return created
