"""What the home page shows of support: the complaint and dispute queues as cards, the SLA
attainment and the backlog's age as charts (figures from the sub-packages' reporting modules)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from markupsafe import Markup

from console.business_time import week_starts
from console.charts import Series, bar_chart, iso_weeks, line_chart, percent, percent_tick, week_label
from console.domain import Role, _
from console.home import HomeChart, QueueCard
from disputes.complaints import reporting as complaints
from disputes.complaints.workflow import Severity
from disputes.disputes import reporting as disputes

SUPPORT, MANAGER = Role.SUPPORT_AGENT, Role.MANAGER


def _complaints(queue: str) -> Any:
    return lambda user, now: complaints.queue_card(queue, user_id=user.id, now=now)


def cards() -> list[QueueCard]:
    return [
        QueueCard("complaints_mine", frozenset({SUPPORT}), _complaints("mine")),
        QueueCard("complaints_unassigned", frozenset({SUPPORT}), _complaints("unassigned")),
        QueueCard("complaints_at_risk", frozenset({SUPPORT, MANAGER}), _complaints("at_risk")),
        QueueCard("complaints_breached", frozenset({SUPPORT, MANAGER}), _complaints("breached")),
        QueueCard(
            "disputes_awaiting",
            frozenset({SUPPORT, MANAGER}),
            lambda user, now: disputes.awaiting_decision_card(),
        ),
    ]


def charts() -> list[HomeChart]:
    return [
        HomeChart("sla_by_week", frozenset({SUPPORT, MANAGER}), _sla_figures, _sla_chart),
        HomeChart("complaint_backlog", frozenset({SUPPORT}), _backlog_figures, _backlog_chart),
    ]


def _sla_figures(now: datetime) -> dict[str, Any]:
    starts = week_starts(now)
    return {"weeks": iso_weeks(starts), "severities": complaints.sla_attainment_by_week(starts, now)}


def _sla_chart(figures: dict[str, Any]) -> Markup:
    series = [
        Series(
            Severity(severity).label,
            [round(100 * on_time / total, 1) if total else None for on_time, total in weeks],
        )
        for severity, weeks in figures["severities"].items()
    ]
    return line_chart(
        chart_id="sla-by-week",
        title=_("Complaints resolved within the SLA"),
        desc=_(
            "Share of the complaints resolved each week that were resolved within their SLA, per "
            "severity, over the last 8 weeks (no point: nothing resolved that week)."
        ),
        labels=[week_label(week) for week in figures["weeks"]],
        series=series,
        fmt=percent,
        tick_fmt=percent_tick,
        top=100,
    )


def _backlog_figures(now: datetime) -> dict[str, Any]:
    return {"severities": complaints.backlog_by_age(now)}


def _backlog_chart(figures: dict[str, Any]) -> Markup:
    return bar_chart(
        chart_id="complaint-backlog",
        title=_("Open complaints by age"),
        desc=_("Open complaints by time since they were received, per severity."),
        labels=[_("> 30 days"), _("7-30 days"), _("3-7 days"), _("1-3 days"), _("< 1 day")],
        series=[Series(Severity(s).label, counts) for s, counts in figures["severities"].items()],
        stacked=True,
    )
