"""Complaint rules and the SLA clock. Pure: no Flask, no database.

Time is always a parameter. The SLA clock counts business hours (Mon-Fri 09:00-18:00 Paris, French
public holidays off) except for critical complaints, which run on calendar hours; it runs only
while a complaint is `new`, `triaged` or `in_progress`, pauses in the waiting states and stops
once the complaint is resolved.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol

from console.business_time import add_business_hours, business_hours_between
from console.domain import DomainError, _, events_from, translated_label

# --- complaints -------------------------------------------------------------------------------


class Channel(StrEnum):
    PHONE = "phone"
    EMAIL = "email"
    APP = "app"
    CHAT = "chat"

    @translated_label
    def label(self) -> str:
        return {
            Channel.PHONE: _("Phone"),
            Channel.EMAIL: _("E-mail"),
            Channel.APP: _("App"),
            Channel.CHAT: _("Chat"),
        }[self]


class Category(StrEnum):
    SAFETY = "safety"
    INJURY = "injury"
    THEFT = "theft"
    HARASSMENT = "harassment"
    DAMAGE = "damage"
    NO_SHOW = "no_show"
    QUALITY = "quality"
    LATENESS = "lateness"
    BILLING = "billing"
    QUESTION = "question"
    FEEDBACK = "feedback"

    @translated_label
    def label(self) -> str:
        return {
            Category.SAFETY: _("Safety"),
            Category.INJURY: _("Injury"),
            Category.THEFT: _("Theft"),
            Category.HARASSMENT: _("Harassment"),
            Category.DAMAGE: _("Damage"),
            Category.NO_SHOW: _("No-show"),
            Category.QUALITY: _("Quality"),
            Category.LATENESS: _("Lateness"),
            Category.BILLING: _("Billing"),
            Category.QUESTION: _("Question"),
            Category.FEEDBACK: _("Feedback"),
        }[self]


class Severity(StrEnum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"

    @translated_label
    def label(self) -> str:
        return {
            Severity.CRITICAL: _("Critical"),
            Severity.HIGH: _("High"),
            Severity.MEDIUM: _("Medium"),
            Severity.LOW: _("Low"),
        }[self]


class Status(StrEnum):
    NEW = "new"
    TRIAGED = "triaged"
    IN_PROGRESS = "in_progress"
    WAITING_ON_CLIENT = "waiting_on_client"
    WAITING_ON_PROVIDER = "waiting_on_provider"
    RESOLVED = "resolved"
    CLOSED = "closed"

    @translated_label
    def label(self) -> str:
        return {
            Status.NEW: _("New"),
            Status.TRIAGED: _("Triaged"),
            Status.IN_PROGRESS: _("In progress"),
            Status.WAITING_ON_CLIENT: _("Waiting on client"),
            Status.WAITING_ON_PROVIDER: _("Waiting on provider"),
            Status.RESOLVED: _("Resolved"),
            Status.CLOSED: _("Closed"),
        }[self]


class TransitionNotAllowed(DomainError):
    """The workflow does not allow this step from the current state."""


DEFAULT_SEVERITY = {
    Category.SAFETY: Severity.CRITICAL,
    Category.INJURY: Severity.CRITICAL,
    Category.THEFT: Severity.CRITICAL,
    Category.HARASSMENT: Severity.CRITICAL,
    Category.DAMAGE: Severity.HIGH,
    Category.NO_SHOW: Severity.HIGH,
    Category.QUALITY: Severity.MEDIUM,
    Category.LATENESS: Severity.MEDIUM,
    Category.BILLING: Severity.MEDIUM,
    Category.QUESTION: Severity.LOW,
    Category.FEEDBACK: Severity.LOW,
}
# A complaint in one of these categories against a provider opens a safety restriction proposal.
SAFETY_CATEGORIES = frozenset({Category.SAFETY, Category.INJURY, Category.THEFT, Category.HARASSMENT})

OPEN_STATUSES = frozenset(
    {Status.NEW, Status.TRIAGED, Status.IN_PROGRESS, Status.WAITING_ON_CLIENT, Status.WAITING_ON_PROVIDER}
)
OPEN_STATUSES_ORDER = (
    Status.NEW,
    Status.TRIAGED,
    Status.IN_PROGRESS,
    Status.WAITING_ON_CLIENT,
    Status.WAITING_ON_PROVIDER,
)
RUNNING = frozenset({Status.NEW, Status.TRIAGED, Status.IN_PROGRESS})
WAITING = frozenset({Status.WAITING_ON_CLIENT, Status.WAITING_ON_PROVIDER})

TRANSITIONS: dict[tuple[Status, str], Status] = {
    (Status.NEW, "triage"): Status.TRIAGED,
    (Status.TRIAGED, "start"): Status.IN_PROGRESS,
    (Status.IN_PROGRESS, "wait_on_client"): Status.WAITING_ON_CLIENT,
    (Status.IN_PROGRESS, "wait_on_provider"): Status.WAITING_ON_PROVIDER,
    (Status.WAITING_ON_CLIENT, "resume"): Status.IN_PROGRESS,
    (Status.WAITING_ON_PROVIDER, "resume"): Status.IN_PROGRESS,
    (Status.IN_PROGRESS, "resolve"): Status.RESOLVED,
    (Status.WAITING_ON_CLIENT, "resolve"): Status.RESOLVED,
    (Status.WAITING_ON_PROVIDER, "resolve"): Status.RESOLVED,
    (Status.RESOLVED, "reopen"): Status.IN_PROGRESS,
    (Status.RESOLVED, "close"): Status.CLOSED,
}
EVENTS = tuple(dict.fromkeys(event for _, event in TRANSITIONS))


def event_label(event: str) -> str:
    """The button that takes the step `event`, in the reader's language."""
    labels = {
        "triage": _("Triage"),
        "start": _("Start work"),
        "wait_on_client": _("Wait on client"),
        "wait_on_provider": _("Wait on provider"),
        "resume": _("Resume"),
        "resolve": _("Resolve"),
        "reopen": _("Reopen"),
        "close": _("Close"),
    }
    return labels.get(event, event)


