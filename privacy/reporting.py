"""What other packages may read of privacy: the export of a person (the reports package renders
the subject access PDF from it)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from privacy import services


def subject_export(subject_type: str, subject_id: int, *, now: datetime) -> dict[str, Any]:
    return services.export(subject_type, subject_id, now=now)
