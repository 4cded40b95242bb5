"""Plain figures about complaints and disputes for the compliance reports (read-only): the
package's public face, gathered from the two sub-packages.

Periods are [since, until) in UTC; each function returns tuples of plain values, so a report
builder never touches the ORM objects of this package.
"""

from __future__ import annotations

from disputes.complaints.reporting import (
    complaint_volumes,
    most_complained_about,
    provider_complaints,
    resolution_hours,
    satisfaction,
    sla_by_severity,
)
from disputes.disputes.reporting import dispute_outcomes

__all__ = [
    "complaint_volumes",
    "dispute_outcomes",
    "most_complained_about",
    "provider_complaints",
    "resolution_hours",
    "satisfaction",
    "sla_by_severity",
]
