"""The vetting rules: case and check transitions, guards, deadlines. Pure: no Flask, no database."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from console.business_time import add_business_hours
from console.domain import DomainError, Role, _, events_from, ngettext, translated_label

CASE_BUSINESS_DAYS = 10
HOURS_PER_BUSINESS_DAY = 9
CHASE_DAYS = (2, 5, 8)  # reminders while awaiting the provider
WITHDRAW_AFTER_DAYS = 30
B3_MAX_AGE_MONTHS = 3
DEFAULT_PASS_MARK = 70
MIN_POSITIVE_REFERENCES = 2
MAX_FAILED_ATTEMPTS = 3
REVETTING_MONTHS = 24
RENEWAL_LEAD_DAYS = 60


class TransitionNotAllowed(DomainError):
    """The workflow does not allow this step from the current state."""


class Round(StrEnum):
    INITIAL = "initial"
    RENEWAL = "renewal"

    @translated_label
    def label(self) -> str:
        return {Round.INITIAL: _("initial"), Round.RENEWAL: _("renewal")}[self]


class CaseStatus(StrEnum):
    OPEN = "open"
    IN_REVIEW = "in_review"
    AWAITING_PROVIDER = "awaiting_provider"
    READY = "ready_for_decision"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"

    @translated_label
    def label(self) -> str:
        return {
            CaseStatus.OPEN: _("open"), CaseStatus.IN_REVIEW: _("in review"),
            CaseStatus.AWAITING_PROVIDER: _("awaiting provider"), CaseStatus.READY: _("ready for decision"),
            CaseStatus.APPROVED: _("approved"), CaseStatus.REJECTED: _("rejected"),
            CaseStatus.WITHDRAWN: _("withdrawn"),
        }[self]  # fmt: skip


FINAL = frozenset({CaseStatus.APPROVED, CaseStatus.REJECTED, CaseStatus.WITHDRAWN})
ACTIVE = frozenset(CaseStatus) - FINAL
# The deadline runs (and the officers work the case) while active and not awaiting the provider.
CLOCK_RUNNING = ACTIVE - {CaseStatus.AWAITING_PROVIDER}
# The final states that carry a statement to the applicant (a rejection or a withdrawal).
CLOSED_WITHOUT_APPROVAL = frozenset({CaseStatus.REJECTED, CaseStatus.WITHDRAWN})


class CheckKind(StrEnum):
    BACKGROUND = "background"
    SKILLS = "skills"
    REFERENCES = "references"

    @translated_label
    def label(self) -> str:
        return {
            CheckKind.BACKGROUND: _("background"),
            CheckKind.SKILLS: _("skills"),
            CheckKind.REFERENCES: _("references"),
        }[self]

    @property
    def title(self) -> str:
        """The check's name as a heading ("Background")."""
        return {
            CheckKind.BACKGROUND: _("Background"),
            CheckKind.SKILLS: _("Skills"),
            CheckKind.REFERENCES: _("References"),
        }[self]


class CheckStatus(StrEnum):
    PENDING = "pending"
    IN_PROGRESS = "in_progress"
    PASSED = "passed"
    FAILED = "failed"

    @translated_label
    def label(self) -> str:
        return {
            CheckStatus.PENDING: _("pending"), CheckStatus.IN_PROGRESS: _("in progress"),
            CheckStatus.PASSED: _("passed"), CheckStatus.FAILED: _("failed"),
        }[self]  # fmt: skip


COMPLETED_CHECKS = frozenset({CheckStatus.PASSED, CheckStatus.FAILED})


class DocumentType(StrEnum):
    ID_CARD = "id_card"
    PASSPORT = "passport"
    RESIDENCE_PERMIT = "residence_permit"

    @translated_label
    def label(self) -> str:
        return {
            DocumentType.ID_CARD: _("id card"),
            DocumentType.PASSPORT: _("passport"),
            DocumentType.RESIDENCE_PERMIT: _("residence permit"),
        }[self]


class B3Outcome(StrEnum):
    COMPATIBLE = "compatible"
    INCOMPATIBLE = "incompatible"

    @translated_label
    def label(self) -> str:
        return {B3Outcome.COMPATIBLE: _("compatible"), B3Outcome.INCOMPATIBLE: _("incompatible")}[self]


class ReferenceStatus(StrEnum):
    PENDING = "pending"
    POSITIVE = "verified_positive"
    NEGATIVE = "verified_negative"
    UNREACHABLE = "unreachable"

    @translated_label
    def label(self) -> str:
        return {
            ReferenceStatus.PENDING: _("pending"),
            ReferenceStatus.POSITIVE: _("verified positive"),
            ReferenceStatus.NEGATIVE: _("verified negative"),
            ReferenceStatus.UNREACHABLE: _("unreachable"),
        }[self]


