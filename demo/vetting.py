"""Vetting cases for the demo providers: drawn in memory, bulk-loaded like the other tables.

- Approved providers: their latest approval (an initial case, or a renewal when they joined more
  than two years ago), its three checks passed by one officer and decided by another (four eyes),
  two verified references. When re-vetting falls due within 60 days the renewal case is open
  (the sweep opens it then); about 1 % are overdue, still in review (the seed's sweep proposes
  their restriction, as the daily job would).
- Applicants: one active initial case: 25 % open (most not yet assigned), 40 % in review, 15 %
  awaiting the provider (some for more than 30 days: withdrawal proposed), 20 % ready for a
  decision (one in ten with a failed check). Cases older than 10 business days are overdue.
- Rejected providers: their rejected case, with a reason and a statement of reasons.

Nothing of a criminal-record extract exists here either: only the viewing, its date and outcome.
The cases use their own random stream, so the other tables stay as they were.
"""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, datetime, timedelta

from console.business_time import PARIS
from demo.generator import _Generator
from marketplace.models import VettingStatus
from vetting import workflow as wf

RELATIONSHIPS = (
    "ancienne employeuse",
    "client régulier",
    "cliente depuis 3 ans",
    "gérante d'agence",
    "responsable de site",
    "syndic d'immeuble",
)
ATTEMPT_NOTES = ("très satisfaite", "recommande sans réserve", "ponctuel et soigneux", "rien à signaler")
REJECTIONS = (
    ("skills_insufficient", "Le score de l'évaluation ({score}/100) est inférieur au seuil de 70."),
    ("references_insufficient", "Nous n'avons pu joindre aucune de vos références après trois tentatives."),
    ("siret_invalid", "Votre établissement n'apparaît pas comme actif au répertoire SIRENE."),
    ("identity_not_verified", "La pièce d'identité fournie était expirée."),
    ("criminal_record", None),
)
AWAITING_REQUESTS = (
    "Une pièce d'identité en cours de validité, lisible recto verso.",
    "Un extrait de casier judiciaire (bulletin n°3) de moins de 3 mois, à présenter en visio.",
    "Les coordonnées d'une deuxième référence professionnelle.",
    "Votre disponibilité pour le nettoyage d'essai.",
)
APPLICANT_MIX = (
    ("open", 0.25),
    ("in_review", 0.40),
    ("awaiting_provider", 0.15),
    ("ready_for_decision", 0.20),
)


