"""What the home page shows of restrictions: the proposals waiting for the person's decision."""

from __future__ import annotations

from console.domain import Role
from console.home import QueueCard
from restrictions import reporting


def cards() -> list[QueueCard]:
    deciders = frozenset({Role.MANAGER, Role.VETTING_OFFICER})
    return [QueueCard("proposals", deciders, lambda user, now: reporting.open_proposals_card(user.roles))]
