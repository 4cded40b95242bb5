"""Report rules: kinds, who may ask for which, run states, parameters, targets. Pure: no Flask, no DB."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from console.domain import DomainError, Role, _, translated_label

MAX_PERIOD_DAYS = 366
# A running run whose job has not been seen alive for this long is abandoned (its worker died).
ABANDONED_AFTER = timedelta(minutes=3)
# A queued run whose job is not in Redis after this long was never queued (or Redis lost it).
LOST_AFTER = timedelta(minutes=2)


class ReportKind(StrEnum):
    POLICY_COMPLIANCE = "policy_compliance"
    PROVIDER_REGISTER = "provider_register"
    INSURANCE_EXPIRY = "insurance_expiry"
    COMPLAINTS = "complaints"
    PROVIDER_DOSSIER = "provider_dossier"
    SUBJECT_ACCESS = "subject_access"

    @translated_label
    def label(self) -> str:
        """The report's title in the reader's language."""
        return {
            ReportKind.POLICY_COMPLIANCE: _("Customer protection policy compliance"),
            ReportKind.PROVIDER_REGISTER: _("Provider compliance register"),
            ReportKind.INSURANCE_EXPIRY: _("Insurance expiry and uninsured exposure"),
            ReportKind.COMPLAINTS: _("Complaints and disputes"),
            ReportKind.PROVIDER_DOSSIER: _("Provider dossier"),
            ReportKind.SUBJECT_ACCESS: _("Subject access"),
        }[self]

    @property
    def description(self) -> str:
        """What the report shows, in one line (the PDF's subject)."""
        return {
            ReportKind.POLICY_COMPLIANCE: _("The eight promises of the policy, with evidence"),
            ReportKind.PROVIDER_REGISTER: _(
                "Active providers' vetting, insurance and restrictions; exceptions listed, "
                "full register attached"
            ),
            ReportKind.INSURANCE_EXPIRY: _(
                "RC Pro cover ending soon, expired, and uninsured providers with bookings"
            ),
            ReportKind.COMPLAINTS: _("Complaints and disputes: volumes, SLAs, outcomes"),
            ReportKind.PROVIDER_DOSSIER: _("Full record and audit trail of a provider"),
            ReportKind.SUBJECT_ACCESS: _(
                "Everything held about a client or a provider, for their access request"
            ),
        }[self]


# Managers may request any report; the others only the ones of their daily work.
KIND_ROLES: dict[ReportKind, frozenset[Role]] = {
    ReportKind.POLICY_COMPLIANCE: frozenset({Role.MANAGER}),
    ReportKind.PROVIDER_REGISTER: frozenset({Role.MANAGER, Role.VETTING_OFFICER}),
    ReportKind.INSURANCE_EXPIRY: frozenset({Role.MANAGER}),
    ReportKind.COMPLAINTS: frozenset({Role.MANAGER, Role.SUPPORT_AGENT}),
    ReportKind.PROVIDER_DOSSIER: frozenset({Role.MANAGER, Role.VETTING_OFFICER}),
    ReportKind.SUBJECT_ACCESS: frozenset({Role.MANAGER}),
}
REPORT_ROLES = frozenset().union(*KIND_ROLES.values())
PERIOD_KINDS = frozenset({ReportKind.POLICY_COMPLIANCE, ReportKind.COMPLAINTS})


def kinds_for(roles: Iterable[Role]) -> list[ReportKind]:
    """The kinds of report someone with `roles` may request, see and download."""
    held = set(roles)
    return [kind for kind in ReportKind if KIND_ROLES[kind] & held]


class RunStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"

    @translated_label
    def label(self) -> str:
        return {
            RunStatus.QUEUED: _("queued"),
            RunStatus.RUNNING: _("running"),
            RunStatus.SUCCEEDED: _("succeeded"),
            RunStatus.FAILED: _("failed"),
        }[self]


FINAL = frozenset({RunStatus.SUCCEEDED, RunStatus.FAILED})


class TransitionNotAllowed(DomainError):
    """The run is not in a state that allows this step."""


TRANSITIONS = {
    (RunStatus.QUEUED, "start"): RunStatus.RUNNING,
    (RunStatus.QUEUED, "fail"): RunStatus.FAILED,  # abandoned before a worker took it
    (RunStatus.RUNNING, "succeed"): RunStatus.SUCCEEDED,
    (RunStatus.RUNNING, "fail"): RunStatus.FAILED,
}


def next_status(current: RunStatus, event: str) -> RunStatus:
    """The status after `event`, or raise if the run cannot take it."""
    if (current, event) not in TRANSITIONS:
        raise TransitionNotAllowed(
            _("A %(status)s report run cannot take this step (%(event)s).", status=current.label, event=event)
        )
    return TRANSITIONS[current, event]


def ensure_retryable(status: RunStatus, already_retried: bool) -> None:
    if status != RunStatus.FAILED:
        raise TransitionNotAllowed(_("Only a failed report run can be retried."))
    if already_retried:
        raise TransitionNotAllowed(_("This run was already retried; retry the newest attempt instead."))


# --- parameters ------------------------------------------------------------------------------


class InvalidParameters(DomainError):
    """The parameters of a report request are not acceptable; the message says why."""


@dataclass(frozen=True)
class Period:
    starts_on: date
    ends_on: date  # inclusive

    @translated_label
    def label(self) -> str:
        return f"{self.starts_on:%d/%m/%Y} – {self.ends_on:%d/%m/%Y}"

    @property
    def days(self) -> int:
        return (self.ends_on - self.starts_on).days + 1


def check_period(starts_on: date | None, ends_on: date | None, *, today: date) -> Period:
    """A reporting period that has ended or ends today, at most a year long."""
    if starts_on is None or ends_on is None:
        raise InvalidParameters(_("Give the first and the last day of the period."))
    if ends_on < starts_on:
        raise InvalidParameters(_("The period ends before it starts."))
    if ends_on > today:
        raise InvalidParameters(_("The period is in the future: its last day must be today or earlier."))
    if (ends_on - starts_on).days + 1 > MAX_PERIOD_DAYS:
        raise InvalidParameters(_("A period is at most %(days)s days long.", days=MAX_PERIOD_DAYS))
    return Period(starts_on, ends_on)


def previous_month(today: date) -> Period:
    """The calendar month before the one `today` is in (the monthly report's period)."""
    last = today.replace(day=1) - timedelta(days=1)
    return Period(last.replace(day=1), last)


def check_days(days: object, *, maximum: int) -> int:
    """Days ahead for the expiry report: 1 to `maximum` (the expiring window, which the board shows)."""
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= maximum:
        raise InvalidParameters(
            _("The number of days ahead must be between 1 and %(maximum)s.", maximum=maximum)
        )
    return days


# --- targets (report 1) -----------------------------------------------------------------------


class Verdict(StrEnum):
    MET = "met"
    AT_RISK = "at risk"
    NOT_MET = "not met"
    NO_DATA = "no data"
    NOT_APPLICABLE = "not applicable"  # nothing to measure in the period (never shown as 100 %)

    @translated_label
    def label(self) -> str:
        return {
            Verdict.MET: _("met"),
            Verdict.AT_RISK: _("at risk"),
            Verdict.NOT_MET: _("not met"),
            Verdict.NO_DATA: _("no data"),
            Verdict.NOT_APPLICABLE: _("not applicable"),
        }[self]


@dataclass(frozen=True)
class Target:
    value: float
    margin: float  # within the margin on the wrong side: at risk
    higher_is_better: bool = True

    def verdict(self, measured: float | None) -> Verdict:
        if measured is None:
            return Verdict.NO_DATA
        gap = (self.value - measured) if self.higher_is_better else (measured - self.value)
        if gap <= 0:
            return Verdict.MET
        return Verdict.AT_RISK if gap <= self.margin else Verdict.NOT_MET


# Defaults; REPORT_TARGETS in the configuration overrides any of them ({"name": [value, margin]}).
DEFAULT_TARGETS: dict[str, Target] = {
    "sensitive_access_logged_pct": Target(100.0, 0.0),
    "card_numbers_stored": Target(0, 0, higher_is_better=False),
    "vetted_pct": Target(99.0, 1.0),
    "insured_pct": Target(98.0, 2.0),
    "uninsured_bookings": Target(0, 10, higher_is_better=False),
    "reviews_moderated_pct": Target(95.0, 5.0),
    "sla_attained_pct": Target(90.0, 5.0),
    "terms_recorded_pct": Target(100.0, 0.0),
    "policy_versions_published": Target(1, 0),
    "texts_free_of_card_numbers_pct": Target(100.0, 0.0),
    "terms_published_before_booking_pct": Target(100.0, 0.0),
    "fees_within_terms_pct": Target(100.0, 0.0),
    "announced_before_effect_pct": Target(100.0, 0.0),
    "clients_reached_pct": Target(99.0, 1.0),
}


def targets(overrides: dict | None) -> dict[str, Target]:
    result = dict(DEFAULT_TARGETS)
    for name, value in (overrides or {}).items():
        if name in result:
            base = result[name]
            result[name] = Target(float(value[0]), float(value[1]), base.higher_is_better)
    return result


# --- figures ------------------------------------------------------------------------------------


def percent(part: int, whole: int) -> float | None:
    return None if whole == 0 else round(100.0 * part / whole, 1)


def quantile(values: Sequence[float], q: float) -> float | None:
    """The q-quantile (0..1) by linear interpolation between closest ranks; None when empty."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * q
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def describe_failure(exc: BaseException) -> str:
    """The error shown on a failed run: what happened, in one line, without a traceback."""
    text = " ".join(str(exc).split())[:300] or type(exc).__name__
    if isinstance(exc, OSError):
        return _(
            "The report could not be saved to storage (%(error)s). "
            "Nothing was kept; retry once storage is fixed.",
            error=exc.strerror or type(exc).__name__,
        )
    if isinstance(exc, DomainError):
        return text
    if any(cls.__module__.startswith(("sqlalchemy.exc", "psycopg", "sqlite3")) for cls in type(exc).__mro__):
        return _("The database stopped answering while the report was built. Nothing was kept; retry it.")
    error = type(exc).__name__ + ": " + text
    return _("The report could not be built (%(error)s). Nothing was kept; retry it.", error=error)


def run_reference(run_id: int | None) -> str:
    return f"RPT-{run_id:06d}" if run_id is not None else "RPT-(new)"
