"""Report 4: complaints and disputes, volumes, SLAs, outcomes (figures from disputes.reporting)."""

from __future__ import annotations

from dataclasses import dataclass, replace

from disputes import reporting
from reports.builders.common import Built, Progress, day_bounds
from reports.terms import term
from reports.workflow import Period, ReportKind


@dataclass(frozen=True)
class SeverityRow:
    severity: str
    complaints: int
    first_response_met_pct: float | None
    resolution_met_pct: float | None


@dataclass(frozen=True)
class OutcomeRow:
    outcome: str
    disputes: int
    claimed_cents: int
    awarded_cents: int


@dataclass(frozen=True)
class ComplaintsData:
    volumes: list[tuple[str, int]]  # per category
    sla: list[SeverityRow]
    resolution_hours: tuple[float | None, float | None]  # median, 90th percentile
    outcomes: list[OutcomeRow]
    top_providers: list[tuple[str, str, int]]  # reference, name, complaints
    satisfaction_agents: list[tuple[str, int, float]] = ()  # agent, ratings, mean score
    satisfaction_categories: list[tuple[str, int, float]] = ()  # category, ratings, mean score

    @property
    def sla_chart(self) -> list[tuple[str, float]]:
        return [(r.severity, r.resolution_met_pct) for r in self.sla if r.resolution_met_pct is not None]

    @property
    def outcome_chart(self) -> list[tuple[str, int]]:
        return [(r.outcome, r.disputes) for r in self.outcomes]

    @property
    def provider_chart(self) -> list[tuple[str, int]]:
        return [(f"{reference} {name}", count) for reference, name, count in self.top_providers]


def complaint_volumes(period: Period) -> list[tuple[str, int]]:
    return reporting.complaint_volumes(*day_bounds(period))


def sla_attainment(period: Period) -> list[SeverityRow]:
    return [SeverityRow(*row) for row in reporting.sla_by_severity(*day_bounds(period))]


def resolution_times(period: Period) -> tuple[float | None, float | None]:
    return reporting.resolution_hours(*day_bounds(period))


def dispute_outcomes(period: Period) -> list[OutcomeRow]:
    return [OutcomeRow(*row) for row in reporting.dispute_outcomes(*day_bounds(period))]


def most_complained_about(period: Period) -> list[tuple[str, str, int]]:
    return reporting.most_complained_about(*day_bounds(period))


def build_complaints(period: Period, *, progress: Progress) -> Built:
    """The figures, their categories, severities and outcomes in the reader's words."""
    data = ComplaintsData(
        volumes=[(term("category", category), n) for category, n in complaint_volumes(period)],
        sla=[replace(row, severity=term("severity", row.severity)) for row in sla_attainment(period)],
        resolution_hours=resolution_times(period),
        outcomes=[replace(row, outcome=term("outcome", row.outcome)) for row in dispute_outcomes(period)],
        top_providers=most_complained_about(period),
        satisfaction_agents=reporting.satisfaction(*day_bounds(period), by="agent"),
        satisfaction_categories=[
            (term("category", key), n, mean)
            for key, n, mean in reporting.satisfaction(*day_bounds(period), by="category")
        ],
    )
    progress(60)
    return Built("complaints.html", period.label, ReportKind.COMPLAINTS.description, data)