AUTO_CLOSE_AFTER = timedelta(days=7)


class Then(StrEnum):
    """What the composer does after sending: nothing more, wait on the client, or resolve."""

    SEND = "send"
    WAIT_ON_CLIENT = "wait_on_client"
    RESOLVE = "resolve"

    @translated_label
    def label(self) -> str:
        return {
            Then.SEND: _("Send"),
            Then.WAIT_ON_CLIENT: _("Send and wait on the client"),
            Then.RESOLVE: _("Send and resolve"),
        }[self]


# Where each composer button leaves the complaint: replying takes it in hand (in progress).
THEN_TARGET = {
    Then.SEND: Status.IN_PROGRESS,
    Then.WAIT_ON_CLIENT: Status.WAITING_ON_CLIENT,
    Then.RESOLVE: Status.RESOLVED,
}


def steps_to(current: Status, target: Status) -> list[str]:
    """The workflow events that bring a complaint from `current` to `target` (shortest path)."""
    current, target = Status(current), Status(target)
    paths: dict[Status, list[str]] = {current: []}
    frontier = [current]
    while frontier and target not in paths:
        following = []
        for status in frontier:
            for event in allowed_events(status):
                after = TRANSITIONS[status, event]
                if after not in paths and event != "close":
                    paths[after] = [*paths[status], event]
                    following.append(after)
        frontier = following
    if target not in paths:
        raise TransitionNotAllowed(
            _(
                "A %(status)s complaint cannot become %(target)s.",
                status=current.label.lower(),
                target=target.label.lower(),
            )
        )
    return paths[target]


def after_reply(current: Status, then: Then) -> list[str]:
    """The events a reply takes: a plain reply leaves a waiting or resolved complaint as it is."""
    if then == Then.SEND and Status(current) not in (Status.NEW, Status.TRIAGED):
        return []
    return steps_to(current, THEN_TARGET[then])


def needs_resolution_reason(*, client_was_answered: bool, reason: str | None) -> bool:
    """Resolving without any message to the client takes a reason (the client would hear nothing)."""
    return not client_was_answered and not (reason or "").strip()


# --- macros' placeholders -----------------------------------------------------------------------

