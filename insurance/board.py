"""The expiry board's tab counts, computed once a day and kept in Redis: the board page computes
only the tab it shows. A verification or a sweep changes cover, so both forget the counts; the
counts of a day are also dropped at its end. Without Redis the counts are computed each time."""

from __future__ import annotations

import contextlib
import json
import logging
from datetime import date

import redis

from console.jobs import get_redis
from insurance.reporting import BOARD_TABS, board_tab

log = logging.getLogger(__name__)
KEY = "insurance:board-counts"
KEEP_SECONDS = 26 * 3600


def tab_counts(day: date, *, shown: str, shown_rows: int) -> dict[str, int]:
    """Every tab's count; the shown tab's from its rows, the others from the day's cache."""
    key = f"{KEY}:{day.isoformat()}"
    try:
        cached = get_redis().get(key)
    except redis.RedisError:
        _warn_once("Redis unavailable: expiry board counts computed without the cache")
        cached = None
    if cached is not None:
        counts = json.loads(cached)
    else:
        counts = {tab: shown_rows if tab == shown else len(board_tab(day, tab)) for tab in BOARD_TABS}
        with contextlib.suppress(redis.RedisError):
            get_redis().set(key, json.dumps(counts), ex=KEEP_SECONDS)
    return counts | {shown: shown_rows}


_warned: set[str] = set()


def _warn_once(message: str) -> None:
    """Once per process: a board page each second must not fill the log."""
    if message not in _warned:
        _warned.add(message)
        log.warning(message)


def forget_counts() -> None:
    """Cover changed (a verification, a sweep): the next board page counts afresh."""
    try:
        client = get_redis()
        keys = list(client.scan_iter(f"{KEY}:*", count=100))
        if keys:
            client.delete(*keys)
    except redis.RedisError:
        log.warning("Redis unavailable: expiry board counts not forgotten")
