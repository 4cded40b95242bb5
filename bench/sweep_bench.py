"""The insurance sweep's timings for `make bench`: the sweep for tomorrow (so reminders and lapses
are due), SWEEP_RUNS times, each in a transaction rolled back afterwards, then a re-run of the same
day that must send nothing. Each step is timed as the worker runs it: the opening, every batch of
providers, every batch of reminders' messages written."""

from __future__ import annotations

import statistics
import time

import figures  # bench/figures.py

SWEEP_RUNS = 3
SWEEP_STEP_LIMIT_S = 2.0  # one job of the sweep: its opening or one batch
SWEEP_LIMIT_S = 10.0


# What the sweep writes: rolled-back rows are dead rows all the same (the sweep rewrites the whole
# cover table), so they are vacuumed afterwards and the next bench starts from the same state.
SWEEP_TABLES = (
    "insurance_cover",
    "policy_reminder",
    "notification",
    "restriction_proposal",
    "audit_event",
    "insurance_sweep",
)


def vacuum(tables: tuple[str, ...]) -> None:
    from console.db import db

    with db.engine.connect() as connection:
        names = ", ".join(t for t in tables if t in db.metadata.tables)
        connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(f"VACUUM ANALYZE {names}")


def time_sweep(statements: list[int]) -> dict:
    """The insurance sweep for tomorrow, SWEEP_RUNS times, each rolled back; then a re-run.
    `statements` is the engine's statement counter (bench.count_statements)."""
    from datetime import timedelta

    import sqlalchemy as sa

    from console.business_time import paris_today
    from console.db import db, utcnow
    from insurance.models import InsurancePolicy
    from insurance.sweep import start_sweep, sweep_batch, sweep_policies, write_reminders
    from marketplace.models import Provider, VettingStatus

    providers = db.session.scalar(sa.select(sa.func.count()).select_from(Provider))
    approved = db.session.scalar(
        sa.select(sa.func.count()).where(Provider.vetting_status == VettingStatus.APPROVED)
    )
    policies = db.session.scalar(sa.select(sa.func.count()).select_from(InsurancePolicy))
    db.session.rollback()
    now = utcnow() + timedelta(days=1)
    today = paris_today(now)

    def timed(step):
        statements[0] = 0
        started = time.perf_counter()
        result = step()
        return result, time.perf_counter() - started, statements[0]

    runs, steps, writes = [], [], []  # per run: totals; every opening and batch; every write batch
    rerun = None
    for n in range(SWEEP_RUNS):
        try:
            sweep, seconds, sql = timed(lambda: start_sweep(today=today, now=now))
            total, total_sql = seconds, sql
            steps.append(("open", seconds, sql))
            while sweep.resume_after is not None:
                _, seconds, sql = timed(lambda sweep=sweep: sweep_batch(sweep, now=now))
                total, total_sql = total + seconds, total_sql + sql
                steps.append(("batch", seconds, sql))
            runs.append((total, total_sql, dict(sweep.counts)))
            while True:  # the jobs the sweep enqueues, one after the other
                batch, seconds, _ = timed(lambda: write_reminders(now=now))
                if not batch:
                    break
                writes.append((seconds, batch))
            if n == SWEEP_RUNS - 1:  # the same day again, in the same transaction
                again, seconds, sql = timed(lambda: sweep_policies(today=today, now=now))
                rerun = (seconds, sql, dict(again.counts))
        finally:
            db.session.rollback()
    vacuum(SWEEP_TABLES)
    return {
        "day": today,
        "providers": providers,
        "approved": approved,
        "policies": policies,
        "runs": runs,
        "steps": steps,
        "writes": writes,
        "rerun": rerun,
    }


def print_sweep(result: dict) -> list[str]:
    """Print the sweep's timings; return what failed."""
    from insurance.sweep import REMINDER_BATCH, SWEEP_BATCH

    runs, rerun = result["runs"], result["rerun"]
    print(
        f"\ninsurance sweep for tomorrow ({result['day']:%d/%m/%Y}): {len(runs)} runs, each in a "
        f"transaction rolled back afterwards ({result['providers']:,} providers, "
        f"{result['approved']:,} approved, {result['policies']:,} policies)"
    )
    print(f"{'run':<8} {'seconds':>8} {'SQL':>6}  counts (the whole day: opening and every batch)")
    for n, (seconds, sql, counts) in enumerate(runs, 1):
        print(f"{n:<8} {seconds:>8.2f} {sql:>6}  {_counts(counts)}")
    seconds, sql, counts = rerun
    print(f"{'re-run':<8} {seconds:>8.2f} {sql:>6}  {_counts(counts)}  (same day, same transaction)")
    median = statistics.median(s for s, _, _ in runs)
    events = max(c.get("reminders", 0) + c.get("proposals", 0) + c.get("events", 0) for _, _, c in runs)
    print(
        f"the whole day: median {median:.2f} s for {events:,} reminders, proposals and events "
        f"({1000 * median / max(events, 1):.1f} s per 1,000)"
    )
    failures = []
    for kind in ("open", "batch"):
        found = [(s, n) for k, s, n in result["steps"] if k == kind]
        if not found:
            continue
        times = sorted(s for s, _ in found)
        tail = figures.p95(times)
        print(
            f"{'opening' if kind == 'open' else f'batch of {SWEEP_BATCH:,} providers'}: "
            f"{len(found)} runs, median {1000 * statistics.median(times):.0f} ms, p95 {1000 * tail:.0f} ms, "
            f"max {1000 * times[-1]:.0f} ms; SQL {min(n for _, n in found)}–{max(n for _, n in found)}"
        )
        if tail > SWEEP_STEP_LIMIT_S:
            failures.append(f"SLOW: insurance sweep {kind} (p95 {tail:.1f} s > {SWEEP_STEP_LIMIT_S:.0f} s)")
    if result["writes"]:
        times = sorted(s for s, _ in result["writes"])
        written = sum(n for _, n in result["writes"]) // len(runs)
        print(
            f"reminders' messages written after it (write_reminders, batches of {REMINDER_BATCH}): "
            f"{written:,} per run; a batch: median {1000 * statistics.median(times):.0f} ms, "
            f"max {1000 * times[-1]:.0f} ms ({len(times)} batches)"
        )
    if median > SWEEP_LIMIT_S:
        failures.append(f"SLOW: insurance sweep (median {median:.1f} s > {SWEEP_LIMIT_S:.0f} s)")
    if counts.get("reminders") or counts.get("proposals"):
        failures.append(f"NOT IDEMPOTENT: the sweep's re-run sent {_counts(counts)}")
    return failures


def _counts(counts: dict) -> str:
    return ", ".join(f"{key} {value:,}" for key, value in counts.items())
