"""A create form sent twice (a double click, a reload, two tabs) saves one record."""

from __future__ import annotations

import re
import threading

import pytest
import sqlalchemy as sa

from console.admin_base import ConsoleModelView
from console.auth.models import StaffUser
from console.db import db
from console.submissions import FormSubmission
from disputes.complaints.models import Complaint
from marketplace.models import Client
from tests.conftest import TEST_DATABASE_URL, csrf_token, signed_in_client
from tests.factories import PASSWORD, make_client

TOKEN_RE = re.compile(
    r'name="submission_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="submission_token"'
)


def submission_token(client, url: str) -> str:
    match = TOKEN_RE.search(client.get(url).get_data(as_text=True))
    assert match, f"no submission token on {url}"
    return match.group(1) or match.group(2)


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def client_form(client, **fields) -> dict:
    return {
        "csrf_token": csrf_token(client, "/clients/new/"),
        "submission_token": submission_token(client, "/clients/new/"),
        "full_name": "Camille Martin",
        "email": "camille@example.com",
        **fields,
    }


def test_every_create_form_carries_a_new_token_each_time(app, client_as):
    from console.access import ALL_ROLES

    client = client_as(*sorted(ALL_ROLES))
    views = [
        v
        for v in app.extensions["console_admin_views"].values()
        if isinstance(v, ConsoleModelView) and v.create_roles
    ]
    assert len(views) >= 4
    for view in views:
        url = f"/{view.url.strip('/')}/new/"
        assert submission_token(client, url) != submission_token(client, url), url


def test_a_client_form_sent_twice_creates_one_client_and_shows_it(client_as):
    client = client_as("support_agent")
    form = client_form(client)
    first = client.post("/clients/new/", data=form)
    assert first.status_code == 302
    again = client.post("/clients/new/", data=form)
    assert again.status_code == 302
    created = db.session.scalars(sa.select(Client)).one()
    assert again.headers["Location"].endswith(f"/clients/details/?id={created.id}")
    assert "already saved" in client.get(again.headers["Location"]).get_data(as_text=True)
    assert count(Client) == 1
    assert db.session.get(FormSubmission, form["submission_token"]).object_id == str(created.id)


def test_a_refused_form_can_be_corrected_and_sent_with_the_same_token(client_as):
    client = client_as("support_agent")
    form = client_form(client, email="not an e-mail")
    refused = client.post("/clients/new/", data=form)
    assert refused.status_code == 200 and count(Client) == 0
    assert count(FormSubmission) == 0  # the claim went with the refused save
    assert client.post("/clients/new/", data={**form, "email": "camille@example.com"}).status_code == 302
    assert count(Client) == 1


def test_a_complaint_sent_twice_is_recorded_once(client_as):
    agent = client_as("support_agent")
    person = make_client()
    db.session.commit()
    form = {
        "csrf_token": csrf_token(agent, "/complaints/new/"),
        "submission_token": submission_token(agent, "/complaints/new/"),
        "client_reference": person.reference,
        "channel": "phone",
        "category": "quality",
        "subject": "Vitres oubliées",
        "description": "Le client signale des vitres non faites.",
    }
    answers = [agent.post("/complaints/new/", data=form) for _ in range(3)]
    assert [a.status_code for a in answers] == [302, 302, 302]
    complaint = db.session.scalars(sa.select(Complaint)).one()
    assert all(a.headers["Location"].endswith(f"/complaints/details/?id={complaint.id}") for a in answers)


def test_a_staff_account_form_sent_twice_creates_one_account(client_as):
    admin = client_as("admin")
    before = count(StaffUser)
    form = {
        "csrf_token": csrf_token(admin, "/staff/new/"),
        "submission_token": submission_token(admin, "/staff/new/"),
        "email": "new.person@example.com",
        "full_name": "New Person",
        "role_names": ["support_agent"],
        "password": PASSWORD,
        "active": "y",
    }
    first, again = admin.post("/staff/new/", data=form), admin.post("/staff/new/", data=form)
    assert (first.status_code, again.status_code) == (302, 302)
    assert count(StaffUser) == before + 1
    assert "already saved" in admin.get(again.headers["Location"]).get_data(as_text=True)


@pytest.mark.parametrize(
    "token", ["short", "x" * 65, "<script>alert(1)</script>" * 2, "a b c d e f g h i j k l"]
)
def test_a_token_the_console_did_not_write_is_refused(client_as, token):
    client = client_as("support_agent")
    response = client.post("/clients/new/", data={**client_form(client), "submission_token": token})
    assert response.status_code == 302
    assert "form expired" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert count(Client) == 0


@pytest.mark.committed
@pytest.mark.skipif(not TEST_DATABASE_URL, reason="two writers at once: PostgreSQL")
def test_the_same_form_sent_twice_at_the_same_moment_creates_one_client(app):
    agents = [signed_in_client(app, "support_agent") for _ in range(2)]
    token = submission_token(agents[0], "/clients/new/")
    forms = [
        {
            "csrf_token": csrf_token(a, "/clients/new/"),
            "submission_token": token,
            "full_name": "Léa",
            "email": "lea@example.com",
        }
        for a in agents
    ]
    barrier, answers = threading.Barrier(2), []

    def send(agent, form):
        barrier.wait()
        answers.append(agent.post("/clients/new/", data=form).status_code)

    threads = [threading.Thread(target=send, args=pair) for pair in zip(agents, forms, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert answers == [302, 302]
    db.session.expire_all()
    assert count(Client) == 1


def test_a_note_sent_twice_is_added_once(client_as):
    from disputes.complaints.models import ComplaintEntry
    from tests.factories import make_complaint

    agent = client_as("support_agent")
    complaint = make_complaint()
    db.session.commit()
    page = f"/complaints/details/?id={complaint.id}"
    form = {
        "csrf_token": csrf_token(agent, page),
        "submission_token": submission_token(agent, page),
        "kind": "note",
        "body": "Rappeler le client demain.",
    }
    answers = [
        agent.post(f"/complaints/entry/{complaint.id}", data=form, follow_redirects=True) for _ in range(2)
    ]
    assert "Note added" in answers[0].get_data(as_text=True)
    assert "already saved" in answers[1].get_data(as_text=True)
    notes = db.session.scalars(
        sa.select(ComplaintEntry).where(ComplaintEntry.complaint_id == complaint.id)
    ).all()
    assert [n.body for n in notes] == ["Rappeler le client demain."]


def test_a_report_request_sent_twice_queues_one_run(client_as, queue_redis):
    from reports.models import ReportRun

    manager = client_as("manager")
    form = {
        "csrf_token": csrf_token(manager, "/reports/"),
        "submission_token": submission_token(manager, "/reports/"),
        "kind": "provider_register",
    }
    answers = [manager.post("/reports/request", data=form, follow_redirects=True) for _ in range(2)]
    assert "Requested:" in answers[0].get_data(as_text=True)
    assert "already saved" in answers[1].get_data(as_text=True)
    assert count(ReportRun) == 1
    assert db.session.get(FormSubmission, form["submission_token"]).object_type == "ReportRun"
