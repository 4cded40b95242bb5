"""Figures kept a short while in Redis so a page that many people open computes them once.

`remember(key, seconds, compute)` answers from Redis when it holds the key, otherwise computes,
stores (JSON) and answers. Without Redis it computes every time: slower, never wrong. A change that
makes the figures stale calls `forget(prefix)` after its commit.
"""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Callable
from typing import Any

import redis

from console.jobs import get_redis

log = logging.getLogger(__name__)
_warned: set[str] = set()


def warn_once(message: str) -> None:
    """Once per process: a page opened each second must not fill the log (Redis down, say)."""
    if message not in _warned:
        _warned.add(message)
        log.warning(message)


def remember(key: str, seconds: int, compute: Callable[[], Any]) -> Any:
    """The value under `key` if Redis holds it, else `compute()` (kept `seconds` seconds; 0: not kept
    and not read)."""
    if seconds <= 0:
        return json.loads(json.dumps(compute()))
    try:
        cached = get_redis().get(key)
    except redis.RedisError:
        warn_once(f"Redis unavailable: {key} computed without the cache")
        cached = None
    if cached is not None:
        return json.loads(cached)
    value = compute()
    with contextlib.suppress(redis.RedisError):
        get_redis().set(key, json.dumps(value), ex=seconds)
    return json.loads(json.dumps(value))  # the same shape whether it came from Redis or not


def forget(prefix: str) -> None:
    """Drop every key starting with `prefix` (figures made stale by a change)."""
    try:
        client = get_redis()
        keys = list(client.scan_iter(f"{prefix}*", count=100))
        if keys:
            client.delete(*keys)
    except redis.RedisError:
        log.warning("Redis unavailable: %s* not forgotten", prefix)
