"""The expiry board's tabs, kept in Redis so a board page costs the same whatever the data.

Each tab's rows (`insurance.reporting.board_tab`) are computed at once and kept as a Redis list with
their count and the moment they were computed; a board page reads its 50 rows (LRANGE) and every
tab's count, never the tables. A verification or a sweep changes cover, so both forget the tabs
after their commit; a periodic job recomputes them every few minutes (bookings and approvals move
the uninsured-with-bookings tab), so a page rarely has to. Kept at most BOARD_CACHE_SECONDS; with
0, or without Redis, every page computes its tab and the counts itself: slower, never wrong.
"""

from __future__ import annotations

import json
from datetime import date, datetime

import redis

from console.cache import forget, warn_once
from console.db import utcnow
from console.jobs import get_redis
from insurance.reporting import BOARD_TABS, ExpiryRow, board_tab

KEY = "insurance:board"


def _encode(row: ExpiryRow) -> str:
    return json.dumps(
        [
            row.provider_id,
            row.day.isoformat(),
            row.policy_id,
            row.bookings,
            row.next_booking.isoformat() if row.next_booking else None,
        ]
    )


def _decode(raw: bytes) -> ExpiryRow:
    provider_id, day, policy_id, bookings, next_booking = json.loads(raw)
    return ExpiryRow(
        provider_id,
        date.fromisoformat(day),
        policy_id,
        bookings,
        datetime.fromisoformat(next_booking) if next_booking else None,
    )


def _keys(day: date, tab: str) -> tuple[str, str]:
    base = f"{KEY}:{day.isoformat()}:{tab}"
    return base, base + ":meta"


def store_tab(client: redis.Redis, day: date, tab: str, rows: list[ExpiryRow], seconds: int) -> dict:
    """Replace one tab's rows in Redis in one transaction; its meta: count and computing moment."""
    rows_key, meta_key = _keys(day, tab)
    meta = {"n": len(rows), "at": utcnow().isoformat()}
    pipe = client.pipeline(transaction=True)
    pipe.delete(rows_key)
    for start in range(0, len(rows), 1000):
        pipe.rpush(rows_key, *(_encode(r) for r in rows[start : start + 1000]))
    pipe.set(meta_key, json.dumps(meta), ex=seconds)
    pipe.expire(rows_key, seconds)
    pipe.execute()
    return meta


def tab_page(
    day: date, tab: str, start: int, stop: int, *, seconds: int
) -> tuple[list[ExpiryRow], int, datetime]:
    """Rows [start, stop) of a tab, its count, and when it was computed."""
    if seconds > 0:
        rows_key, meta_key = _keys(day, tab)
        try:
            client = get_redis()
            meta = client.get(meta_key)
            if meta is None:
                rows = board_tab(day, tab)
                stored = store_tab(client, day, tab, rows, seconds)
                return rows[start:stop], len(rows), datetime.fromisoformat(stored["at"])
            meta = json.loads(meta)
            shown = [_decode(raw) for raw in client.lrange(rows_key, start, stop - 1)]
            return shown, meta["n"], datetime.fromisoformat(meta["at"])
        except redis.RedisError:
            warn_once("Redis unavailable: the expiry board computes each tab on every page")
    rows = board_tab(day, tab)
    return rows[start:stop], len(rows), utcnow()


def tab_counts(day: date, *, shown: str, shown_rows: int, seconds: int) -> dict[str, int]:
    """Every tab's count: from Redis, each missing tab computed (and kept) once."""
    counts = {shown: shown_rows}
    others = [tab for tab in BOARD_TABS if tab != shown]
    if seconds > 0:
        try:
            client = get_redis()
            metas = client.mget([_keys(day, tab)[1] for tab in others])
            for tab, meta in zip(others, metas, strict=True):
                if meta is None:
                    meta = json.dumps(store_tab(client, day, tab, board_tab(day, tab), seconds))
                counts[tab] = json.loads(meta)["n"]
            return counts
        except redis.RedisError:
            warn_once("Redis unavailable: the expiry board computes each tab on every page")
    return counts | {tab: len(board_tab(day, tab)) for tab in others}


def refresh(day: date, *, seconds: int) -> dict[str, int]:
    """Compute every tab afresh into Redis (the periodic job); each tab's count."""
    client = get_redis()
    return {tab: store_tab(client, day, tab, board_tab(day, tab), seconds)["n"] for tab in BOARD_TABS}


def forget_counts() -> None:
    """Cover changed (a verification, a sweep): the next board page or job computes afresh."""
    forget(f"{KEY}:")
