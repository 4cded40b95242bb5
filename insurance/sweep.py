"""The daily insurance sweep: the day's reminders, lapse proposals, moot proposals closed and cover
events, read from `insurance_cover`; the reminders' messages written in batches; the weekly check
of the cover rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask_babel import force_locale
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import aliased, joinedload

from console.audit import services as audit
from console.db import after_commit, db
from console.domain import _
from console.formatting import supported_language
from console.jobs import enqueue_after_commit
from console.links import signed_links
from console.notifications.models import Notification
from console.notifications.services import render_message
from insurance import board
from insurance import workflow as wf
from insurance.models import InsuranceCover, InsurancePolicy, InsuranceSweep, PolicyReminder
from insurance.reporting import cover_includes
from insurance.services import (
    LAPSE_REASON,
    SWEEP_ACTOR,
    close_proposals_of_covered,
    lock_cover_changes,
    publish_cover_changes,
    refresh_cover,
)
from marketplace.models import Provider, VettingStatus
from restrictions import reporting as restriction_reporting
from restrictions import services as restrictions
from restrictions.workflow import Source


@dataclass(frozen=True)
class DueCover:
    """An approved provider's cover that may call for a reminder today."""

    provider_id: int
    policy_id: int  # the policy that ends the cover
    ends_on: date
    last_sent: int | None  # the last reminder step sent for that policy


SWEEP_BATCH = 1_000  # providers per run: a run costs the same whatever the day or the data hold
SWEEP_BATCH_MAX = 1_000  # the IN lists of a batch stay within SQLite's and psycopg's limits
SWEEP_SPAN = 10_000  # provider ids a batch looks through at most, whatever plan the database picks
RESTORE_LOOKBACK_DAYS = 7  # with no earlier sweep, covers started this far back are checked


def sweep_policies(
    *, today: date, now: datetime, actor: str = SWEEP_ACTOR, batch: int | None = None
) -> InsuranceSweep:
    """The whole day's sweep in this transaction: `start_sweep`, then `sweep_batch` until done.
    The demo seed and tests use it; the worker runs each batch as its own job (`insurance.jobs`)."""
    sweep = start_sweep(today=today, now=now, actor=actor)
    while sweep.resume_after is not None:
        sweep_batch(sweep, now=now, actor=actor, batch=batch)
    return sweep


def start_sweep(*, today: date, now: datetime, actor: str = SWEEP_ACTOR) -> InsuranceSweep:
    """Open the day's sweep with the covers started since the last sweep (a successor verified
    ahead of time; verification itself handles a policy that covers the day it is verified): close
    their providers' open insurance proposals, now moot, and tell the marketplace of those whose
    last insurance event was a lapse. Both follow the day's changes, not the data; the providers
    whose cover calls for something today are then taken by `sweep_batch`."""
    lock_cover_changes()  # one sweep step at a time, and never during a verification
    since = db.session.scalar(sa.select(sa.func.max(InsuranceSweep.day)).where(InsuranceSweep.day < today))
    started = _covers_started(since or today - timedelta(days=RESTORE_LOOKBACK_DAYS), today)
    counts = {
        "proposals_closed": close_proposals_of_covered(started, today=today, actor=actor, now=now),
        "events": publish_cover_changes(lapsed=[], covered=started, today=today, now=now),
    }
    sweep = InsuranceSweep(day=today, started_at=now, finished_at=now, counts=counts, resume_after=0)
    db.session.add(sweep)
    db.session.flush()
    audit.record(actor, "insurance.sweep", sweep, changes=counts, now=now)
    return sweep


