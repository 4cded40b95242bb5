"""Insurance events on the provider's timeline: policies, verifications and reminders."""

from __future__ import annotations

import sqlalchemy as sa

from console.db import db
from console.timeline import Event
from insurance.models import InsurancePolicy, PolicyReminder


def provider_events(provider_id: int) -> list[Event]:
    events = []
    policies = db.session.scalars(
        sa.select(InsurancePolicy).where(InsurancePolicy.provider_id == provider_id)
    ).all()
    for p in policies:
        period = f"{p.starts_on:%d/%m/%Y}–{p.ends_on:%d/%m/%Y}"
        events.append(
            Event(p.created_at, "insurance", f"Policy {p.policy_number} ({p.insurer}, {period}) registered")
        )
        if p.verified_at:
            events.append(
                Event(p.verified_at, "insurance", f"Policy {p.policy_number} {p.verification.value}")
            )
    reminders = db.session.execute(
        sa.select(PolicyReminder.sent_on, PolicyReminder.step, InsurancePolicy.policy_number)
        .join(InsurancePolicy, InsurancePolicy.id == PolicyReminder.policy_id)
        .where(InsurancePolicy.provider_id == provider_id)
    )
    for sent_on, step, number in reminders:
        when = f"{-step} day(s) before the end" if step < 0 else f"{step} days after the end"
        events.append(Event.on(sent_on, "insurance", f"Reminder sent for policy {number}: {when}"))
    return events
