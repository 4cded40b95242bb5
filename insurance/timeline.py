"""Insurance events on the provider's timeline: policies, verifications and reminders."""

from __future__ import annotations

import sqlalchemy as sa

from console.db import db
from console.domain import _, ngettext
from console.formatting import format_date
from console.timeline import Event
from insurance.models import InsurancePolicy, PolicyReminder


def provider_events(provider_id: int) -> list[Event]:
    events = []
    policies = db.session.scalars(
        sa.select(InsurancePolicy).where(InsurancePolicy.provider_id == provider_id)
    ).all()
    for p in policies:
        text = _(
            "Policy %(number)s (%(insurer)s, %(start)s–%(end)s) registered",
            number=p.policy_number,
            insurer=p.insurer,
            start=format_date(p.starts_on),
            end=format_date(p.ends_on),
        )
        events.append(Event(p.created_at, _("insurance"), text))
        if p.verified_at:
            text = _(
                "Policy %(number)s %(verification)s",
                number=p.policy_number,
                verification=p.verification.label,
            )
            events.append(Event(p.verified_at, _("insurance"), text))
    reminders = db.session.execute(
        sa.select(PolicyReminder.sent_on, PolicyReminder.step, InsurancePolicy.policy_number)
        .join(InsurancePolicy, InsurancePolicy.id == PolicyReminder.policy_id)
        .where(InsurancePolicy.provider_id == provider_id)
    )
    for sent_on, step, number in reminders:
        if step < 0:
            text = ngettext(
                "Reminder sent for policy %(number)s: %(num)s day before the end",
                "Reminder sent for policy %(number)s: %(num)s days before the end",
                -step,
                number=number,
            )
        else:
            text = ngettext(
                "Reminder sent for policy %(number)s: %(num)s day after the end",
                "Reminder sent for policy %(number)s: %(num)s days after the end",
                step,
                number=number,
            )
        events.append(Event.on(sent_on, _("insurance"), text))
    return events
