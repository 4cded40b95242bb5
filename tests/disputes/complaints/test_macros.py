"""Macros (placeholders, actions, whose) and the composer's reply, which sends and moves the
complaint in one step; resolving without a word to the client takes a reason."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from console.audit.models import AuditEvent
from console.db import db
from console.domain import DomainError
from console.notifications.models import Notification
from disputes.complaints import conversation, macros, services
from disputes.complaints import workflow as wf
from disputes.complaints.models import Complaint, ComplaintEntry, EntryKind, Macro
from disputes.complaints.workflow import Category, Severity, Status, Then
from tests.factories import make_booking, make_client, make_complaint, make_staff


@pytest.fixture
def agent():
    return make_staff("support_agent", name="Agathe Durand")


def _count(model, *where) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def _macro(actor, now, title="Photos", **extra):
    fields = macros.MacroFields(title=title, body="Bonjour {prenom}, dossier {reference}.", **extra)
    return macros.save_macro(None, fields=fields, actor=actor, now=now)


def test_placeholders_are_filled_with_the_complaints_values(agent, now):
    complaint = make_complaint(client=make_client(full_name="Léa Petit"), actor=agent, now=now)
    macro = _macro(agent, now)
    assert macros.filled(macro, complaint, agent) == f"Bonjour Léa, dossier {complaint.reference}."
    values = macros.placeholder_values(complaint, agent)
    assert values["agent"] == "Agathe Durand" and values["echeance"].count("/") == 2
    assert wf.fill_placeholders("{inconnu} {prenom}", {"prenom": "Léa"}) == "{inconnu} Léa"


def test_an_unknown_placeholder_is_refused_with_the_known_ones_named(agent, now):
    fields = macros.MacroFields(title="Oups", body="Bonjour {prénom}{nom}")
    with pytest.raises(DomainError, match=r"Unknown placeholder \{nom\}, \{prénom\}; use \{prenom\}"):
        macros.save_macro(None, fields=fields, actor=agent, now=now)
    assert _count(Macro) == 0


def test_the_team_macros_are_the_managers_and_an_agents_own_stay_theirs(agent, now):
    manager, other = make_staff("manager"), make_staff("support_agent")
    team = _macro(manager, now, title="Équipe", shared=True)
    mine = _macro(agent, now, title="Mienne", shared=True)  # an agent cannot share
    assert team.owner_id is None and mine.owner_id == agent.id
    assert macros.macros_for(agent) == [team, mine] and macros.macros_for(other) == [team]
    with pytest.raises(DomainError, match="Only a manager or its author"):
        macros.save_macro(team, fields=macros.MacroFields(title="Équipe", body="x"), actor=agent, now=now)
    with pytest.raises(DomainError, match="already exists"):
        _macro(other, now, title="Équipe")


def test_applying_a_macro_sets_category_severity_and_adds_its_note(agent, now):
    complaint = make_complaint(booking=make_booking(), category="quality", actor=agent, now=now)
    macro = _macro(
        agent, now, set_category="damage", set_severity="high", note="Vérifier la RC Pro ({reference})."
    )
    conversation.reply(
        complaint, kind="to_client", body=macros.filled(macro, complaint, agent), macro=macro, actor=agent,
        now=now + timedelta(minutes=5),
    )  # fmt: skip
    assert complaint.category == Category.DAMAGE and complaint.severity == Severity.HIGH
    note = db.session.scalar(sa.select(ComplaintEntry).where(ComplaintEntry.kind == EntryKind.NOTE))
    assert note.body == f"Vérifier la RC Pro ({complaint.reference})."
    actions = set(db.session.scalars(sa.select(AuditEvent.action)))
    assert {
        "complaint.category",
        "complaint.severity",
        "complaint.macro_apply",
        "complaint.message",
    } <= actions


def test_another_agents_macro_cannot_be_applied_and_nothing_is_sent(agent, now):
    complaint = make_complaint(category="quality", actor=agent, now=now)
    theirs = _macro(make_staff("support_agent"), now, set_category="damage")
    with pytest.raises(DomainError, match="not one you can apply"):
        conversation.reply(complaint, kind="to_client", body="x", macro=theirs, actor=agent, now=now)
    assert complaint.category != Category.DAMAGE


@pytest.mark.parametrize(
    ("then", "status"),
    [
        (Then.SEND, Status.IN_PROGRESS),
        (Then.WAIT_ON_CLIENT, Status.WAITING_ON_CLIENT),
        (Then.RESOLVE, Status.RESOLVED),
    ],
)
def test_one_reply_takes_a_new_complaint_where_the_button_says(agent, now, then, status):
    complaint = make_complaint(actor=agent, now=now)
    conversation.reply(complaint, kind="to_client", body="Bonjour", then=then, actor=agent, now=now)
    assert complaint.status == status and complaint.first_response_at == now
    assert _count(Notification) == 1


def test_a_plain_reply_leaves_a_waiting_complaint_waiting_and_a_note_moves_nothing(agent, now):
    complaint = make_complaint(actor=agent, now=now)
    conversation.reply(complaint, kind="note", body="À rappeler", actor=agent, now=now)
    assert complaint.status == Status.NEW
    conversation.reply(
        complaint, kind="to_client", body="Photos ?", then="wait_on_client", actor=agent, now=now
    )
    conversation.reply(complaint, kind="to_client", body="Relance", actor=agent, now=now)
    assert complaint.status == Status.WAITING_ON_CLIENT


def test_resolving_without_any_message_to_the_client_asks_for_a_reason(agent, now):
    complaint = make_complaint(actor=agent, now=now)
    for event in ("triage", "start"):
        services.transition(complaint, event, actor=agent, now=now)
    with pytest.raises(DomainError, match="Nothing was sent to the client"):
        services.transition(complaint, "resolve", actor=agent, now=now, reason="  ")
    assert complaint.status == Status.IN_PROGRESS
    services.transition(complaint, "resolve", actor=agent, now=now, reason="Réglé au téléphone")
    note = db.session.scalar(sa.select(ComplaintEntry.body))
    assert complaint.status == Status.RESOLVED and note.endswith("Réglé au téléphone")


def test_the_timeline_starts_with_the_report_and_shows_everything_in_order(agent, now):
    complaint = make_complaint(actor=agent, now=now)
    db.session.add(
        ComplaintEntry(
            complaint_id=complaint.id, kind=EntryKind.FROM_CLIENT, body="Voici les photos",
            author="client", created_at=now + timedelta(minutes=9),
        )
    )  # fmt: skip
    conversation.reply(
        complaint, kind="to_client", body="Des photos ?", then="wait_on_client", actor=agent,
        now=now + timedelta(minutes=5),
    )  # fmt: skip
    conversation.reply(complaint, kind="note", body="Vu", actor=agent, now=now + timedelta(minutes=10))
    items = conversation.timeline(db.session.get(Complaint, complaint.id))
    assert [item.kind for item in items] == ["report", "out", "status", "status", "status", "in", "note"]
    assert items[0].body == complaint.description
    assert [item.label for item in items if item.kind == "status"][-1] == "Status: Waiting on client"
