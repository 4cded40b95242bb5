"""The audit chain's head, written outside the database on a schedule."""

from __future__ import annotations

from flask import current_app

from console.audit import services, sink
from console.db import utcnow
from console.jobs import job


@job(timeout=60)
def anchor_head() -> str:
    """Every 5 minutes: append the chain's head to AUDIT_HEAD_FILE and to the log, so deleting the
    last events of the chain is found by `audit verify` (a cut tail still links up on its own);
    then to the external sink, when one is configured."""
    head = services.anchor_head(current_app.config["AUDIT_HEAD_FILE"], now=utcnow())
    sink.ship(current_app.config)
    return str(head)
