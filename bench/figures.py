"""What the benches compute from their timings, defined once."""

from __future__ import annotations

import statistics


def p95(times: list[float]) -> float:
    """The 95th percentile of `times` (interpolated; at least two values)."""
    return statistics.quantiles(times, n=20, method="inclusive")[-1]