class AttemptOutcome(StrEnum):
    NO_ANSWER = "no_answer"
    WRONG_CONTACT = "wrong_contact"
    POSITIVE = "positive"
    NEGATIVE = "negative"

    @translated_label
    def label(self) -> str:
        return {
            AttemptOutcome.NO_ANSWER: _("no answer"),
            AttemptOutcome.WRONG_CONTACT: _("wrong contact"),
            AttemptOutcome.POSITIVE: _("positive"),
            AttemptOutcome.NEGATIVE: _("negative"),
        }[self]


class RejectionReason(StrEnum):
    IDENTITY = "identity_not_verified"
    SIRET = "siret_invalid"
    CRIMINAL_RECORD = "criminal_record"
    SKILLS = "skills_insufficient"
    REFERENCES = "references_insufficient"
    OTHER = "other"

    @translated_label
    def label(self) -> str:
        return {
            RejectionReason.IDENTITY: _("identity not verified"), RejectionReason.SIRET: _("siret invalid"),
            RejectionReason.CRIMINAL_RECORD: _("criminal record"),
            RejectionReason.SKILLS: _("skills insufficient"),
            RejectionReason.REFERENCES: _("references insufficient"), RejectionReason.OTHER: _("other"),
        }[self]  # fmt: skip


CASE_TRANSITIONS = {
    (CaseStatus.OPEN, "start_review"): CaseStatus.IN_REVIEW,
    (CaseStatus.OPEN, "await_provider"): CaseStatus.AWAITING_PROVIDER,
    (CaseStatus.IN_REVIEW, "await_provider"): CaseStatus.AWAITING_PROVIDER,
    (CaseStatus.READY, "await_provider"): CaseStatus.AWAITING_PROVIDER,
    (CaseStatus.AWAITING_PROVIDER, "provider_answered"): CaseStatus.IN_REVIEW,
    (CaseStatus.IN_REVIEW, "checks_complete"): CaseStatus.READY,
    (CaseStatus.READY, "reopen"): CaseStatus.IN_REVIEW,
    (CaseStatus.READY, "approve"): CaseStatus.APPROVED,
    (CaseStatus.IN_REVIEW, "reject"): CaseStatus.REJECTED,
    (CaseStatus.READY, "reject"): CaseStatus.REJECTED,
    (CaseStatus.AWAITING_PROVIDER, "reject"): CaseStatus.REJECTED,
    (CaseStatus.OPEN, "withdraw"): CaseStatus.WITHDRAWN,
    (CaseStatus.IN_REVIEW, "withdraw"): CaseStatus.WITHDRAWN,
    (CaseStatus.AWAITING_PROVIDER, "withdraw"): CaseStatus.WITHDRAWN,
}
CASE_EVENTS = sorted({event for _, event in CASE_TRANSITIONS})

CHECK_TRANSITIONS = {
    (CheckStatus.PENDING, "start"): CheckStatus.IN_PROGRESS,
    (CheckStatus.IN_PROGRESS, "pass"): CheckStatus.PASSED,
    (CheckStatus.IN_PROGRESS, "fail"): CheckStatus.FAILED,
}
CHECK_EVENTS = sorted({event for _, event in CHECK_TRANSITIONS})


def event_label(event: str) -> str:
    """A case or check step in words ("await provider")."""
    labels = {
        "start_review": _("start review"), "await_provider": _("await provider"),
        "provider_answered": _("provider answered"), "checks_complete": _("checks complete"),
        "reopen": _("reopen"), "approve": _("approve"), "reject": _("reject"), "withdraw": _("withdraw"),
        "start": _("start"), "pass": _("pass"), "fail": _("fail"),
    }  # fmt: skip
    return labels.get(event, event.replace("_", " "))


def next_case_status(current: CaseStatus, event: str) -> CaseStatus:
    """The case status after `event`, or raise if the workflow forbids it."""
    if (current, event) not in CASE_TRANSITIONS:
        raise TransitionNotAllowed(
            _(
                "this step (%(step)s) is not allowed while the case is %(status)s",
                step=event_label(event),
                status=CaseStatus(current).label,
            )
        )
    return CASE_TRANSITIONS[current, event]


def next_check_status(current: CheckStatus, event: str) -> CheckStatus:
    if (current, event) not in CHECK_TRANSITIONS:
        raise TransitionNotAllowed(
            _(
                "this step (%(step)s) is not allowed while the check is %(status)s",
                step=event_label(event),
                status=CheckStatus(current).label,
            )
        )
    return CHECK_TRANSITIONS[current, event]


def allowed_events(current: CaseStatus) -> frozenset[str]:
    """The case steps the workflow allows from `current` (what the case page offers)."""
    return frozenset(events_from(CASE_TRANSITIONS, current))