def sweep_batch(
    sweep: InsuranceSweep,
    *,
    now: datetime,
    actor: str = SWEEP_ACTOR,
    batch: int | None = None,
    after: int | None = None,
) -> int | None:
    """Reminders, lapse proposals and lapse events for the next `batch` providers (by id, after
    `sweep.resume_after`) whose cover calls for something on the sweep's day, in a fixed number of
    statements. Returns where the next batch starts, None when the day is done (also kept in
    `sweep.resume_after`). With `after`, the batch is run only if the sweep still starts there: a
    job of a chain that another run overtook stops, so chains never multiply. Two runs of a batch at
    once claim and propose once (on PostgreSQL the second waits for the first and moves on; on
    SQLite it fails at its first write and the periodic resume takes the sweep up again)."""
    lock_cover_changes()  # one sweep step at a time, and never during a verification
    db.session.refresh(sweep, with_for_update=True)  # what a run that held the lock left
    if sweep.resume_after is None or (after is not None and sweep.resume_after != after):
        return None
    today = sweep.day
    limit = min(batch or SWEEP_BATCH, SWEEP_BATCH_MAX)
    ending, lapsed, last = _covers_due(today, after=sweep.resume_after, limit=limit)
    due = [
        {"policy_id": cover.policy_id, "step": step, "sent_on": today}
        for cover in ending + lapsed
        if (step := wf.reminder_to_send(today, cover.ends_on, cover.last_sent)) is not None
    ]
    lapsed_ids = [cover.provider_id for cover in lapsed]
    counts = {
        "reminders": _claim_reminders(due),
        "proposals": _propose_for_lapses(lapsed_ids, actor=actor, now=now),
        "events": publish_cover_changes(lapsed=lapsed_ids, covered=[], today=today, now=now),
        "ending": len(ending),
        "lapsed": len(lapsed),
    }
    changes = {"after": sweep.resume_after, **counts}
    sweep.counts = {key: sweep.counts.get(key, 0) + counts.get(key, 0) for key in {*sweep.counts, *counts}}
    sweep.finished_at, sweep.resume_after = now, last
    audit.record(actor, "insurance.sweep_batch", sweep, changes=changes, now=now)
    if counts["reminders"]:
        from insurance import jobs as insurance_jobs  # the jobs module calls this one

        enqueue_after_commit(insurance_jobs.write_reminders)
    return last


def unfinished_sweeps(day: date, *, idle_since: datetime) -> list[InsuranceSweep]:
    """The sweeps of `day` still to finish whose last batch ran before `idle_since`."""
    query = sa.select(InsuranceSweep).where(
        InsuranceSweep.day == day,
        InsuranceSweep.resume_after.is_not(None),
        InsuranceSweep.finished_at < idle_since,
    )
    return list(db.session.scalars(query.order_by(InsuranceSweep.id)))


def _covers_started(since: date, today: date) -> list[int]:
    """Providers whose cover started after `since` and includes `today` (index on starts_on)."""
    cover = InsuranceCover
    query = sa.select(cover.provider_id).where(cover.starts_on > since, cover_includes(cover, today))
    return list(db.session.scalars(query.order_by(cover.provider_id)))


