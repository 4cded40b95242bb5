"""Complaints with their status history and SLA clock, disputes, and flagged reviews for the demo.

Bulk loaded like the marketplace tables. Every complaint is about a client who had a completed
booking (70 % name it, so the provider is known); most are closed, a few hundred (a few thousand
at large scale) are open, recent, and spread over the support queues: new, at risk, breached,
waiting. The SLA columns are computed by `disputes.complaints.workflow.sla` from the same status history
that is loaded, so the queues and the complaint pages agree. Safety complaints loaded this way
open no restriction proposal (the seed's proposals come from `_open_proposals`).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from console.db import db
from disputes.complaints import workflow as wf
from disputes.complaints.workflow import Category, Channel, Severity, Status, TimerState
from disputes.disputes import workflow as dispute_wf
from reviews import workflow as review_wf

CATEGORY_WEIGHTS = {
    Category.QUALITY: 25,
    Category.LATENESS: 15,
    Category.BILLING: 14,
    Category.QUESTION: 12,
    Category.FEEDBACK: 8,
    Category.DAMAGE: 10,
    Category.NO_SHOW: 8,
    Category.SAFETY: 2,
    Category.INJURY: 1,
    Category.THEFT: 3,
    Category.HARASSMENT: 2,
}
CHANNEL_WEIGHTS = {Channel.PHONE: 30, Channel.EMAIL: 30, Channel.APP: 25, Channel.CHAT: 15}
SUBJECTS = {
    Category.QUALITY: ("Ménage incomplet", "Salle de bain non nettoyée", "Travail bâclé"),
    Category.LATENESS: ("Arrivée avec une heure de retard", "Prestataire en retard"),
    Category.BILLING: ("Double prélèvement", "Montant facturé incorrect", "Frais d'annulation contestés"),
    Category.QUESTION: ("Comment modifier ma réservation ?", "Question sur la facture"),
    Category.FEEDBACK: ("Suggestion pour l'application", "Merci pour la prestation"),
    Category.DAMAGE: ("Vase cassé", "Parquet rayé", "Aspirateur endommagé"),
    Category.NO_SHOW: ("Personne n'est venu", "Prestataire absent"),
    Category.SAFETY: ("Produits dangereux laissés à portée des enfants", "Porte laissée ouverte"),
    Category.INJURY: ("Chute pendant la prestation",),
    Category.THEFT: ("Bijoux disparus après le passage", "Argent liquide manquant"),
    Category.HARASSMENT: ("Propos déplacés du prestataire", "Messages insistants"),
}
DESCRIPTION = "Le client signale : {subject}. Réservation du {day}. Merci de rappeler le client."
# Shares of complaints: open (created in the last five days), resolved in the last week (not yet
# auto-closed), with a dispute. The small demo gets more of the first and last, so every queue shows.
SHARES = {"xlarge": (0.035, 0.015, 0.02), "large": (0.035, 0.015, 0.02), "small": (0.15, 0.05, 0.06)}
COUNTS = {"xlarge": 1_000_000, "large": 100_000}
FLAG_SHARE = 0.02  # of the pending reviews
SEED_ACTOR = "system:demo-seed"

COMPLAINT_COLUMNS = (
    "id",
    "client_id",
    "booking_id",
    "provider_id",
    "channel",
    "category",
    "severity",
    "status",
    "subject",
    "description",
    "assignee_id",
    "created_at",
    "created_by",
    "status_changed_at",
    "first_response_at",
    "resolved_at",
    "closed_at",
    "first_response_due_at",
    "first_response_at_risk_at",
    "first_response_met",
    "resolution_due_at",
    "resolution_at_risk_at",
    "resolution_met",
    "next_breach_at",
    "version",
)
HISTORY_COLUMNS = ("complaint_id", "status", "at", "actor")


def complaint_count(scale_name: str) -> int:
    return COUNTS.get(scale_name, 400)


PINNED_PER_STATE = 2


class ComplaintGenerator:
    """Complaint rows and their status history, from the marketplace generator's bookings."""

    def __init__(self, gen, seed: int, *, scale_name: str, now: datetime, agents: list[int]):
        self.gen, self.now, self.agents = gen, now, agents
        self.total = complaint_count(scale_name)
        self.open_share, self.resolved_share, self.dispute_share = SHARES[scale_name]
        self.rng = random.Random(seed * 7 + 6)
        self.history: list[tuple] = []
        self.with_booking: list[
            tuple[int, int, Status, Category]
        ] = []  # (complaint, booking, status, category)
        self.categories = list(CATEGORY_WEIGHTS)
        self.category_weights = list(CATEGORY_WEIGHTS.values())
        self.channels, self.channel_weights = list(CHANNEL_WEIGHTS), list(CHANNEL_WEIGHTS.values())

    def _ts(self, ts: float) -> datetime:
        return datetime.fromtimestamp(ts, UTC)

    def _lifecycle(
        self, created: datetime, kind: str
    ) -> tuple[list[tuple[datetime, Status]], datetime | None]:
        """A status history and the first response, for a closed, resolved or open complaint."""
        rng = self.rng
        history = [(created, Status.NEW), (created + timedelta(minutes=rng.randint(5, 90)), Status.TRIAGED)]
        started = history[-1][0] + timedelta(minutes=rng.randint(5, 240))
        first_response = created + timedelta(hours=min(rng.expovariate(1 / 4), 60))
        if kind == "open":
            stage = rng.random()
            latest = self.now - timedelta(minutes=5)
            if stage < 0.25:
                return history[:1], None
            if stage < 0.4:
                return (history if history[-1][0] < latest else history[:1]), None
            history.append((min(started, latest), Status.IN_PROGRESS))
            if stage > 0.75 and history[-1][0] < latest:
                waiting = Status.WAITING_ON_CLIENT if rng.random() < 0.6 else Status.WAITING_ON_PROVIDER
                history.append((history[-1][0] + (latest - history[-1][0]) * rng.random(), waiting))
            responded = first_response if first_response < latest and rng.random() < 0.6 else None
            return [(at, s) for at, s in sorted(history, key=lambda item: item[0]) if at <= latest], responded
        history.append((started, Status.IN_PROGRESS))
        if rng.random() < 0.2:
            wait = started + timedelta(hours=rng.uniform(1, 10))
            history += [
                (wait, Status.WAITING_ON_CLIENT),
                (wait + timedelta(hours=rng.uniform(2, 48)), Status.IN_PROGRESS),
            ]
        resolved = history[-1][0] + timedelta(hours=min(rng.expovariate(1 / 30), 400))
        if kind == "resolved":
            resolved = min(resolved, self.now - timedelta(hours=1))
        history.append((resolved, Status.RESOLVED))
        if kind == "closed":
            history.append((resolved + wf.AUTO_CLOSE_AFTER, Status.CLOSED))
        return history, min(first_response, resolved)

    def _created_in_state(self, severity: Severity, state: TimerState) -> datetime:
        """A creation time that puts an unanswered complaint's first response in `state` now,
        whatever the hour and day (business hours stop at night and at weekends)."""
        for minutes in range(15, 21 * 24 * 60, 15):
            created = self.now - timedelta(minutes=minutes)
            timer = wf.sla(
                severity, [(created, Status.NEW)], first_response_at=None, now=self.now
            ).first_response
            if timer.state == state:
                return created
        raise RuntimeError(f"no creation time gives a {severity} complaint the state {state}")

    def rows(self, first_id: int) -> Iterator[tuple]:
        gen, rng, now = self.gen, self.rng, self.now
        candidates = len(gen.review_booking)
        # The first few are new and unanswered, at risk or breached right now, so those queues are
        # never empty on a demo seeded at night or on a weekend.
        pinned = [TimerState.AT_RISK, TimerState.BREACHED] * PINNED_PER_STATE
        for n in range(self.total):
            cid = first_id + n
            i = rng.randrange(candidates)
            draw = rng.random()
            kind = (
                "open"
                if draw < self.open_share
                else "resolved"
                if draw < self.open_share + self.resolved_share
                else "closed"
            )
            served = gen.review_submitted[i]
            if kind == "open":
                created = now - timedelta(hours=rng.uniform(1, 120))
            elif kind == "resolved":
                created = now - timedelta(days=rng.uniform(2, 9))
            else:
                created = self._ts(
                    min(served + rng.uniform(0, 3 * 86_400), (now - timedelta(days=30)).timestamp())
                )
            category = rng.choices(self.categories, weights=self.category_weights)[0]
            named = rng.random() < 0.7 or category in wf.SAFETY_CATEGORIES or category == Category.DAMAGE
            booking_id = gen.review_booking[i] if named else None
            provider_id = gen.review_provider[i] if named else None
            severity = wf.default_severity(category)
            history, responded = self._lifecycle(created, kind)
            if n < len(pinned):
                created = self._created_in_state(severity, pinned[n])
                history, responded = [(created, Status.NEW)], None
            status = history[-1][1]
            clock = wf.sla(severity, history, first_response_at=responded, now=now)
            first, resolution = clock.first_response, clock.resolution
            subject = rng.choice(SUBJECTS[category])
            resolved_at = max((at for at, s in history if s == Status.RESOLVED), default=None)
            for at, entered in history:
                self.history.append((cid, entered.value, at, SEED_ACTOR))
            if booking_id is not None:
                self.with_booking.append((cid, booking_id, status, category))
            assignee = (
                rng.choice(self.agents) if self.agents and (kind != "open" or rng.random() < 0.6) else None
            )
            yield (
                cid,
                gen.review_client[i],
                booking_id,
                provider_id,
                rng.choices(self.channels, weights=self.channel_weights)[0].value,
                category.value,
                severity.value,
                status.value,
                subject,
                DESCRIPTION.format(subject=subject.lower(), day=self._ts(served).strftime("%d/%m/%Y")),
                assignee,
                created,
                SEED_ACTOR,
                history[-1][0],
                responded,
                resolved_at,
                history[-1][0] if status == Status.CLOSED else None,
                first.due_at,
                first.at_risk_at,
                first.met,
                resolution.due_at,
                resolution.at_risk_at,
                resolution.met,
                clock.next_breach_at,
                1,
            )

    def history_rows(self, first_id: int) -> Iterator[tuple]:
        yield from self.history


