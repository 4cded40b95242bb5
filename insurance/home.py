"""What the home page shows of insurance: the certificates to verify as a card, the share of
approved providers with verified RC Pro cover week after week as a chart (insurance.reporting)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from markupsafe import Markup

from console.business_time import paris_today, week_starts
from console.charts import Series, iso_weeks, line_chart, percent, percent_tick, week_label
from console.domain import Role, _
from console.home import HomeChart, QueueCard
from insurance import reporting

VETTING, MANAGER = Role.VETTING_OFFICER, Role.MANAGER


def cards() -> list[QueueCard]:
    return [QueueCard("certificates", frozenset({VETTING}), lambda user, now: reporting.certificates_card())]


def charts() -> list[HomeChart]:
    return [HomeChart("insurance_cover", frozenset({VETTING, MANAGER}), _figures, _chart)]


def _figures(now: datetime) -> dict[str, Any]:
    """Cover on each week's Monday, and today for the current week."""
    starts = week_starts(now)
    days = [paris_today(start) for start in starts[:-1]] + [paris_today(now)]
    return {"weeks": iso_weeks(starts), "cover": reporting.cover_by_day(days)}


def _chart(figures: dict[str, Any]) -> Markup:
    shares = [
        round(100 * covered / approved, 1) if approved else None for covered, approved in figures["cover"]
    ]
    return line_chart(
        chart_id="insurance-cover",
        title=_("Approved providers with RC Pro cover"),
        desc=_(
            "Share of approved providers with a verified RC Pro policy covering the Monday of each "
            "week (today for the current week), over the last 8 weeks."
        ),
        labels=[week_label(week) for week in figures["weeks"]],
        series=[Series(_("Covered"), shares)],
        fmt=percent,
        tick_fmt=percent_tick,
        top=100,
    )