def _covers_due(today: date, *, after: int, limit: int) -> tuple[list[DueCover], list[DueCover], int | None]:
    """The current cover of the next `limit` approved providers after `after` (by id) whose cover
    calls for something today: it includes today and ends within the reminder window, or it has
    lapsed (the last started, ended before today). Each row carries the last reminder step sent
    for its policy. One keyset query on the cover table's key, within SWEEP_SPAN ids after
    `after`, so a batch reads a bounded slice at any size, whatever plan the database picks; a
    cover that a later one followed is history and never read twice. Returns the ending and the
    lapsed covers, and where the next batch starts (None when the day is done)."""
    cover, later = InsuranceCover, aliased(InsuranceCover)
    window_end = today + timedelta(days=wf.REMINDER_WINDOW_DAYS)
    last_sent = (
        sa.select(sa.func.max(PolicyReminder.step))
        .where(PolicyReminder.policy_id == cover.policy_id)
        .scalar_subquery()
    )
    span = (after, after + SWEEP_SPAN)
    # each table gets the key bounds, so that each is read from `after` on, never from its start
    started_later = sa.exists().where(  # covers never overlap: a later start is a later cover
        later.provider_id == cover.provider_id,
        later.provider_id > span[0],
        later.provider_id <= span[1],
        later.starts_on > cover.starts_on,
        later.starts_on <= today,
    )
    approved = sa.exists().where(
        Provider.id == cover.provider_id,
        Provider.id > span[0],
        Provider.id <= span[1],
        Provider.vetting_status == VettingStatus.APPROVED,
    )
    query = (
        sa.select(cover.provider_id, cover.policy_id, cover.ends_on, last_sent)
        .where(
            cover.provider_id > span[0],
            cover.provider_id <= span[1],
            cover.starts_on <= today,
            cover.ends_on <= window_end,
            ~started_later,
            approved,
        )
        .order_by(cover.provider_id)
        .limit(limit)
    )
    due = [DueCover(*row) for row in db.session.execute(query)]
    if len(due) == limit:
        resume: int | None = due[-1].provider_id
    else:  # the span is done: the next one, unless no provider with a cover lies beyond it
        beyond = sa.select(cover.provider_id).where(cover.provider_id > span[1]).limit(1)
        resume = span[1] if db.session.scalar(beyond) is not None else None
    return [c for c in due if c.ends_on >= today], [c for c in due if c.ends_on < today], resume


def _claim_reminders(due: list[dict]) -> int:
    """Record the reminder steps due (one statement); a step already recorded is left alone."""
    if not due:
        return 0
    insert = (postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite).insert
    statement = (
        insert(PolicyReminder)
        .on_conflict_do_nothing(index_elements=["policy_id", "step"])
        .returning(PolicyReminder.id)
    )
    if len(due) == 1:
        return len(db.session.execute(statement.values(due[0])).all())
    return len(db.session.execute(statement, due).all())


REMINDER_BATCH = 500


