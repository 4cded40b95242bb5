"""Webhook jobs: fan new events out, deliver chains in order, pick up due retries. Safe to run
twice: a delivery is claimed with a row lock and only while unfinished."""

from __future__ import annotations

from datetime import datetime

from api.webhooks import services
from api.webhooks import workflow as wf
from console.db import db, utcnow
from console.jobs import enqueue, job

CHAINS_PER_JOB = 100


@job(timeout=600)
def fan_out_events() -> int:
    """Turn every event not fanned out yet into deliveries, then queue their delivery."""
    return fan_out_all(now=utcnow())


@job(timeout=900)
def deliver_chains(chains: list[list[int | None]]) -> int:
    """Deliver what is due in each (endpoint, provider) chain, in sequence order."""
    return sum(run_chain(endpoint_id, provider_id) for endpoint_id, provider_id in chains)


@job(timeout=300)
def deliver_due() -> int:
    """Every minute: fan out what a lost job left, and queue the chains with a retry due."""
    now = utcnow()
    fan_out_all(now=now)
    chains = services.due_chains(now=now)
    queue_chains(chains)
    return len(chains)


def fan_out_all(*, now: datetime) -> int:
    """Fan out in batches, committing each, and queue the delivery of the chains they touched."""
    total = 0
    while chains := services.fan_out(now=now):
        db.session.commit()
        queue_chains(chains)
        total += len(chains)
    return total


def queue_chains(chains: list[services.Chain]) -> None:
    for start in range(0, len(chains), CHAINS_PER_JOB):
        enqueue(deliver_chains, [list(chain) for chain in chains[start : start + CHAINS_PER_JOB]])


def run_chain(endpoint_id: int, provider_id: int | None, *, now: datetime | None = None) -> int:
    """Attempt the chain's deliveries one after the other, committing each outcome, until one must
    wait for a retry (a provider's later events wait behind it). `now` defaults to the clock."""
    attempted = 0
    while (delivery := services.claim_next(endpoint_id, provider_id, now=now or utcnow())) is not None:
        status = services.attempt(delivery, now=now or utcnow())
        db.session.commit()
        attempted += 1
        if status in wf.UNFINISHED and provider_id is not None:
            break
    return attempted