class _VettingGenerator:
    CASE_COLUMNS = (
        "id", "provider_id", "round", "status", "opened_at", "opened_by", "due_at", "paused_hours",
        "awaiting_since", "awaiting_note", "chases_sent", "withdrawal_proposed_at", "decided_at",
        "decided_by_id", "rejection_reason", "decision_note", "revetting_due_on", "revetting_proposed_at",
        "version",
    )  # fmt: skip
    CHECK_COLUMNS = (
        "id", "case_id", "kind", "status", "assignee_id", "started_at", "completed_by_id", "completed_at",
        "notes", "updated_at", "version", "document_type", "document_expiry", "document_last4",
        "siret_active", "b3_viewed", "b3_issue_date", "b3_outcome", "b3_viewed_by_id", "b3_viewed_at",
        "score", "pass_mark", "trial_passed", "rubric", "failure_reason",
    )  # fmt: skip
    REFERENCE_COLUMNS = (
        "id", "case_id", "name", "relationship_to_provider", "phone", "email", "status",
        "failed_attempts", "added_at", "added_by", "version",
    )  # fmt: skip
    ATTEMPT_COLUMNS = ("id", "reference_id", "number", "outcome", "note", "at", "by_id")

    def __init__(self, gen: _Generator, seed: int, *, now: datetime, officers: list[int], actor: str):
        self.gen, self.now, self.actor = gen, now, actor
        self.rng = random.Random(f"vetting-{seed}")
        self.officers = officers
        self.cases: list[tuple] = []
        self.checks: list[tuple] = []
        self.references: list[tuple] = []
        self.attempts: list[tuple] = []
        self.kinds: Counter[str] = Counter()

    # -- planning -----------------------------------------------------------------------------

    def plan(self, first_ids: dict[str, int]) -> int:
        """Draw every row once (ids from `first_ids`); return the number of cases."""
        if len(self.officers) < 2:
            return 0  # four eyes: decided cases need two officers (the demo accounts give two)
        self.next = dict(first_ids)
        gen = self.gen
        for n, status in enumerate(gen.provider_vetting):
            pid = gen.first_provider + n
            joined = datetime.fromtimestamp(gen.provider_joined[n], UTC)
            if status == VettingStatus.APPROVED:
                self._approved(pid, joined)
            elif status == VettingStatus.REJECTED:
                self._rejected(pid, joined)
            else:
                self._applicant(pid, joined)
        return len(self.cases)

    def _id(self, table: str) -> int:
        self.next[table] += 1
        return self.next[table] - 1

    def _pair(self) -> tuple[int, int]:
        """(the officer who does the checks, another who decides)."""
        doer, decider = self.rng.sample(self.officers, 2)
        return doer, decider

    def _approved(self, pid: int, joined: datetime) -> None:
        rng = self.rng
        first = joined + timedelta(days=rng.uniform(3, 20))
        cycles = int((self.now - first).days // 730)
        decided = first + timedelta(days=730 * cycles)
        if rng.random() < 0.01:  # re-vetting overdue: the renewal is still being worked on
            decided = self.now - timedelta(days=730 + rng.uniform(1, 20))
            cycles = max(cycles, 1)
        round_ = "renewal" if cycles else "initial"
        due_on = wf.revetting_due(decided.astimezone(PARIS).date())
        doer, decider = self._pair()
        opened = decided - timedelta(days=rng.uniform(4, 12))
        case_id = self._case(pid, round_, "approved", opened, decided=decided, decider=decider, due_on=due_on)
        self._passed_checks(case_id, opened, decided, doer)
        self._references(case_id, opened, doer, positive=2)
        self.kinds[f"approved ({round_})"] += 1
        renewal_opens = datetime.combine(
            due_on - timedelta(days=wf.RENEWAL_LEAD_DAYS), datetime.min.time(), UTC
        )
        if renewal_opens <= self.now:
            status = rng.choice(("open", "in_review", "in_review", "ready_for_decision"))
            self._active(pid, "renewal", status, renewal_opens + timedelta(hours=6))
            self.kinds["renewal under way"] += 1

    def _rejected(self, pid: int, joined: datetime) -> None:
        rng = self.rng
        opened = joined + timedelta(hours=2)
        decided = min(self.now - timedelta(days=1), opened + timedelta(days=rng.uniform(5, 25)))
        reason, template = rng.choice(REJECTIONS)
        score = rng.randint(30, 65)
        statement = wf.rejection_statement(
            wf.RejectionReason(reason), template and template.format(score=score)
        )
        doer, decider = self._pair()
        case_id = self._case(
            pid,
            "initial",
            "rejected",
            opened,
            decided=decided,
            decider=decider,
            reason=reason,
            note=statement,
        )
        failed = {
            "skills_insufficient": "skills",
            "references_insufficient": "references",
        }.get(reason, "background")
        for kind in wf.CheckKind:
            if kind.value == failed:
                self._check(
                    case_id, kind.value, "failed", doer, opened, decided - timedelta(hours=3), score=score
                )
            else:
                self._check(case_id, kind.value, "in_progress", doer, opened, None)
        self.kinds["rejected"] += 1

    def _applicant(self, pid: int, joined: datetime) -> None:
        status = self._draw(APPLICANT_MIX)
        self._active(pid, "initial", status, joined + timedelta(minutes=30))
        self.kinds[f"applicant {status.replace('_', ' ')}"] += 1

    def _draw(self, mix) -> str:
        draw, total = self.rng.random(), 0.0
        for kind, share in mix:
            total += share
            if draw < total:
                return kind
        return mix[-1][0]

    def _active(self, pid: int, round_: str, status: str, opened: datetime) -> None:
        rng = self.rng
        opened = min(opened, self.now - timedelta(hours=1))
        doer, _ = self._pair()
        awaiting = None
        if status == "awaiting_provider":
            awaiting = self.now - timedelta(days=rng.uniform(0.2, min(40, max((self.now - opened).days, 1))))
            awaiting = max(awaiting, opened + timedelta(minutes=10))
        case_id = self._case(pid, round_, status, opened, awaiting=awaiting)
        worked = opened + (self.now - opened) * rng.uniform(0.2, 0.9)
        if status == "open":
            assignee = doer if rng.random() < 0.4 else None
            for kind in wf.CheckKind:
                self._check(case_id, kind.value, "pending", assignee, None, None)
            return
        if status == "ready_for_decision":
            failed = "skills" if rng.random() < 0.1 else None
            self._passed_checks(case_id, opened, worked, doer, failed=failed)
            self._references(case_id, opened, doer, positive=2)
            return
        progress = ("passed", "in_progress", "pending", "in_progress")
        for kind in wf.CheckKind:
            state = rng.choice(progress)
            if state == "passed":
                self._passed_check(case_id, kind.value, opened, worked, doer)
            else:
                self._check(case_id, kind.value, state, doer, opened if state != "pending" else None, None)
        self._references(case_id, opened, doer, positive=rng.randint(0, 2), pending=1)

    # -- rows ---------------------------------------------------------------------------------

    def _case(self, pid, round_, status, opened, *, decided=None, decider=None, due_on=None, reason=None,
              note=None, awaiting=None) -> int:  # fmt: skip
        rng = self.rng
        case_id = self._id("case")
        paused = 0.0
        chases = 0
        proposed = None
        request = None
        if awaiting is not None:
            days = (self.now - awaiting).total_seconds() / 86_400
            chases = sum(1 for d in wf.CHASE_DAYS if days >= d)
            proposed = (
                awaiting + timedelta(days=wf.WITHDRAW_AFTER_DAYS) if days >= wf.WITHDRAW_AFTER_DAYS else None
            )
            request = rng.choice(AWAITING_REQUESTS)
        elif status in ("in_review", "ready_for_decision") and rng.random() < 0.2:
            paused = round(rng.uniform(4, 40), 2)  # a pause already over
        self.cases.append(
            (
                case_id, pid, round_, status, opened, self.actor, wf.case_due(opened, paused), paused,
                awaiting, request, chases, proposed, decided, decider, reason, note, due_on, None, 1,
            )
        )  # fmt: skip
        return case_id

    def _check(self, case_id, kind, status, assignee, started, completed, score=None) -> None:
        updated = completed or started or self.now - timedelta(days=1)
        self.checks.append(
            (
                self._id("check"), case_id, kind, status, assignee, started,
                assignee if completed else None, completed,
                "Non conforme." if status == "failed" else None, updated, 1,
                None, None, None, None, False, None, None, None, None,
                score if kind == "skills" and status == "failed" else None,
                wf.DEFAULT_PASS_MARK if kind == "skills" and status == "failed" else None,
                None, None, "other" if kind == "background" and status == "failed" else None,
            )
        )  # fmt: skip

    def _passed_checks(self, case_id, opened, decided, doer, failed: str | None = None) -> None:
        for kind in wf.CheckKind:
            if kind.value == failed:
                done = opened + (decided - opened) * 0.8
                self._check(case_id, kind.value, "failed", doer, opened, done, score=self.rng.randint(35, 65))
            else:
                self._passed_check(case_id, kind.value, opened, decided, doer)

    def _passed_check(self, case_id, kind, opened, decided, doer) -> None:
        rng = self.rng
        started = opened + (decided - opened) * rng.uniform(0.05, 0.3)
        done = started + (decided - started) * rng.uniform(0.3, 0.9)
        viewed_on = done.astimezone(PARIS).date()
        background = kind == "background"
        skills = kind == "skills"
        self.checks.append(
            (
                self._id("check"), case_id, kind, "passed", doer, started, doer, done, None, done, 1,
                rng.choice(("id_card", "passport", "residence_permit")) if background else None,
                viewed_on + timedelta(days=rng.randint(200, 3000)) if background else None,
                f"{rng.randint(0, 9999):04d}" if background else None,
                True if background else None,
                background,
                viewed_on - timedelta(days=rng.randint(3, 80)) if background else None,
                "compatible" if background else None,
                doer if background else None,
                done if background else None,
                rng.randint(70, 98) if skills else None,
                wf.DEFAULT_PASS_MARK if skills else None,
                True if skills else None,
                {item: rng.randint(3, 5) for item in wf.RUBRIC} if skills else None,
                None,
            )
        )  # fmt: skip

    def _references(self, case_id, opened, officer, *, positive: int, pending: int = 0) -> None:
        rng, pools = self.rng, self.gen.pools
        for n in range(positive + pending):
            reference_id = self._id("reference")
            name = f"{rng.choice(pools.first_names)} {rng.choice(pools.last_names)}"
            added = opened + timedelta(hours=1 + n)
            is_positive = n < positive
            self.references.append(
                (
                    reference_id, case_id, name, rng.choice(RELATIONSHIPS),
                    f"+336{rng.randint(10_000_000, 99_999_999)}", None,
                    "verified_positive" if is_positive else "pending", 0 if is_positive else 1,
                    added, self.actor, 1,
                )
            )  # fmt: skip
            outcome, note = ("positive", rng.choice(ATTEMPT_NOTES)) if is_positive else ("no_answer", None)
            self.attempts.append(
                (self._id("attempt"), reference_id, 1, outcome, note, added + timedelta(days=1), officer)
            )
