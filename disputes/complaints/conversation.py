"""The complaint page's conversation: one timeline (the client's report, messages both ways, notes,
status changes) and the composer's reply, which sends and moves the complaint in one step."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from console.db import db
from console.domain import DomainError, _
from disputes.complaints import macros, services
from disputes.complaints import workflow as wf
from disputes.complaints.merging import services as merge
from disputes.complaints.models import (
    Complaint,
    ComplaintEntry,
    ComplaintStatusChange,
    EntryKind,
    Macro,
)
from disputes.complaints.workflow import Status, Then

INBOUND = frozenset({EntryKind.FROM_CLIENT, EntryKind.FROM_PROVIDER})


@dataclass(frozen=True)
class Item:
    """One line of the timeline; `kind` is report, in, out, note, status or merge (the page's
    styles); `link_id` is the other complaint a merge line links to."""

    at: datetime
    kind: str
    who: str
    label: str
    body: str
    testid: str
    link_id: int | None = None


def _entry_item(entry: ComplaintEntry) -> Item:
    kind = "note" if entry.kind == EntryKind.NOTE else "in" if entry.kind in INBOUND else "out"
    testid = f"entry-{entry.kind.value}"
    return Item(entry.created_at, kind, entry.author, entry.kind.label, entry.body, testid)


def timeline(complaint: Complaint) -> list[Item]:
    """The client's report first, then everything after it in time order, whoever wrote it."""
    entries = db.session.scalars(
        sa.select(ComplaintEntry)
        .where(ComplaintEntry.complaint_id == complaint.id)
        .order_by(ComplaintEntry.created_at, ComplaintEntry.id)
    )
    changes = db.session.execute(
        sa.select(ComplaintStatusChange.at, ComplaintStatusChange.status, ComplaintStatusChange.actor)
        .where(ComplaintStatusChange.complaint_id == complaint.id)
        .order_by(ComplaintStatusChange.at, ComplaintStatusChange.id)
    )
    later = [(item.at, 0, n, item) for n, item in enumerate(map(_entry_item, entries))]
    for n, (at, status, actor) in enumerate(changes):
        if status != Status.NEW or n:  # the report itself stands for the first "new"
            text = _("Status: %(status)s", status=status.label)
            later.append((at, 1, n, Item(at, "status", actor, text, "", "entry-status")))
    later.extend((item.at, 2, n, item) for n, item in enumerate(_merge_items(complaint)))
    report = Item(
        complaint.created_at,
        "report",
        complaint.client.full_name,
        _("The client's report (%(channel)s)", channel=complaint.channel.label.lower()),
        complaint.description,
        "entry-report",
    )
    return [report, *(item for *_key, item in sorted(later, key=lambda row: row[:3]))]


def _merge_items(complaint: Complaint) -> list[Item]:
    """The merge lines: on a merged complaint, "merged into CMP-…"; on a survivor, each merged
    complaint's own report (at its time) and "merged from CMP-…" (when, by whom). The page links
    the references."""
    if complaint.merged_into_id is not None:
        text = _("Merged into")
        return [
            Item(complaint.closed_at, "merge", "", text, "", "entry-merged-into", complaint.merged_into_id)
        ]
    items = []
    for other, merged_by in merge.merged_from(complaint.id):
        report = _("The client's report (%(channel)s), merged from", channel=other.channel.label.lower())
        items.append(Item(other.created_at, "report", complaint.client.full_name, report, other.description,
                          "entry-merged-report", other.id))  # fmt: skip
        items.append(
            Item(other.closed_at, "merge", merged_by, _("Merged from"), "", "entry-merged-from", other.id)
        )
    return items


def _then(value: Any) -> Then:
    try:
        return Then(value or Then.SEND)
    except ValueError as exc:
        raise DomainError(_("Unknown step after sending: %(value)r.", value=str(value)[:30])) from exc


def reply(
    complaint: Complaint,
    *,
    kind: EntryKind | str,
    body: str,
    then: Then | str = Then.SEND,
    macro: Macro | None = None,
    actor: Any,
    now: datetime,
) -> ComplaintEntry:
    """Write a message (or a note), apply the macro's actions, then take the status steps the
    button asked for: a reply takes a new complaint in hand, or sets it waiting, or resolves it."""
    person = services.require_staff(actor)
    then = _then(then)
    if macro is not None:
        macros.apply_actions(complaint, macro, actor=person, now=now)
    if kind == EntryKind.NOTE.value:
        entry = services.add_note(complaint, body=body, actor=person, now=now)
        steps = [] if then == Then.SEND else wf.after_reply(complaint.status, then)
    else:
        entry = services.send_message(complaint, to=kind, body=body, actor=person, now=now)
        steps = wf.after_reply(complaint.status, then)
    for event in steps:
        services.transition(complaint, event, actor=person, now=now)
    return entry