def allowed_check_events(current: CheckStatus) -> frozenset[str]:
    """The check steps the workflow allows from `current`."""
    return frozenset(events_from(CHECK_TRANSITIONS, current))


# --- who may work on a case ----------------------------------------------------------------

OFFICER_ROLES = frozenset({Role.VETTING_OFFICER, Role.MANAGER})
ASSIGNABLE_ROLE = Role.VETTING_OFFICER


def worker_problem(*, is_person: bool, active: bool, roles: Iterable[str]) -> str | None:
    """Why this actor may not do vetting work (None: they may). Jobs and sweeps never may."""
    if not is_person or not active:
        return _("Vetting work is recorded by a named, active staff member.")
    if not OFFICER_ROLES & set(roles):
        return _("Only vetting officers and managers work on vetting cases.")
    return None


def may_be_assigned(*, active: bool, roles: Iterable[str]) -> bool:
    """Checks go to active vetting officers (a manager decides, but is not given checks)."""
    return active and ASSIGNABLE_ROLE in set(roles)


def check_completed(status: CheckStatus) -> bool:
    return status in COMPLETED_CHECKS


def check_open(case_status: CaseStatus, check_status: CheckStatus) -> bool:
    """Evidence, assignment and completion are possible: the case is not final, the check not done."""
    return case_status not in FINAL and not check_completed(check_status)


def check_workable(case_status: CaseStatus, check_status: CheckStatus) -> bool:
    """The case page offers work on a check while it is open and the case's clock runs."""
    return case_status in CLOCK_RUNNING and check_open(case_status, check_status)


def reference_open(status: ReferenceStatus) -> bool:
    """A reference is contacted until it is verified (either way) or unreachable."""
    return status == ReferenceStatus.PENDING


def four_eyes_kept(approver_id: int | None, completer_ids: Iterable[int | None]) -> bool:
    """The approver completed no check of the case."""
    return approver_id not in set(completer_ids)


# --- deadlines -----------------------------------------------------------------------------


def case_due(opened_at: datetime, paused_hours: float) -> datetime:
    """10 business days after opening, plus the business time spent awaiting the provider."""
    return add_business_hours(opened_at, CASE_BUSINESS_DAYS * HOURS_PER_BUSINESS_DAY + paused_hours)


def chase_step(awaiting_since: datetime, now: datetime, done: int) -> int | None:
    """The next reminder (1, 2, 3) that is due while awaiting the provider, or None."""
    if done >= len(CHASE_DAYS):
        return None
    return done + 1 if now >= awaiting_since + timedelta(days=CHASE_DAYS[done]) else None


def may_withdraw(awaiting_since: datetime | None, now: datetime) -> bool:
    return awaiting_since is not None and now >= awaiting_since + timedelta(days=WITHDRAW_AFTER_DAYS)


