"""Signed links and reply addresses for outgoing messages, without the shell knowing the portal:
the factory installs the portal's makers (`app.extensions`); with none, messages carry no link."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import current_app

LINK_MAKER = "portal_link_maker"
LINKS_MAKER = "portal_links_maker"
REPLY_ADDRESS = "portal_reply_address"


def signed_link(
    purpose: str, person: Any, record: Any = None, *, now: datetime, actor: Any = None
) -> str | None:
    """A fresh signed link to the portal page of `purpose` for `person` about `record`, or None."""
    maker = current_app.extensions.get(LINK_MAKER)
    return maker(purpose, person, record, now=now, actor=actor) if maker else None


def signed_links(
    purpose: str, people: list[tuple[Any, Any]], *, now: datetime, actor: Any = None
) -> list[str | None]:
    """Fresh links for many (person, record) pairs at once (a sweep's reminders), in that order."""
    maker = current_app.extensions.get(LINKS_MAKER)
    return maker(purpose, people, now=now, actor=actor) if maker else [None] * len(people)


def reply_address(reference: str) -> str | None:
    """The support address whose replies are threaded into the record `reference`, or None."""
    maker = current_app.extensions.get(REPLY_ADDRESS)
    return maker(reference) if maker else None