DISPUTE_COLUMNS = (
    "id",
    "complaint_id",
    "booking_id",
    "kind",
    "status",
    "amount_claimed_cents",
    "currency",
    "claim",
    "outcome",
    "amount_awarded_cents",
    "reasons",
    "decided_by_id",
    "decided_at",
    "proposed_outcome",
    "proposed_amount_cents",
    "proposed_reasons",
    "proposed_by_id",
    "proposed_at",
    "created_at",
    "created_by",
    "version",
)
DISPUTE_KINDS = {
    Category.DAMAGE: dispute_wf.DisputeKind.DAMAGE,
    Category.NO_SHOW: dispute_wf.DisputeKind.REFUND,
    Category.QUALITY: dispute_wf.DisputeKind.REFUND,
    Category.LATENESS: dispute_wf.DisputeKind.REFUND,
    Category.BILLING: dispute_wf.DisputeKind.CANCELLATION_FEE,
}


def dispute_rows(complaints: ComplaintGenerator, first_id: int, *, managers: list[int], agents: list[int]):
    """Disputes on some complaints that name a booking: decided when the complaint is over,
    open or waiting for a manager when it is still open. Refunds never exceed the price."""
    rng, now = random.Random(complaints.rng.random()), complaints.now
    chosen = [c for c in complaints.with_booking if c[3] in DISPUTE_KINDS]
    chosen = rng.sample(chosen, min(len(chosen), int(complaints.total * complaints.dispute_share)))
    prices: dict[int, int] = {}
    ids = [booking for _, booking, _, _ in chosen]
    for start in range(0, len(ids), 1000):
        prices.update(
            db.session.execute(
                sa.text("SELECT id, price_cents FROM booking WHERE id IN :ids").bindparams(
                    sa.bindparam("ids", expanding=True)
                ),
                {"ids": ids[start : start + 1000]},
            ).all()
        )
    for n, (complaint_id, booking_id, status, category) in enumerate(sorted(chosen)):
        kind = DISPUTE_KINDS[category]
        price = prices[booking_id]
        claimed = price if kind == dispute_wf.DisputeKind.REFUND else rng.randrange(30, 1_500) * 100
        decided = status in (Status.RESOLVED, Status.CLOSED) and managers
        awaiting = (
            not decided
            and claimed > dispute_wf.DEFAULT_MANAGER_THRESHOLD_CENTS
            and agents
            and rng.random() < 0.5
        )
        outcome = rng.choice(list(dispute_wf.Outcome)) if decided else None
        awarded = (
            {dispute_wf.Outcome.UPHELD: claimed, dispute_wf.Outcome.REJECTED: 0}.get(outcome, claimed // 2)
            if decided
            else None
        )
        proposed = awaiting or (decided and claimed > dispute_wf.DEFAULT_MANAGER_THRESHOLD_CENTS and agents)
        decider = rng.choice(managers) if decided else None
        proposer = rng.choice([a for a in agents if a != decider] or [None]) if proposed else None
        opened = (
            now - timedelta(days=rng.uniform(1, 8))
            if not decided
            else now - timedelta(days=rng.uniform(10, 600))
        )
        yield (
            first_id + n,
            complaint_id,
            booking_id,
            kind.value,
            (
                dispute_wf.DisputeStatus.DECIDED
                if decided
                else dispute_wf.DisputeStatus.AWAITING_DECISION
                if awaiting and proposer
                else dispute_wf.DisputeStatus.OPEN
            ).value,
            claimed,
            "EUR",
            "Le client demande un remboursement ou une indemnisation.",
            outcome.value if outcome else None,
            awarded,
            "Décision fondée sur les pièces fournies par les deux parties." if decided else None,
            decider,
            opened + timedelta(days=3) if decided else None,
            (outcome or dispute_wf.Outcome.PARTIALLY_UPHELD).value if proposer else None,
            (awarded if decided else claimed // 2) if proposer else None,
            "Proposition de l'agent." if proposer else None,
            proposer,
            opened + timedelta(days=1) if proposer else None,
            opened,
            SEED_ACTOR,
            1,
        )


REPORTS = (
    "Signalé par le prestataire : avis mensonger",
    "Signalé par le client : ce n'est pas moi qui ai écrit cet avis",
    "Signalé par le prestataire : propos injurieux",
)
FLAG_COLUMNS = ("review_id", "rule", "detail", "created_at", "created_by")


def flag_rows(seed: int, *, now: datetime) -> Iterator[tuple]:
    """Reports and rule matches on some of the reviews waiting for moderation."""
    from reviews.models import Review
    from reviews.workflow import ModerationStatus

    rng = random.Random(seed * 11 + 3)
    pending = db.session.scalars(
        sa.select(Review.id).where(Review.moderation_status == ModerationStatus.PENDING).order_by(Review.id)
    ).all()
    wanted = min(len(pending), max(int(len(pending) * FLAG_SHARE), 10))
    for review_id in sorted(rng.sample(pending, wanted)):
        detail = rng.choice(REPORTS)
        yield (
            review_id,
            review_wf.FlagRule.USER_REPORT.value,
            detail,
            now - timedelta(hours=rng.uniform(1, 72)),
            SEED_ACTOR,
        )


def mark_flagged_reviews() -> None:
    """The reviews with an open flag join the flag queue (reviews.services keeps this afterwards)."""
    from reviews.models import Review, ReviewFlag

    flagged = sa.select(ReviewFlag.review_id).where(ReviewFlag.resolved_at.is_(None))
    db.session.execute(sa.update(Review).where(Review.id.in_(flagged)).values(has_open_flag=True))


def mark_reviews_scanned(now: datetime) -> int:
    """The loaded reviews count as read by the flag rules (the scan job takes the new ones)."""
    from reviews.models import ReviewScan

    result = db.session.execute(
        sa.insert(ReviewScan).from_select(
            ["review_id", "scanned_at"],
            sa.select(sa.text("id"), sa.literal(now, ReviewScan.scanned_at.type)).select_from(
                sa.table("review")
            ),
        )
    )
    return result.rowcount


def load(gen, seed: int, scale_name: str, loader, echo) -> dict[str, int]:
    """Load complaints, their history, disputes and review flags; return the counts."""
    import time

    from disputes.complaints.models import Complaint, ComplaintStatusChange
    from disputes.disputes.models import Dispute
    from reviews.models import ReviewFlag

    started, now = time.perf_counter(), datetime.now(UTC)
    agents, managers = support_staff()
    generator = ComplaintGenerator(gen, seed, scale_name=scale_name, now=now, agents=agents)
    counts = {}
    steps = (
        ("complaints", Complaint, lambda first: generator.rows(first), COMPLAINT_COLUMNS, generator.total),
        ("history", ComplaintStatusChange, generator.history_rows, HISTORY_COLUMNS, 0),
        # These two read the database: their rows are gathered before the COPY takes the connection.
        (
            "disputes",
            Dispute,
            lambda first: iter(list(dispute_rows(generator, first, managers=managers, agents=agents))),
            DISPUTE_COLUMNS,
            0,
        ),
        ("review_flags", ReviewFlag, lambda first: iter(list(flag_rows(seed, now=now))), FLAG_COLUMNS, 0),
    )
    for name, model, rows, columns, total in steps:
        first = (loader.connection.scalar(sa.select(sa.func.max(model.id))) or 0) + 1
        counts[name] = loader.load(model.__table__, columns, rows(first), total)
        loader.reset_sequence(model.__table__)
    mark_flagged_reviews()
    counts["reviews_scanned"] = mark_reviews_scanned(now)
    counts["satisfaction"] = seed_satisfaction(now)
    echo(
        f"  {'complaints':<12} {counts['complaints']:>10,} rows, {counts['history']:,} status changes, "
        f"{counts['disputes']:,} disputes, {counts['review_flags']:,} flagged reviews "
        f"{time.perf_counter() - started:8.1f} s"
    )
    return counts


SCORES = (5, 5, 4, 5, 4, 3, 5, 2, 4, 1)  # mostly satisfied
SLOW_BUT_SOLVED = "Réponse un peu lente, mais le problème est réglé."


def seed_satisfaction(now: datetime, *, batch: int = 10_000) -> int:
    """The satisfaction question, asked a day after resolution of four resolved complaints in five
    and answered by about two clients in three; keyset batches of complaints, bulk inserts."""
    from disputes.complaints.models import Complaint, Satisfaction

    written, after = 0, 0
    while True:
        resolved = db.session.execute(
            sa.select(Complaint.id, Complaint.resolved_at)
            .where(Complaint.id > after, Complaint.resolved_at.is_not(None))
            .where(Complaint.resolved_at < now - timedelta(days=1))
            .order_by(Complaint.id)
            .limit(batch)
        ).all()
        if not resolved:
            return written
        rows = []
        for complaint_id, resolved_at in resolved:
            if complaint_id % 5 == 0:
                continue
            asked, answered = resolved_at + timedelta(days=1), complaint_id % 3 != 0
            score = SCORES[complaint_id % 10] if answered else None
            rows.append({
                "complaint_id": complaint_id, "score": score, "asked_at": asked,
                "comment": SLOW_BUT_SOLVED if answered and score <= 3 else None,
                "answered_at": asked + timedelta(hours=5) if answered else None,
            })  # fmt: skip
        if rows:
            db.session.execute(sa.insert(Satisfaction), rows)
        written += len(rows)
        after = resolved[-1][0]


def support_staff() -> tuple[list[int], list[int]]:
    """(agents and managers, managers): the active staff who take complaints and decide disputes."""
    from console.auth.models import StaffRole, StaffUser
    from console.domain import Role

    def ids(roles) -> list[int]:
        return list(
            db.session.scalars(
                sa.select(StaffUser.id)
                .where(
                    StaffUser.active.is_(True),
                    StaffUser.id.in_(sa.select(StaffRole.staff_id).where(StaffRole.role.in_(roles))),
                )
                .order_by(StaffUser.id)
            )
        )

    return ids([Role.SUPPORT_AGENT, Role.MANAGER]), ids([Role.MANAGER])