def add_months(day: date, months: int) -> date:
    """`day` plus whole months, clamped to the month's last day."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for candidate in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def revetting_due(approved_on: date, interval_months: int = REVETTING_MONTHS) -> date:
    return add_months(approved_on, interval_months)


def renewal_opens(approved_on: date, interval_months: int = REVETTING_MONTHS) -> date:
    return revetting_due(approved_on, interval_months) - timedelta(days=RENEWAL_LEAD_DAYS)


# --- check guards --------------------------------------------------------------------------


@dataclass(frozen=True)
class Background:
    document_type: DocumentType | None
    document_expiry: date | None
    document_last4: str | None
    siret_valid: bool
    siret_active: bool | None
    b3_issue_date: date | None
    b3_viewed_on: date | None
    b3_outcome: B3Outcome | None


def ensure_b3_date(issue_date: date, viewed_on: date) -> None:
    """The extract must be under three months old when viewed, and not from the future."""
    if issue_date > viewed_on:
        raise DomainError(_("The extract's issue date cannot be in the future."))
    if issue_date <= add_months(viewed_on, -B3_MAX_AGE_MONTHS):
        raise DomainError(_("The extract is more than 3 months old: ask the provider for a recent one."))


def background_problems(b: Background, today: date) -> list[str]:
    """What still prevents the background check from passing (empty: it may pass)."""
    problems = []
    if b.document_type is None or not b.document_last4:
        problems.append(_("identity document not verified"))
    elif b.document_expiry is None:
        problems.append(_("identity document expiry not recorded"))
    elif b.document_expiry < today:
        problems.append(_("identity document expired"))
    if not b.siret_valid:
        problems.append(_("SIRET checksum invalid"))
    if not b.siret_active:
        problems.append(_("SIRET not confirmed active"))
    if b.b3_outcome is None:
        problems.append(_("criminal-record extract not viewed"))
    elif b.b3_issue_date is None or b.b3_viewed_on is None:
        problems.append(_("criminal-record extract issue date or viewing date not recorded"))
    else:
        try:
            ensure_b3_date(b.b3_issue_date, b.b3_viewed_on)
        except DomainError:
            problems.append(_("criminal-record extract was 3 months old or more when viewed"))
        if b.b3_outcome == B3Outcome.INCOMPATIBLE:
            problems.append(_("criminal-record extract incompatible"))
    return problems


RUBRIC = ("punctuality", "thoroughness", "care_of_belongings", "communication")


def rubric_label(item: str) -> str:
    """A rubric item in words ("Care of belongings")."""
    labels = {
        "punctuality": _("Punctuality"), "thoroughness": _("Thoroughness"),
        "care_of_belongings": _("Care of belongings"), "communication": _("Communication"),
    }  # fmt: skip
    return labels.get(item, item.replace("_", " ").capitalize())


def skills_problems(score: int | None, trial_passed: bool | None, pass_mark: int) -> list[str]:
    problems = []
    if score is None:
        problems.append(_("assessment not scored"))
    elif score < pass_mark:
        problems.append(
            _(
                "assessment score %(score)s below the pass mark %(pass_mark)s",
                score=score,
                pass_mark=pass_mark,
            )
        )
    if not trial_passed:
        problems.append(_("trial clean not passed"))
    return problems


def ensure_score(score: object) -> int:
    if isinstance(score, bool) or not isinstance(score, int) or not 0 <= score <= 100:
        raise DomainError(_("An assessment score is a whole number from 0 to 100."))
    return score


def ensure_rubric(marks: dict[str, int]) -> dict[str, int]:
    if set(marks) != set(RUBRIC):
        raise DomainError(
            _(
                "The trial rubric needs a mark for each of: %(items)s.",
                items=", ".join(rubric_label(item).lower() for item in RUBRIC),
            )
        )
    for name, mark in marks.items():
        if isinstance(mark, bool) or not isinstance(mark, int) or not 1 <= mark <= 5:
            raise DomainError(
                _("The %(item)s mark is a whole number from 1 to 5.", item=rubric_label(name).lower())
            )
    return marks


def positive_references(statuses: Iterable[ReferenceStatus]) -> int:
    return sum(1 for s in statuses if s == ReferenceStatus.POSITIVE)


def references_problems(statuses: Iterable[ReferenceStatus]) -> list[str]:
    positive = positive_references(statuses)
    if positive < MIN_POSITIVE_REFERENCES:
        return [
            ngettext(
                "%(num)s verified positive reference; %(needed)s are needed",
                "%(num)s verified positive references; %(needed)s are needed",
                positive,
                needed=MIN_POSITIVE_REFERENCES,
            )
        ]
    return []


def reference_after_attempt(failed_before: int, outcome: AttemptOutcome) -> tuple[ReferenceStatus, int]:
    """The reference's status and failed-attempt count after one contact attempt."""
    if outcome == AttemptOutcome.POSITIVE:
        return ReferenceStatus.POSITIVE, failed_before
    if outcome == AttemptOutcome.NEGATIVE:
        return ReferenceStatus.NEGATIVE, failed_before
    failed = failed_before + 1
    return (ReferenceStatus.UNREACHABLE if failed >= MAX_FAILED_ATTEMPTS else ReferenceStatus.PENDING), failed


# --- decision --------------------------------------------------------------------------------


def approval_problems(
    *,
    check_statuses: dict[CheckKind, CheckStatus],
    completer_ids: Iterable[int | None],
    approver_id: int,
    insurance_problem: str | None,
) -> list[str]:
    """Why this person may not approve now (empty: they may). Shown next to a disabled button."""
    problems = [
        _(
            "the %(kind)s check is %(status)s",
            kind=kind.label,
            status=CheckStatus(check_statuses.get(kind, CheckStatus.PENDING)).label,
        )
        for kind in CheckKind
        if check_statuses.get(kind) != CheckStatus.PASSED
    ]
    if insurance_problem:
        problems.append(insurance_problem)
    if not four_eyes_kept(approver_id, completer_ids):
        problems.append(_("you completed a check of this case (four eyes: another officer must approve)"))
    return problems


def rejection_statement(reason: RejectionReason, written: str | None) -> str:
    """The statement sent to the applicant: generic when the reason is the criminal record."""
    if reason == RejectionReason.CRIMINAL_RECORD:
        return _(
            "After reviewing your application we are unable to accept it. This decision follows our "
            "vetting criteria; we cannot give further detail."
        )
    text = (written or "").strip()
    if not text:
        raise DomainError(_("A statement of reasons for the applicant is required."))
    return text
