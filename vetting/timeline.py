"""Vetting events on the provider's timeline: cases opened, paused, decided; checks completed."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from console.access import user_has_any
from console.db import db
from console.domain import _
from console.timeline import Event
from vetting import workflow as wf
from vetting.models import VettingCase


def provider_events(provider_id: int) -> list[Event]:
    """Shown to vetting officers and managers only: a check's outcome is not for every role."""
    if not user_has_any(wf.OFFICER_ROLES):
        return []
    events = []
    cases = db.session.scalars(
        sa.select(VettingCase)
        .where(VettingCase.provider_id == provider_id)
        .options(selectinload(VettingCase.checks), selectinload(VettingCase.decided_by))
    ).all()
    for case in cases:
        events.append(
            Event(
                case.opened_at, _("vetting"), _("%(case)s opened by %(who)s", case=case, who=case.opened_by)
            )
        )
        for check in case.checks:
            if check.completed_at:
                events.append(
                    Event(
                        check.completed_at,
                        _("vetting"),
                        _(
                            "%(case)s: %(kind)s check %(status)s",
                            case=case.reference,
                            kind=check.kind.label,
                            status=check.status.label,
                        ),
                    )
                )
        if case.decided_at:
            who = case.decided_by.full_name if case.decided_by else _("someone")
            text = _("%(case)s %(status)s by %(who)s", case=case.reference, status=case.status.label, who=who)
            events.append(Event(case.decided_at, _("vetting"), text))
    return events