PLACEHOLDER = re.compile(r"\{(\w+)\}")
PLACEHOLDERS = ("prenom", "client", "reference", "echeance", "agent")


def unknown_placeholders(text: str) -> list[str]:
    return sorted({name for name in PLACEHOLDER.findall(text) if name not in PLACEHOLDERS})


def fill_placeholders(text: str, values: dict[str, str]) -> str:
    """`Bonjour {prenom}` with the complaint's values; an unknown name is left as written."""
    return PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text)


def next_status(current: Status, event: str) -> Status:
    """The status after `event`, or raise if the workflow forbids it."""
    current = Status(current)
    if (current, event) not in TRANSITIONS:
        raise TransitionNotAllowed(
            _(
                "A %(status)s complaint cannot be: %(step)s.",
                status=current.label.lower(),
                step=event_label(event).lower(),
            )
        )
    return TRANSITIONS[current, event]


def allowed_events(current: Status) -> list[str]:
    return list(events_from(TRANSITIONS, current))


def takes_disputes(current: Status) -> bool:
    """Whether a dispute may be opened from a complaint in `current` (not once it is closed)."""
    return Status(current) != Status.CLOSED


def default_severity(category: Category) -> Severity:
    return DEFAULT_SEVERITY[Category(category)]


def due_for_auto_close(resolved_at: datetime | None, now: datetime) -> bool:
    return resolved_at is not None and now - resolved_at >= AUTO_CLOSE_AFTER


# --- text -------------------------------------------------------------------------------------

SUBJECT_MAX, BODY_MAX, REASON_MAX = 200, 10_000, 2_000


# --- the SLA clock ----------------------------------------------------------------------------


class Clock(Protocol):
    def add(self, start: datetime, hours: float) -> datetime: ...

    def between(self, start: datetime, end: datetime) -> float: ...


class BusinessClock:
    """Mon-Fri 09:00-18:00 Europe/Paris, French public holidays off."""

    def add(self, start: datetime, hours: float) -> datetime:
        return add_business_hours(start, hours)

    def between(self, start: datetime, end: datetime) -> float:
        return business_hours_between(start, end)


class CalendarClock:
    """Every hour counts (absolute time: DST changes do not stretch or shrink it)."""

    def add(self, start: datetime, hours: float) -> datetime:
        return start + timedelta(hours=hours)

    def between(self, start: datetime, end: datetime) -> float:
        return max((end - start).total_seconds() / 3600, 0.0)


BUSINESS, CALENDAR = BusinessClock(), CalendarClock()
BUSINESS_DAY_HOURS = 9


@dataclass(frozen=True)
class Target:
    first_response_hours: float
    resolution_hours: float
    business: bool

    @property
    def clock(self) -> Clock:
        return BUSINESS if self.business else CALENDAR


# DESIGN §5: critical in calendar hours, the others in business hours (a business day is 9 h).
TARGETS = {
    Severity.CRITICAL: Target(1, 24, business=False),
    Severity.HIGH: Target(4, 3 * BUSINESS_DAY_HOURS, business=True),
    Severity.MEDIUM: Target(1 * BUSINESS_DAY_HOURS, 5 * BUSINESS_DAY_HOURS, business=True),
    Severity.LOW: Target(2 * BUSINESS_DAY_HOURS, 10 * BUSINESS_DAY_HOURS, business=True),
}
AT_RISK_SHARE = 0.25  # less than a quarter of the target left


class TimerState(StrEnum):
    DUE = "due"
    AT_RISK = "at_risk"
    BREACHED = "breached"
    MET = "met"

    @translated_label
    def label(self) -> str:
        return {
            TimerState.DUE: _("due"),
            TimerState.AT_RISK: _("at risk"),
            TimerState.BREACHED: _("breached"),
            TimerState.MET: _("met"),
        }[self]


@dataclass(frozen=True)
class Timer:
    target_hours: float
    elapsed_hours: float
    state: TimerState
    paused: bool
    due_at: datetime | None  # when the target is (or was) reached; None while paused before it
    at_risk_at: datetime | None  # when less than a quarter is (or was) left; None likewise
    met: bool | None  # once stopped: whether it stopped within the target

    @property
    def remaining_hours(self) -> float:
        return self.target_hours - self.elapsed_hours


