"""The complaint queues' columns: labels, and the SLA timers shown as a state with how long until
(or since) the deadline, the exact Paris time on hover."""

from __future__ import annotations

from flask import url_for
from markupsafe import Markup

from console.db import utcnow
from console.domain import _
from console.formatting import format_datetime, format_delta
from console.i18n import lazy_gettext as _l
from disputes.complaints import workflow as wf
from disputes.complaints.workflow import TimerState

STATE_CLASSES = {
    TimerState.DUE: "secondary",
    TimerState.AT_RISK: "warning",
    TimerState.BREACHED: "danger",
    TimerState.MET: "success",
}


# --- list formatters --------------------------------------------------------------------------


def reference_column(view, context, model, name) -> Markup:
    return Markup('<a href="{}" data-testid="complaint-{}">{}</a>').format(
        url_for("complaints.details_view", id=model.id), model.id, model.reference
    )


def client_column(view, context, model, name) -> Markup:
    return Markup('<span title="{}">{}</span>').format(model.client.reference, model.client.full_name)


SEVERITY_CLASSES = {"critical": "danger", "high": "warning", "medium": "info", "low": "secondary"}


def severity_column(view, context, model, name) -> Markup:
    """A coloured chip: critical red, high orange, medium blue, low grey."""
    return Markup('<span class="badge badge-{} severity-chip" data-testid="severity-{}">{}</span>').format(
        SEVERITY_CLASSES[model.severity.value], model.id, model.severity.label
    )


def subject_column(view, context, model, name) -> Markup:
    """The subject, then the first line of the client's report, clipped to keep one line a row."""
    first_line = (
        (model.description or "").strip().splitlines()[0] if (model.description or "").strip() else ""
    )
    return Markup(
        '<span class="cell-clip" title="{}"><strong>{}</strong> <span class="text-muted">{}</span></span>'
    ).format(first_line, model.subject, first_line)


def next_breach_column(view, context, model, name) -> Markup:
    """The next deadline as `dans 2 h` or `en retard de 3 h`, which timer, the Paris time on hover."""
    due = model.next_breach_at
    if due is None:
        paused = model.status in wf.WAITING
        return Markup('<span class="text-muted" data-testid="next-breach-{}">{}</span>').format(
            model.id, _("clock paused") if paused else "—"
        )
    now = context.get("sla_now") or utcnow()
    first = model.first_response_met is None and model.first_response_due_at == due
    at_risk_at = model.first_response_at_risk_at if first else model.resolution_at_risk_at
    state = wf.timer_state(now, due_at=due, at_risk_at=at_risk_at, met=None)
    timer = _("first response") if first else _("resolution")
    return Markup(
        '<span class="badge badge-{} mr-1" data-testid="next-breach-{}-state">{}</span>'
        '<span title="{}" data-testid="next-breach-{}">{}</span> <small class="text-muted">{}</small>'
    ).format(
        STATE_CLASSES[state],
        model.id,
        state.label,
        format_datetime(due),
        model.id,
        deadline_text(due, now),
        timer,
    )


def provider_column(view, context, model, name) -> str:
    return str(model.provider) if model.provider else ""


def assignee_column(view, context, model, name) -> str:
    return model.assignee.full_name if model.assignee else _("unassigned")


def deadline_text(due_at, now) -> str:
    """`in 2 hr` before the deadline, `late by 3 hr` once it has passed (`dans 2 h`, `en retard de 3 h`)."""
    if due_at > now:
        return _("in %(delta)s", delta=format_delta(due_at - now))
    return _("late by %(delta)s", delta=format_delta(now - due_at))


def timer_badge(state: TimerState, due_at, testid: str, now=None) -> Markup:
    """The timer's state, then how long until (or since) its deadline, the exact Paris time on hover."""
    badge = Markup('<span class="badge badge-{}" data-testid="{}">{}</span>').format(
        STATE_CLASSES[state], testid, state.label
    )
    if due_at is None or state == TimerState.MET:
        return badge
    return badge + Markup(' <span title="{}" data-testid="{}-due">{}</span>').format(
        format_datetime(due_at), testid, deadline_text(due_at, now or utcnow())
    )


def first_response_column(view, context, model, name) -> Markup:
    now = context.get("sla_now") or utcnow()
    state = wf.timer_state(
        now,
        due_at=model.first_response_due_at,
        at_risk_at=model.first_response_at_risk_at,
        met=model.first_response_met,
    )
    return timer_badge(state, model.first_response_due_at, f"first-response-{model.id}", now)


def resolution_column(view, context, model, name) -> Markup:
    now = context.get("sla_now") or utcnow()
    state = wf.timer_state(
        now,
        due_at=model.resolution_due_at,
        at_risk_at=model.resolution_at_risk_at,
        met=model.resolution_met,
    )
    return timer_badge(state, model.resolution_due_at, f"resolution-{model.id}", now)


COMPLAINT_LABELS = {
    "id": _l("Reference"),
    "created_at": _l("Received"),
    "severity": _l("Severity"),
    "category": _l("Category"),
    "status": _l("Status"),
    "channel": _l("Channel"),
    "client": _l("Client"),
    "booking": _l("Booking"),
    "provider": _l("Provider"),
    "assignee": _l("Assigned to"),
    "first_response": _l("First response"),
    "next_breach": _l("Next deadline"),
    "resolution": _l("Resolution"),
    "severity_reason": _l("Reason for the severity"),
    "subject": _l("Subject"),
    "description": _l("What the client reports"),
    "created_by": _l("Recorded by"),
    "first_response_at": _l("First response sent"),
    "resolved_at": _l("Resolved"),
    "closed_at": _l("Closed"),
}
