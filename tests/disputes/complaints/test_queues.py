"""The support queues urgency first: the next breach orders them (breached first, then least time
left, stopped clocks last), severity sorts by urgency, and each agent keeps their own views."""

from __future__ import annotations

import re
from datetime import timedelta

import sqlalchemy as sa

from console.db import db, utcnow
from disputes.complaints import services
from disputes.complaints.models import SavedView
from tests.conftest import csrf_token
from tests.factories import make_complaint


def _order(body: str) -> list[int]:
    return [int(n) for n in re.findall(r'data-testid="complaint-(\d+)"', body)]


def test_a_breached_critical_complaint_tops_the_queue_and_waiting_ones_come_last(client_as):
    client = client_as("support_agent")
    now = utcnow()
    medium_old = make_complaint(category="quality", now=now - timedelta(hours=2))
    waiting = make_complaint(category="quality", now=now - timedelta(days=20))
    for event in ("triage", "start", "wait_on_client"):
        services.transition(waiting, event, actor=client.staff, now=now - timedelta(days=20))
    breached = make_complaint(category="harassment", now=now - timedelta(hours=5))
    medium_new = make_complaint(category="billing", now=now)
    low = make_complaint(category="question", now=now)
    db.session.commit()

    body = client.get("/queue/unassigned/").get_data(as_text=True)
    order = _order(body)
    assert order[0] == breached.id and order[-1] == waiting.id
    assert order.index(medium_old.id) < order.index(medium_new.id) < order.index(low.id)
    assert f'data-testid="severity-{breached.id}">Critical<' in body
    assert re.search(rf'data-testid="next-breach-{breached.id}">late by ', body)
    assert f'data-testid="next-breach-{waiting.id}">clock paused<' in body
    assert "Le client signale" not in body and "La cliente signale un vase cassé" in body  # first line

    by_severity = _order(client.get("/queue/unassigned/?sort=1").get_data(as_text=True))
    assert by_severity[0] == breached.id and by_severity[-1] == low.id


def test_a_stored_next_breach_follows_the_clock(client_as):
    agent = client_as("support_agent").staff
    now = utcnow()
    complaint = make_complaint(category="damage", actor=agent, now=now)
    assert complaint.next_breach_at == complaint.first_response_due_at
    services.send_message(complaint, to="to_client", body="Bonjour", actor=agent, now=now)
    assert complaint.next_breach_at == complaint.resolution_due_at
    for event in ("triage", "start", "resolve"):
        services.transition(complaint, event, actor=agent, now=now)
    assert complaint.next_breach_at is None


def test_an_agent_saves_a_view_and_only_they_see_it(client_as):
    agent, other = client_as("support_agent"), client_as("support_agent")
    make_complaint(category="harassment")
    db.session.commit()
    page = "/queue/unassigned/?flt0_0=critical&sort=1"
    response = agent.post(
        "/complaints/save-view",
        data={
            "csrf_token": csrf_token(agent, page), "name": "Critiques", "queue": "complaints_unassigned",
            "query": "flt0_0=critical&sort=1&page=3",
        },
    )  # fmt: skip
    assert response.status_code == 302 and response.location.endswith(
        "/queue/unassigned/?flt0_0=critical&sort=1&page=3"
    )
    view = db.session.scalar(sa.select(SavedView))
    assert view.query == "flt0_0=critical&sort=1"  # the page number is not part of a view
    body = agent.get("/queue/mine/").get_data(as_text=True)
    assert (
        f'href="/queue/unassigned/?flt0_0=critical&amp;sort=1" data-testid="saved-view-{view.id}">Critiques<'
        in body
    )
    assert "Critiques" not in other.get("/queue/mine/").get_data(as_text=True)
    refused = other.post(
        f"/complaints/delete-view/{view.id}", data={"csrf_token": csrf_token(other, "/queue/mine/")}
    )
    assert (
        refused.status_code == 302
        and db.session.scalar(sa.select(sa.func.count()).select_from(SavedView)) == 1
    )
    agent.post(f"/complaints/delete-view/{view.id}", data={"csrf_token": csrf_token(agent, "/queue/mine/")})
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SavedView)) == 0


def test_a_view_without_a_name_is_refused_and_nothing_saved(client_as):
    agent = client_as("support_agent")
    response = agent.post(
        "/complaints/save-view",
        data={"csrf_token": csrf_token(agent, "/queue/mine/"), "name": "  ", "queue": "nowhere"},
        follow_redirects=True,
    )
    assert response.status_code == 200 and "required" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SavedView)) == 0
