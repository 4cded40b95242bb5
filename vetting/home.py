"""What the home page shows of vetting: the officers' queues as cards, decisions per week and the
median time to a decision as charts (figures from vetting.reporting)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any

from markupsafe import Markup

from console.business_time import week_starts
from console.charts import Series, bar_chart, iso_weeks, line_chart, week_label
from console.domain import Role, _
from console.formatting import format_number
from console.home import HomeChart, QueueCard
from vetting import reporting
from vetting.workflow import CaseStatus

VETTING, MANAGER = Role.VETTING_OFFICER, Role.MANAGER


def _cases(queue: str) -> Any:
    return lambda user, now: reporting.case_queue_card(queue, now=now)


def cards() -> list[QueueCard]:
    return [
        QueueCard(
            "vetting_mine",
            frozenset({VETTING}),
            lambda user, now: reporting.case_queue_card("mine", now=now, user_id=user.id),
        ),
        QueueCard("vetting_unassigned", frozenset({VETTING}), _cases("unassigned")),
        QueueCard("vetting_ready", frozenset({VETTING, MANAGER}), _cases("ready")),
        QueueCard("vetting_overdue", frozenset({VETTING, MANAGER}), _cases("overdue")),
    ]


def charts() -> list[HomeChart]:
    return [HomeChart("vetting_decisions", frozenset({VETTING, MANAGER}), _figures, _charts)]


def _figures(now: datetime) -> dict[str, Any]:
    starts = week_starts(now)
    return {"weeks": iso_weeks(starts), **asdict(reporting.decisions_by_week(starts, now))}


def _days(value: float) -> str:
    return _("%(days)s d", days=format_number(value))


def _charts(figures: dict[str, Any]) -> Markup:
    labels = [week_label(week) for week in figures["weeks"]]
    throughput = bar_chart(
        chart_id="vetting-throughput",
        title=_("Vetting decisions per week"),
        desc=_("Cases approved, rejected or withdrawn each week, over the last 8 weeks."),
        labels=labels,
        series=[
            Series(CaseStatus(status).label.capitalize(), counts)
            for status, counts in figures["decided"].items()
        ],
        stacked=True,
    )
    delay = line_chart(
        chart_id="vetting-time",
        title=_("Median time to a decision"),
        desc=_(
            "Median days from a case's opening to its approval or rejection, for the cases decided "
            "each week (no point: no decision that week)."
        ),
        labels=labels,
        series=[Series(_("Median"), figures["median_days"])],
        fmt=_days,
    )
    return throughput + delay
