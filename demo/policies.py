"""RC Pro policies for the demo providers: drawn in memory, bulk-loaded like the other tables.

Approved providers hold verified one-year policies renewed without a gap (each starts the day
after the previous one ended), back to when they joined (at most four per provider). The mix is
exact at any scale (shares of the approved providers):

- 85.5 % `valid`: a verified policy covers today and the next 30 days;
- 6 % `expiring`: the verified cover ends within 30 days (today included);
- 4 % `expired`: the cover ended 1 to 60 days ago and no successor was sent;
- 3 % `renewal_pending`: cover ending within 30 days (or ended a few days ago) and the renewal
  certificate waits for a vetting officer (some below the minimum coverage: flagged);
- 1.5 % `renewal_rejected`: cover ending within 30 days, the renewal certificate was rejected.

Applicants (not vetted): 70 % sent a certificate still pending (a few below the minimum or not
covering today yet), 5 % had one rejected (half of them sent another since), 25 % none yet.
Rejected applicants have none. Certificates are not seeded (`certificate_id` is NULL).

The policies use their own random stream, so adding them did not change the other tables.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta

from demo.generator import _Generator
from demo.reference import (
    COVERAGE_EUR,
    DEDUCTIBLE_EUR,
    INSURERS,
    LOW_COVERAGE_EUR,
    LOW_COVERAGE_REJECTION,
    REJECTION_REASONS,
)
from demo.values import _cumulative, _pick, siret_for
from marketplace.models import VettingStatus

APPROVED_MIX = (
    ("valid", 0.855),
    ("expiring", 0.06),
    ("expired", 0.04),
    ("renewal_pending", 0.03),
    ("renewal_rejected", 0.015),
)
APPLICANT_MIX = (("pending", 0.70), ("rejected", 0.05), ("none", 0.25))
MAX_PREDECESSORS = 3
PENDING, VERIFIED, REJECTED = "pending", "verified", "rejected"  # insurance.workflow.Verification


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February: the anniversary falls on 1 March
        return day.replace(year=day.year + years, month=3, day=1)


def one_year_end(start: date) -> date:
    """The last day covered by a one-year policy that starts on `start`."""
    return _add_years(start, 1) - timedelta(days=1)


def one_year_start(end: date) -> date:
    """The first day covered by a one-year policy whose last day is `end`."""
    return _add_years(end + timedelta(days=1), -1)


def policy_number(policy_id: int, starts_on: date) -> str:
    """`RCP-2026-0012345`: unique per policy (a bijection on seven digits of the id)."""
    return f"RCP-{starts_on.year}-{(policy_id * 7_654_321 + 1_234_567) % 10_000_000:07d}"


def exact_mix(rng: random.Random, mix: tuple[tuple[str, float], ...], n: int) -> list[str]:
    """`n` kinds in exactly the given shares (largest remainders), shuffled."""
    quotas = [(kind, share * n) for kind, share in mix]
    counts = {kind: int(quota) for kind, quota in quotas}
    left = n - sum(counts.values())
    for kind, _ in sorted(quotas, key=lambda kq: kq[1] - int(kq[1]), reverse=True)[: max(left, 0)]:
        counts[kind] += 1
    kinds = [kind for kind, _ in mix for _ in range(counts[kind])]
    rng.shuffle(kinds)
    return kinds


@dataclass(frozen=True)
class _Terms:
    insurer: str
    coverage_cents: int
    deductible_cents: int


class _PolicyGenerator:
    COLUMNS = (
        "id",
        "provider_id",
        "insurer",
        "policy_number",
        "insured_name",
        "insured_siret",
        "activities",
        "coverage_per_claim_cents",
        "deductible_cents",
        "currency",
        "starts_on",
        "ends_on",
        "verification",
        "verified_by_id",
        "verified_at",
        "rejection_reason",
        "created_at",
        "created_by",
        "version",
    )

    def __init__(
        self,
        gen: _Generator,
        seed: int,
        *,
        today: date,
        now: datetime,
        officers: list[int],
        actor: str,
    ):
        self.gen = gen
        self.rng = random.Random(f"insurance-{seed}")  # its own stream: other tables stay the same
        self.today, self.now, self.actor = today, now, actor
        self.officers: list[int | None] = list(officers) or [None]
        self.insurers = [name for name, _ in INSURERS]
        self.insurer_cum = list(_cumulative(w for _, w in INSURERS))
        self.coverages = [eur * 100 for eur, _ in COVERAGE_EUR]
        self.coverage_cum = list(_cumulative(w for _, w in COVERAGE_EUR))
        self.deductibles = [eur * 100 for eur, _ in DEDUCTIBLE_EUR]
        self.deductible_cum = list(_cumulative(w for _, w in DEDUCTIBLE_EUR))
        self.planned: list[tuple] = []
        self.kinds: Counter[str] = Counter()

    # -- drawing --

    def plan(self) -> int:
        """Draw every provider's policies; ids will follow the certificates' arrival. Row count."""
        gen, rng = self.gen, self.rng
        first = gen.first_provider
        approved = [first + i for i, s in enumerate(gen.provider_vetting) if s == VettingStatus.APPROVED]
        applicants = [first + i for i, s in enumerate(gen.provider_vetting) if s == VettingStatus.NOT_VETTED]
        for pid, kind in zip(approved, exact_mix(rng, APPROVED_MIX, len(approved)), strict=True):
            self.kinds[kind] += 1
            self._approved(pid, kind)
        for pid, kind in zip(applicants, exact_mix(rng, APPLICANT_MIX, len(applicants)), strict=True):
            self.kinds[f"applicant_{kind}"] += 1
            self._applicant(pid, kind)
        self.planned.sort(key=lambda row: (row[0], row[1]))
        return len(self.planned)

    def _terms(self, *, low: bool = False) -> _Terms:
        rng = self.rng
        if low:
            coverage = rng.choice(LOW_COVERAGE_EUR) * 100
        else:
            coverage = _pick(rng, self.coverages, self.coverage_cum)
        return _Terms(
            insurer=_pick(rng, self.insurers, self.insurer_cum),
            coverage_cents=coverage,
            deductible_cents=_pick(rng, self.deductibles, self.deductible_cum),
        )

    def _renewed(self, terms: _Terms) -> _Terms:
        """Mostly the same contract again; sometimes another insurer, amount or deductible."""
        rng, fresh = self.rng, self._terms()
        return _Terms(
            insurer=fresh.insurer if rng.random() < 0.12 else terms.insurer,
            coverage_cents=fresh.coverage_cents if rng.random() < 0.15 else terms.coverage_cents,
            deductible_cents=fresh.deductible_cents if rng.random() < 0.15 else terms.deductible_cents,
        )

    def _at(self, day: date) -> datetime:
        """A moment in office hours on `day`, never later than an hour ago."""
        rng = self.rng
        moment = datetime.combine(day, time(rng.randint(6, 17), rng.randint(0, 59)), UTC)
        return min(moment, self.now - timedelta(hours=1))

    def _recent(self, max_days: float) -> datetime:
        return self.now - timedelta(days=self.rng.uniform(0.02, max_days))

    def _joined(self, pid: int) -> date:
        return datetime.fromtimestamp(self.gen.provider_joined[pid - self.gen.first_provider], UTC).date()

    def _add(
        self,
        pid: int,
        terms: _Terms,
        start: date,
        end: date,
        created: datetime,
        verification: str,
        reason: str | None = None,
    ) -> datetime | None:
        """Plan one policy; return when it was verified or rejected (None while pending)."""
        rng = self.rng
        decided_by = decided_at = None
        if verification != PENDING:
            decided_by = rng.choice(self.officers)
            decided_at = created + timedelta(hours=rng.uniform(1, 72))
            decided_at = max(created, min(decided_at, self.now - timedelta(minutes=5)))
        self.planned.append((created, pid, terms, start, end, verification, decided_by, decided_at, reason))
        return decided_at

    def _approved(self, pid: int, kind: str) -> None:
        rng, today = self.rng, self.today
        if kind == "valid":
            start = today - timedelta(days=rng.randint(0, 333))
            end = one_year_end(start)
        else:
            if kind == "expired":
                end = today - timedelta(days=rng.randint(1, 60))
            elif kind == "renewal_pending":
                end = today + timedelta(days=rng.randint(-6, 30))
            else:  # expiring, renewal_rejected
                end = today + timedelta(days=rng.randint(0, 30))
            start = one_year_start(end)
        joined = self._joined(pid)
        chain = [(start, end)]  # the current policy, then its predecessors back to joining
        while len(chain) <= MAX_PREDECESSORS and chain[-1][0] > joined:
            previous_end = chain[-1][0] - timedelta(days=1)
            chain.append((one_year_start(previous_end), previous_end))
        terms = self._terms()
        for n, (s, e) in enumerate(reversed(chain)):
            if n:
                terms = self._renewed(terms)
            first_sent_while_applying = n == 0 and s <= joined
            sent_on = joined - timedelta(days=rng.randint(2, 20)) if first_sent_while_applying else s
            if not first_sent_while_applying:
                sent_on -= timedelta(days=rng.randint(0, 25))
            self._add(pid, terms, s, e, self._at(sent_on), VERIFIED)
        if kind in ("renewal_pending", "renewal_rejected"):
            renewal = self._renewed(terms)
            start = end + timedelta(days=1)
            if kind == "renewal_pending":
                if rng.random() < 0.15:
                    renewal = replace(renewal, coverage_cents=rng.choice(LOW_COVERAGE_EUR) * 100)
                self._add(pid, renewal, start, one_year_end(start), self._recent(12), PENDING)
            else:
                low = rng.random() < 0.4
                if low:
                    renewal = replace(renewal, coverage_cents=rng.choice(LOW_COVERAGE_EUR) * 100)
                reason = LOW_COVERAGE_REJECTION if low else rng.choice(REJECTION_REASONS)
                self._add(pid, renewal, start, one_year_end(start), self._recent(20), REJECTED, reason)

    def _applicant(self, pid: int, kind: str) -> None:
        if kind == "none":
            return
        rng, today = self.rng, self.today
        if rng.random() < 0.93:
            start = today - timedelta(days=rng.randint(0, 300))
        else:  # cover starting next month: flagged "the dates do not cover today"
            start = today + timedelta(days=rng.randint(1, 30))
        low = rng.random() < (0.12 if kind == "pending" else 0.4)
        terms = self._terms(low=low)
        joined = datetime.fromtimestamp(self.gen.provider_joined[pid - self.gen.first_provider], UTC)
        created = min(joined + timedelta(hours=rng.uniform(1, 48)), self.now - timedelta(minutes=30))
        if kind == "pending":
            self._add(pid, terms, start, one_year_end(start), created, PENDING)
            return
        reason = LOW_COVERAGE_REJECTION if low else rng.choice(REJECTION_REASONS)
        rejected_at = self._add(pid, terms, start, one_year_end(start), created, REJECTED, reason)
        if rejected_at is not None and rng.random() < 0.5:  # sent a corrected certificate since
            resent = min(rejected_at + timedelta(hours=rng.uniform(2, 120)), self.now - timedelta(minutes=2))
            terms = replace(terms, coverage_cents=self._terms().coverage_cents) if low else terms
            self._add(pid, terms, start, one_year_end(start), max(resent, rejected_at), PENDING)

    # -- rows --

    def rows(self, first_id: int) -> Iterator[tuple]:
        gen = self.gen
        for n, (created, pid, terms, start, end, verification, by, at, reason) in enumerate(self.planned):
            policy_id = first_id + n
            index = pid - gen.first_provider
            yield (
                policy_id,
                pid,
                terms.insurer,
                policy_number(policy_id, start),
                gen.provider_legal[index],
                siret_for(pid),
                sorted(s.value for s in gen.provider_services[index]),
                terms.coverage_cents,
                terms.deductible_cents,
                "EUR",
                start,
                end,
                verification,
                by,
                at,
                reason,
                created,
                self.actor,
                1,
            )
