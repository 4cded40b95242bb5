"""An optional copy of the audit chain's heads off this machine (AUDIT_HEAD_SINK_URL).

After each anchor, the heads written to the head file since the last one the sink accepted are
POSTed, oldest first, as JSON `{"sequence", "digest", "at"}`, each with a short timeout. A failure
is logged and the same heads are sent again after the next anchor: the sink never holds up the
anchor, which is written to the file (and the log) first. How many lines of the head file the sink
has accepted is kept beside it, in `<AUDIT_HEAD_FILE>.sent`.
"""

from __future__ import annotations

import json
import logging
import os
import urllib.error
import urllib.request
from pathlib import Path

from console.audit.services import Head

log = logging.getLogger(__name__)

BATCH = 50  # heads sent after one anchor at most (a long outage is caught up over a few anchors)
SINK_ERRORS = (urllib.error.URLError, TimeoutError, OSError, ValueError)


def deliver_pending(head_file: str, url: str, *, token: str = "", timeout: float = 5.0) -> int:
    """Send the heads the sink has not accepted yet; return how many it accepted now."""
    lines = _head_lines(head_file)
    done = _sent(head_file)
    if done > len(lines):  # a new head file (rotated): start again from its first line
        done = 0
    delivered = 0
    for line in lines[done : done + BATCH]:
        try:
            _post(url, _payload(line), token=token, timeout=timeout)
        except SINK_ERRORS as error:
            log.warning("audit head sink: %s not accepted (%s); sent again after the next anchor", url, error)
            break
        delivered += 1
    if delivered:
        _record_sent(head_file, done + delivered)
    return delivered


def _payload(line: str) -> dict:
    at = line.split(maxsplit=1)[0]
    head = Head.parse(line)
    return {"sequence": head.seq, "digest": head.hash, "at": at}


def _post(url: str, payload: dict, *, token: str, timeout: float) -> None:
    headers = {"Content-Type": "application/json", "User-Agent": "ekoklean-console audit-head"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(  # noqa: S310 - the URL's scheme is checked by the configuration
        url, data=json.dumps(payload).encode(), headers=headers, method="POST"
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
        if not 200 <= response.status < 300:
            raise ValueError(f"answered {response.status}")


def _head_lines(head_file: str) -> list[str]:
    try:
        with open(head_file, encoding="ascii") as anchors:
            return [line for line in anchors if line.strip()]
    except FileNotFoundError:
        return []


def _sent(head_file: str) -> int:
    try:
        return int(Path(head_file + ".sent").read_text().strip() or 0)
    except (FileNotFoundError, ValueError):
        return 0


def _record_sent(head_file: str, count: int) -> None:
    marker = Path(head_file + ".sent")
    partial = marker.with_name(marker.name + ".tmp")
    partial.write_text(f"{count}\n")
    os.replace(partial, marker)


def ship(config) -> int | None:
    """After an anchor: deliver to the sink when one is configured (None when there is none)."""
    if not config.get("AUDIT_HEAD_SINK_URL"):
        return None
    return deliver_pending(
        config["AUDIT_HEAD_FILE"],
        config["AUDIT_HEAD_SINK_URL"],
        token=config.get("AUDIT_HEAD_SINK_TOKEN", ""),
        timeout=config.get("AUDIT_HEAD_SINK_TIMEOUT", 5.0),
    )