@dataclass(frozen=True)
class Sla:
    first_response: Timer
    resolution: Timer

    @property
    def next_breach_at(self) -> datetime | None:
        """The earliest deadline still running (past if breached): what the queues sort by."""
        dues = [t.due_at for t in (self.first_response, self.resolution) if t.met is None and t.due_at]
        return min(dues, default=None)


def running_intervals(
    history: Sequence[tuple[datetime, Status]], until: datetime
) -> list[tuple[datetime, datetime]]:
    """The spans during which the clock runs, from a status history [(since, status), ...]."""
    spans = []
    ordered = sorted(history, key=lambda item: item[0])
    for (since, status), following in zip(ordered, [*ordered[1:], (None, None)], strict=True):
        end = min(following[0], until) if following[0] is not None else until
        if Status(status) in RUNNING and end > since:
            spans.append((since, end))
    return spans


def _crossing(clock: Clock, spans, hours: float, running_from: datetime | None) -> datetime | None:
    """When the clock reaches `hours` of running time: within the spans, or later if it runs on."""
    acc = 0.0
    for start, end in spans:
        spent = clock.between(start, end)
        if spent > 0 and acc + spent >= hours:
            return clock.add(start, hours - acc)
        acc += spent
    return clock.add(running_from, hours - acc) if running_from is not None else None


def _timer(
    target: float,
    clock: Clock,
    history: Sequence[tuple[datetime, Status]],
    *,
    stop: datetime | None,
    now: datetime,
) -> Timer:
    stopped = stop is not None and stop <= now
    end = stop if stopped else now
    spans = running_intervals(history, end)
    elapsed = sum(clock.between(start, finish) for start, finish in spans)
    # The last status entered; several taken at the same instant (one reply) keep their order.
    current = Status(sorted(history, key=lambda item: item[0])[-1][1]) if history else Status.NEW
    running = not stopped and current in RUNNING
    running_from = now if running else None
    due_at = _crossing(clock, spans, target, running_from)
    at_risk_at = _crossing(clock, spans, target * (1 - AT_RISK_SHARE), running_from)
    met = (elapsed <= target) if stopped else None
    state = timer_state(now, due_at=due_at, at_risk_at=at_risk_at, met=met)
    return Timer(target, elapsed, state, not stopped and not running, due_at, at_risk_at, met)


def sla(
    severity: Severity,
    history: Sequence[tuple[datetime, Status]],
    *,
    first_response_at: datetime | None,
    now: datetime,
    clock: Clock | None = None,
) -> Sla:
    """Both timers of a complaint at `now`.

    `history` is every status the complaint entered, with when (the first item is its creation).
    The resolution timer stops when the complaint is resolved (and runs again if it is reopened);
    the first-response timer stops at the first message to the client, or at the resolution if
    none was sent. `clock` overrides the severity's own (tests).
    """
    target = TARGETS[Severity(severity)]
    clock = clock or target.clock
    ordered = sorted(history, key=lambda item: item[0])
    resolved = None
    if ordered and Status(ordered[-1][1]) in (Status.RESOLVED, Status.CLOSED):
        resolved = max(since for since, status in ordered if Status(status) == Status.RESOLVED)
    first_stop = first_response_at or resolved
    if first_response_at and resolved:
        first_stop = min(first_response_at, resolved)
    return Sla(
        first_response=_timer(target.first_response_hours, clock, ordered, stop=first_stop, now=now),
        resolution=_timer(target.resolution_hours, clock, ordered, stop=resolved, now=now),
    )


def timer_state(
    now: datetime, *, due_at: datetime | None, at_risk_at: datetime | None, met: bool | None
) -> TimerState:
    """A timer's state at `now` from its deadlines (what the queues show from stored columns)."""
    if met is not None:
        return TimerState.MET if met else TimerState.BREACHED
    if due_at is not None and now >= due_at:
        return TimerState.BREACHED
    if at_risk_at is not None and now >= at_risk_at:
        return TimerState.AT_RISK
    return TimerState.DUE
