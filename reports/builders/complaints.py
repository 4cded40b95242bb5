"""Report 4: complaints and disputes, volumes, SLAs, outcomes (figures from disputes.reporting)."""

from __future__ import annotations

from dataclasses import dataclass

from disputes import reporting
from reports.builders.common import Built, Progress, day_bounds
from reports.workflow import Period


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
    data = ComplaintsData(
        volumes=complaint_volumes(period),
        sla=sla_attainment(period),
        resolution_hours=resolution_times(period),
        outcomes=dispute_outcomes(period),
        top_providers=most_complained_about(period),
    )
    progress(60)
    return Built("complaints.html", period.label, "Complaints and disputes: volumes, SLAs, outcomes", data)