def write_reminders(*, now: datetime, limit: int = REMINDER_BATCH) -> int:
    """Write the message of up to `limit` claimed reminders that have none yet, oldest first, in a
    fixed number of statements; returns how many. Concurrent writers take different reminders
    (rows locked with SKIP LOCKED on PostgreSQL; SQLite has one writer at a time)."""
    reminders = db.session.scalars(
        sa.select(PolicyReminder)
        .where(PolicyReminder.notification_id.is_(None))
        .order_by(PolicyReminder.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    if not reminders:
        return 0
    policies = {
        p.id: p
        for p in db.session.scalars(
            sa.select(InsurancePolicy)
            .where(InsurancePolicy.id.in_({r.policy_id for r in reminders}))
            .options(joinedload(InsurancePolicy.provider))
        )
    }
    # each reminder carries a fresh link to the portal's certificate page (made in one statement)
    urls = signed_links(
        "certificate", [(policies[r.policy_id].provider, None) for r in reminders], now=now, actor=SWEEP_ACTOR
    )
    notes = _reminder_notes(
        [(policies[r.policy_id], r.step, url) for r, url in zip(reminders, urls, strict=True)], now
    )
    db.session.add_all(notes)
    db.session.flush()
    db.session.execute(
        sa.update(PolicyReminder),
        [{"id": r.id, "notification_id": n.id} for r, n in zip(reminders, notes, strict=True)],
    )
    from console.notifications import jobs as notification_jobs

    enqueue_after_commit(notification_jobs.deliver_pending)
    return len(notes)


def _reminder_notes(items: list[tuple[InsurancePolicy, int, str]], now: datetime) -> list[Notification]:
    """Each reminder's message in its provider's language (rendered language by language)."""
    by_language: dict[str, list[int]] = {}
    for n, (policy, _step, _link) in enumerate(items):
        by_language.setdefault(supported_language(policy.provider.language), []).append(n)
    notes: list[Notification | None] = [None] * len(items)
    for language, positions in by_language.items():
        with force_locale(language):
            for n in positions:
                policy, step, link = items[n]
                notes[n] = _reminder_note(policy, step, now, link)
    return notes  # type: ignore[return-value]


def _reminder_note(policy: InsurancePolicy, step: int, now: datetime, link: str | None) -> Notification:
    provider = policy.provider
    subject, body = render_message(
        "insurance_reminder",
        {
            "provider": provider.display_name,
            "reference": provider.reference,
            "policy": policy,
            "step": step,
            "link": link,
        },
    )
    return Notification(
        created_at=now,
        recipient=provider.email,
        template="insurance_reminder",
        subject=subject,
        body=body,
        related_type="InsurancePolicy",
        related_id=str(policy.id),
        next_attempt_at=now,
    )


def _propose_for_lapses(provider_ids: list[int], *, actor: str, now: datetime) -> int:
    """An insurance proposal for each lapsed provider (a batch: at most SWEEP_BATCH) without one
    open or an insurance restriction."""
    if not provider_ids:
        return 0
    handled = restriction_reporting.providers_already_handled(
        source=Source.INSURANCE, reason_code=LAPSE_REASON, provider_ids=provider_ids
    )
    todo = [pid for pid in provider_ids if pid not in handled]
    providers = list(db.session.scalars(sa.select(Provider).where(Provider.id.in_(todo)))) if todo else []
    restrictions.propose_restrictions(
        providers,
        reason_code=LAPSE_REASON,
        actor=actor,
        now=now,
        evidence=[_("No verified RC Pro policy covers today (insurance sweep).")],
    )
    return len(providers)


RECONCILE_SLICES = 7  # each provider's cover rows are checked once a week
RECONCILE_BATCH = 10_000  # providers read at a time: memory stays flat


def reconcile_cover(day: date, *, now: datetime, actor: str = SWEEP_ACTOR) -> dict[str, int]:
    """Check one slice of the providers' cover rows against their verified policies and rewrite
    those that differ. Verification keeps the rows current; this is the safety net for a row
    changed behind the console's back. The slice follows the day, so each provider is checked
    once every RECONCILE_SLICES days and a run costs a fixed share of the providers. A provider
    the fix shows covered on `day` has its insurance proposal closed and, if the marketplace was
    told of a lapse, is told of the restore, as verification would have done (a lapse it shows is
    the sweep's to handle)."""
    low, high = db.session.execute(sa.select(sa.func.min(Provider.id), sa.func.max(Provider.id))).one()
    if low is None:
        return {"from": 0, "to": 0, "fixed": 0}
    size = (high - low) // RECONCILE_SLICES + 1
    start = low + (day.toordinal() % RECONCILE_SLICES) * size
    end = min(start + size - 1, high)
    lock_cover_changes()
    fixed: set[int] = set()
    for first in range(start, end + 1, RECONCILE_BATCH):
        fixed |= refresh_cover(between=(first, min(first + RECONCILE_BATCH - 1, end)))
    if fixed:
        covered = _covered_among(sorted(fixed), day)
        close_proposals_of_covered(covered, today=day, actor=actor, now=now)
        publish_cover_changes(lapsed=[], covered=covered, today=day, now=now)
        after_commit(board.forget_counts)
    return {"from": start, "to": end, "fixed": len(fixed)}


def _covered_among(provider_ids: list[int], day: date) -> list[int]:
    """Those of these providers whose cover includes `day`."""
    return [
        provider_id
        for chunk in range(0, len(provider_ids), 1000)  # bounded IN lists (SQLite and psycopg limits)
        for provider_id in db.session.scalars(
            sa.select(InsuranceCover.provider_id).where(
                InsuranceCover.provider_id.in_(provider_ids[chunk : chunk + 1000]),
                cover_includes(InsuranceCover, day),
            )
        )
    ]
