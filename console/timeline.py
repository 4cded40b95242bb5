"""A provider's timeline: events from every domain, in order, on the provider's page.

Domains contribute a function `events(provider_id) -> list[Event]`; the app factory registers
them in `app.extensions["provider_timeline"]`, so the console never imports a domain package.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from flask import current_app


@dataclass(frozen=True)
class Event:
    at: datetime
    area: str
    text: str

    @staticmethod
    def on(day: date, area: str, text: str) -> Event:
        return Event(datetime.combine(day, time(0), UTC), area, text)


Source = Callable[[int], list[Event]]


def provider_timeline(provider_id: int) -> list[Event]:
    """Every registered source's events for the provider, newest first."""
    events = [
        e for source in current_app.extensions.get("provider_timeline", []) for e in source(provider_id)
    ]
    return sorted(events, key=lambda e: e.at, reverse=True)
