"""RQ entry points of the portal (thin; safe to run twice)."""

from __future__ import annotations

from console.db import utcnow
from console.jobs import job
from portal import answers


@job(timeout=300)
def ask_satisfaction() -> int:
    """Ask the clients of complaints resolved a day ago to rate the resolution."""
    return answers.ask_satisfaction(now=utcnow())
