"""Satisfaction: asked by the hourly job a day after resolution (a real worker runs it), shown per
agent and per category on the support dashboard and in report (4)."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from rq import Queue

from console.db import db, utcnow
from console.schedule import PERIODIC_JOBS
from disputes import reporting
from disputes.complaints.models import Satisfaction
from portal import answers, services
from reports.builders.complaints import build_complaints
from reports.workflow import Period
from tests.conftest import InProcessWorker
from tests.factories import make_staff
from tests.portal.helpers import complaint_in


def _rated(agent, score, *, category="damage"):
    complaint = complaint_in("resolved", agent=agent, category=category)
    complaint.assignee_id = agent.id
    link, _token = services.create_link(
        "satisfaction", complaint.client, complaint, actor="system:tests", now=utcnow()
    )
    answers.rate(link, score=score, comment=None, now=utcnow())
    return complaint


def test_the_job_asks_once_a_day_after_resolution(app, queue_redis):
    assert "portal.jobs.ask_satisfaction" in {p.func for p in PERIODIC_JOBS}
    recent = complaint_in("resolved")
    recent.resolved_at = utcnow() - timedelta(hours=20)  # not a day yet
    old = complaint_in("resolved")
    old.resolved_at = utcnow() - timedelta(days=1, minutes=5)
    db.session.commit()
    queue = Queue("default", connection=queue_redis)
    job = queue.enqueue("portal.jobs.ask_satisfaction")
    InProcessWorker([queue], connection=queue_redis).work(burst=True)
    assert job.get_status(refresh=True) == "finished" and job.return_value() == 1
    db.session.rollback()
    asked = db.session.scalars(sa.select(Satisfaction)).all()
    assert [row.complaint_id for row in asked] == [old.id] and asked[0].score is None
    assert recent.id not in {row.complaint_id for row in asked}
    again = queue.enqueue("portal.jobs.ask_satisfaction")
    InProcessWorker([queue], connection=queue_redis).work(burst=True)
    assert again.return_value() == 0


def test_scores_per_agent_and_category(app, client_as):
    alice, bob = (
        make_staff("support_agent", name="Alice Agent"),
        make_staff("support_agent", name="Bob Agent"),
    )
    _rated(alice, 5)
    _rated(alice, 4, category="quality")
    _rated(bob, 2)
    since, until = utcnow() - timedelta(days=1), utcnow() + timedelta(minutes=1)
    assert reporting.satisfaction(since, until, by="agent") == [
        ("Alice Agent", 2, 4.5),
        ("Bob Agent", 1, 2.0),
    ]
    assert reporting.satisfaction(since, until, by="category") == [("damage", 2, 3.5), ("quality", 1, 4.0)]
    db.session.commit()
    page = client_as("support_agent").get("/support/").get_data(as_text=True)
    assert "Alice Agent" in page and 'data-testid="satisfaction-categories"' in page
    today = utcnow().date()
    built = build_complaints(
        Period(today - timedelta(days=1), today + timedelta(days=1)), progress=lambda _: None
    )
    assert ("Alice Agent", 2, 4.5) in built.data.satisfaction_agents


def test_erasure_replaces_the_rating_comment():
    from disputes.complaints.erasure import erase_complaint_texts

    complaint = complaint_in("resolved")
    link, _token = services.create_link(
        "satisfaction", complaint.client, complaint, actor="system:tests", now=utcnow()
    )
    answers.rate(link, score=3, comment="Mon voisin M. Dupont était là.", now=utcnow())
    erase_complaint_texts([complaint.id], placeholder="[effacé]")
    row = db.session.scalar(sa.select(Satisfaction).where(Satisfaction.complaint_id == complaint.id))
    assert (row.score, row.comment) == (3, "[effacé]")
