"""The provider page's cards (bookings, vetting, insurance, rating, complaints, disputes,
restrictions), gathered from every domain without the console importing one.

Each domain's `reporting.py` answers for its own card; the app factory registers those functions in
`app.extensions[CARDS]` (card name -> function(provider_id, now)). Public references in the cards
(`BKG-0001234`, `CMP-…`, `DSP-…`, `REV-…`, `VET-…`) become links to their page when the reader may
open it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

from flask import Flask, current_app, g, url_for
from markupsafe import Markup, escape

from console.access import PUBLIC, declared_roles, user_has_any

CARDS = "provider_cards"
Card = Callable[[int, datetime], Any]

# A reference's prefix -> the endpoint of its page and the name of its id argument.
PAGES = {
    "PRV": ("providers.details_view", "id"),
    "CLI": ("clients.details_view", "id"),
    "BKG": ("bookings.details_view", "id"),
    "CMP": ("complaints.details_view", "id"),
    "DSP": ("disputes.details_view", "id"),
    "REV": ("moderation.review", "review_id"),
    "VET": ("vetting_cases.details_view", "id"),
}
REFERENCE = re.compile(r"\b(" + "|".join(PAGES) + r")-(\d{1,12})\b")


def provider_cards(provider_id: int, now: datetime) -> dict[str, Any]:
    """Every registered card for the provider, by name."""
    return {name: card(provider_id, now) for name, card in current_app.extensions.get(CARDS, {}).items()}


def may_open(endpoint: str) -> bool:
    """Whether the signed-in staff member may open the page behind `endpoint`."""
    allowed = declared_roles(current_app, endpoint)
    return allowed == PUBLIC or (bool(allowed) and user_has_any(allowed))


_SENTINEL = 987_654_321  # stands for the id in a page's URL, built once per request


def _url_pattern(prefix: str) -> str | None:
    """The URL of a `prefix` reference's page with the sentinel id, or None when the reader may not
    open those pages: worked out once per request (a long timeline has many references)."""
    patterns = g.setdefault("reference_url_patterns", {})
    if prefix not in patterns:
        endpoint, argument = PAGES[prefix]
        patterns[prefix] = url_for(endpoint, **{argument: _SENTINEL}) if may_open(endpoint) else None
    return patterns[prefix]


def page_url(reference: str) -> str | None:
    """The URL of a reference's page, or None when it is not a known reference or the reader may
    not open that page."""
    match = REFERENCE.fullmatch(reference)
    if match is None:
        return None
    pattern = _url_pattern(match.group(1))
    return pattern.replace(str(_SENTINEL), str(int(match.group(2)))) if pattern else None


def reference_link(reference: str) -> Markup:
    """`reference` as a link to its page (plain text when the reader may not open it)."""
    url = page_url(reference)
    if url is None:
        return Markup("{}").format(reference)
    return Markup('<a href="{}" data-reference="{}">{}</a>').format(url, reference, reference)


def link_references(text: str | None) -> Markup:
    """Free text (escaped) with each reference in it turned into a link."""
    escaped = str(escape(text or ""))
    return Markup(REFERENCE.sub(lambda m: str(reference_link(m.group(0))), escaped))  # noqa: S704 escaped above


def init_app(app: Flask, cards: dict[str, Card]) -> None:
    app.extensions[CARDS] = cards
    app.jinja_env.globals.update(
        provider_cards=provider_cards, reference_link=reference_link, may_open=may_open
    )
    app.jinja_env.filters["link_references"] = link_references
