"""Builders shared by the portal's tests."""

from __future__ import annotations

from datetime import timedelta

from console.db import utcnow
from disputes.complaints import services as complaints
from tests.factories import make_booking, make_complaint, make_staff

PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


def complaint_in(status: str, *, agent=None, now=None, **overrides):
    """A complaint about a booking, moved to `status` by a support agent."""
    agent = agent or make_staff("support_agent")
    now = now or utcnow()
    complaint = make_complaint(booking=make_booking(), actor=agent, now=now - timedelta(days=3), **overrides)
    path = {
        "new": [],
        "in_progress": ["triage", "start"],
        "waiting_on_client": ["triage", "start", "wait_on_client"],
        "waiting_on_provider": ["triage", "start", "wait_on_provider"],
        "resolved": ["triage", "start", "resolve"],
    }[status]
    for step, event in enumerate(path):
        reason = "Réglé par téléphone avec la cliente." if event == "resolve" else None  # nothing was written
        complaints.transition(
            complaint, event, actor=agent, now=now - timedelta(days=2, minutes=-step), reason=reason
        )
    return complaint
