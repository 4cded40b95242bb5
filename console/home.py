"""The home page: per role, the person's queues as cards (size, oldest item's age) and the charts
that role reads at a glance.

The domains declare their cards and charts (`<package>/home.py`); the app factory gathers them into
`app.extensions["home_cards"]` and `["home_charts"]`. A card shows only where its queue's view
lets the person in. Chart figures are plain JSON, kept in Redis for CHART_CACHE_SECONDS (the same
figures for everyone; computed each time when Redis is down). The worker measures them afresh
every 4 minutes (`refresh_charts`, in console.schedule), before they expire, so a home page
reads them and never the tables: their queries read weeks of history, whose cost grows with the
data.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import redis
from flask import current_app, url_for
from markupsafe import Markup

from console import counts
from console.cache import warn_once
from console.counts import QueueFigures, count_label
from console.db import utcnow
from console.domain import Role
from console.formatting import format_datetime, format_relative
from console.i18n import lazy_gettext as _l
from console.jobs import get_redis, job

ROLE_INTROS = {
    Role.VETTING_OFFICER: _l("Take providers from application to approval."),
    Role.SUPPORT_AGENT: _l("Resolve client complaints, disputes and review moderation."),
    Role.MANAGER: _l("Decide restrictions and large disputes; download compliance reports."),
    Role.ADMIN: _l("Manage staff accounts; watch the outbox, background jobs and the audit trail."),
}
CHART_CACHE_KEY = "home:chart"
CHART_CACHE_SECONDS = 300


@dataclass(frozen=True)
class QueueCard:
    endpoint: str  # the queue's view: its name is the card's title, its list the card's link
    roles: frozenset[Role]  # whose home shows it
    figures: Callable[[Any, datetime], QueueFigures]  # (staff member, now)
    query: tuple[tuple[str, str], ...] = ()  # the list's filter showing exactly the counted rows
    title: Any = None  # when the card counts a part of the list: what it counts


@dataclass(frozen=True)
class HomeChart:
    key: str
    roles: frozenset[Role]
    figures: Callable[[datetime], dict[str, Any]]  # plain JSON-able figures (cached)
    draw: Callable[[dict[str, Any]], Markup]  # the figures as a chart, in the reader's language


@dataclass(frozen=True)
class Card:
    title: str
    url: str
    count: str
    empty: bool
    oldest: str  # "il y a 3 j", "" for an empty queue
    oldest_at: str  # the exact Paris time, for the hover text
    testid: str


@dataclass(frozen=True)
class Notice:
    title: str
    url: str
    badge: str  # what the screen reports waiting there: "2 failed", "3 to moderate"


@dataclass(frozen=True)
class Section:
    role: Role
    intro: str
    cards: list[Card]
    notices: list[Notice]
    charts: list[Markup]


def home_sections(user, *, now: datetime | None = None) -> list[Section]:
    """One section per role the user holds: its queue cards, what other screens report waiting,
    then its charts (each shown once, under the first of the user's roles that has it)."""
    now = now or utcnow()
    views = current_app.extensions["console_admin_views"]
    seen: set[str] = set()
    chosen = []
    with counts.capped_at(counts.CARD_CAP):  # the home is read at a glance: "1 000+"
        for role in sorted(user.roles):
            cards = []
            for spec in current_app.extensions.get("home_cards", []):
                view = views.get(spec.endpoint)
                if (
                    role in spec.roles
                    and spec.endpoint not in seen
                    and view is not None
                    and _opens(view, role)
                ):
                    seen.add(spec.endpoint)
                    cards.append(_card(view, spec, spec.figures(user, now), now))
            charts = [
                c
                for c in current_app.extensions.get("home_charts", [])
                if role in c.roles and c.key not in seen
            ]
            seen.update(c.key for c in charts)
            chosen.append((role, cards, _notices(views.values(), role, seen), charts))
    figures = chart_figures([chart for *_, charts in chosen for chart in charts], now)
    return [
        Section(role, ROLE_INTROS[role], cards, notices, [chart.draw(figures[chart.key]) for chart in charts])
        for role, cards, notices, charts in chosen
    ]


def _opens(view, role: Role) -> bool:
    return role in view.roles_for("index")


def _url(view, query: tuple[tuple[str, str], ...] = ()) -> str:
    endpoint = f"{view.endpoint}.index_view" if hasattr(view, "index_view") else f"{view.endpoint}.index"
    return url_for(endpoint, **dict(query))


def _notices(views, role: Role, seen: set[str]) -> list[Notice]:
    """The other screens of the role that report something waiting (failed runs, reviews to
    moderate); each once."""
    notices = []
    for view in views:
        if view.endpoint in seen or not hasattr(view, "home_badge") or not _opens(view, role):
            continue
        badge = view.home_badge()
        if badge:
            seen.add(view.endpoint)
            notices.append(Notice(str(view.name), _url(view), badge))
    return notices


def _card(view, spec: QueueCard, figures: QueueFigures, now: datetime) -> Card:
    return Card(
        title=str(spec.title or view.name),
        url=_url(view, spec.query),
        count=count_label(figures.count),
        empty=not figures.count,
        oldest=format_relative(figures.oldest, now) if figures.oldest else "",
        oldest_at=format_datetime(figures.oldest) if figures.oldest else "",
        testid=view.endpoint,
    )


def chart_figures(charts: list[HomeChart], now: datetime) -> dict[str, dict[str, Any]]:
    """Each chart's figures from the cache (one round trip), or measured now and cached."""
    if not charts:
        return {}
    keys = [f"{CHART_CACHE_KEY}:{chart.key}" for chart in charts]
    try:
        cached = get_redis().mget(keys)
    except redis.RedisError:
        warn_once("Redis unavailable: the home page's charts are computed without the cache")
        return {chart.key: chart.figures(now) for chart in charts}
    figures, missing = {}, {}
    for chart, key, value in zip(charts, keys, cached, strict=True):
        if value is None:
            figures[chart.key] = missing[key] = chart.figures(now)
        else:
            figures[chart.key] = json.loads(value)
    if missing:
        try:
            with get_redis().pipeline(transaction=False) as pipe:
                for key, value in missing.items():
                    pipe.set(key, json.dumps(value), ex=CHART_CACHE_SECONDS)
                pipe.execute()
        except redis.RedisError:
            warn_once("Redis unavailable: the home page's charts are computed without the cache")
    return figures


@job(timeout=300)
def refresh_charts() -> int:
    """Every home chart's figures measured now into Redis (the periodic job); how many charts."""
    charts = current_app.extensions.get("home_charts", [])
    now = utcnow()
    figures = {f"{CHART_CACHE_KEY}:{chart.key}": chart.figures(now) for chart in charts}
    with get_redis().pipeline(transaction=False) as pipe:
        for key, value in figures.items():
            pipe.set(key, json.dumps(value), ex=CHART_CACHE_SECONDS)
        pipe.execute()
    return len(figures)
