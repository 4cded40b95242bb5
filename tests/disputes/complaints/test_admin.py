"""Support screens through the Flask test client: roles, bad input, escaping, concurrent decisions."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from console.db import db, utcnow
from console.notifications.models import Notification
from disputes.complaints import services
from disputes.complaints.models import Complaint, ComplaintEntry, Macro
from disputes.complaints.workflow import Status
from tests.conftest import count_queries, csrf_token
from tests.factories import make_booking, make_complaint, make_staff

CARD = "4970 1012 3456 7893"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
QUEUES = [
    "/complaints/",
    "/queue/mine/",
    "/queue/unassigned/",
    "/queue/at-risk/",
    "/queue/breached/",
    "/queue/waiting/",
]
PAGES = [*QUEUES, "/support/", "/disputes/", "/disputes-to-decide/", "/moderation/", "/flags/", "/macros/"]


def _post(client, url, data, page):
    return client.post(url, data={"csrf_token": csrf_token(client, page), **data})


def _flashes(response) -> str:
    return response.get_data(as_text=True)


@pytest.mark.parametrize("role", ["support_agent", "manager"])
def test_agents_and_managers_open_every_support_page(client_as, role):
    client = client_as(role)
    make_complaint(booking=make_booking())
    db.session.commit()
    for url in PAGES:
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("role", ["vetting_officer", "admin"])
def test_vetting_officers_and_admins_see_no_complaint(client_as, role):
    client = client_as(role)
    complaint = make_complaint()
    db.session.commit()
    for url in [*PAGES, f"/complaints/details/?id={complaint.id}"]:
        assert client.get(url).status_code == 403, url


def test_a_complaint_is_recorded_through_the_form_and_html_is_escaped(client_as):
    client = client_as("support_agent")
    booking = make_booking()
    db.session.commit()
    response = _post(
        client,
        "/complaints/new/",
        {
            "client_reference": booking.client.reference,
            "booking_reference": booking.reference,
            "channel": "email",
            "category": "damage",
            "subject": "<script>alert(1)</script>",
            "description": f"<img src=x onerror=alert(1)> carte {CARD}",
        },
        "/complaints/new/",
    )
    assert response.status_code == 302
    complaint = db.session.scalar(sa.select(Complaint))
    assert complaint.provider_id == booking.provider_id and CARD not in complaint.description
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<img src=x" not in page and "[card ••••7893]" in page


def test_a_complaint_about_another_clients_booking_is_a_clear_message(client_as):
    client = client_as("support_agent")
    booking, other = make_booking(), make_booking()
    db.session.commit()
    response = _post(
        client,
        "/complaints/new/",
        {
            "client_reference": other.client.reference,
            "booking_reference": booking.reference,
            "channel": "phone",
            "category": "quality",
            "subject": "Late",
            "description": "Late by an hour",
        },
        "/complaints/new/",
    )
    assert response.status_code == 200 and "booking of another client" in _flashes(response)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Complaint)) == 0


def test_unknown_references_and_bad_choices_are_clear_messages(client_as):
    client = client_as("support_agent")
    response = _post(
        client,
        "/complaints/new/",
        {
            "client_reference": "CLI-9999999",
            "channel": "fax",
            "category": "damage",
            "subject": "x",
            "description": "y",
        },
        "/complaints/new/",
    )
    assert response.status_code == 200 and "Not a valid choice" in _flashes(response)
    response = _post(
        client,
        "/complaints/new/",
        {
            "client_reference": "CLI-9999999",
            "channel": "phone",
            "category": "damage",
            "subject": "x",
            "description": "y",
        },
        "/complaints/new/",
    )
    assert response.status_code == 200 and "There is no client CLI-9999999" in _flashes(response)


def test_a_forbidden_transition_is_a_clear_message(client_as):
    client = client_as("support_agent")
    complaint = make_complaint()
    db.session.commit()
    page = f"/complaints/details/?id={complaint.id}"
    response = _post(
        client,
        f"/complaints/transition/{complaint.id}",
        {"event": "close", "expected_version": complaint.version},
        page,
    )
    assert response.status_code == 302
    assert "A new complaint cannot be: close" in client.get(page).get_data(as_text=True)
    db.session.expire_all()
    assert complaint.status == Status.NEW


def test_a_stale_page_gets_someone_else_changed_it(client_as):
    client = client_as("support_agent")
    complaint = make_complaint()
    db.session.commit()
    page = f"/complaints/details/?id={complaint.id}"
    stale = complaint.version
    services.transition(complaint, "triage", actor=make_staff("support_agent"), now=utcnow())
    db.session.commit()
    _post(
        client, f"/complaints/transition/{complaint.id}", {"event": "start", "expected_version": stale}, page
    )
    assert "changed by someone else" in client.get(page).get_data(as_text=True)


def test_a_one_megabyte_message_and_a_card_number_in_a_note(client_as):
    client = client_as("support_agent")
    complaint = make_complaint()
    db.session.commit()
    page = f"/complaints/details/?id={complaint.id}"
    response = _post(
        client, f"/complaints/entry/{complaint.id}", {"kind": "to_client", "body": "x" * 1_000_000}, page
    )
    assert response.status_code == 302
    assert "longer than 10000 characters" in client.get(page).get_data(as_text=True)
    _post(client, f"/complaints/entry/{complaint.id}", {"kind": "note", "body": f"carte {CARD}"}, page)
    body = db.session.scalar(sa.select(ComplaintEntry.body))
    assert CARD not in body and "[card ••••7893]" in body
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Notification)) == 0


def test_posts_without_a_csrf_token_are_refused(client_as):
    client = client_as("support_agent")
    complaint = make_complaint()
    db.session.commit()
    response = client.post(f"/complaints/transition/{complaint.id}", data={"event": "triage"})
    assert response.status_code == 400
    db.session.expire_all()
    assert complaint.status == Status.NEW


def test_bulk_assignment_to_another_agent(client_as):
    client = client_as("support_agent")
    other = make_staff("support_agent", name="Bernard Agent")
    complaints = [make_complaint() for _ in range(3)]
    db.session.commit()
    response = _post(
        client,
        "/complaints/action/",
        {"action": "assign_to", "assignee_id": other.id, "rowid": [c.id for c in complaints[:2]]},
        "/queue/unassigned/",
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert [c.assignee_id for c in complaints] == [other.id, other.id, None]
    _post(
        client,
        "/queue/unassigned/action/",
        {"action": "assign_me", "rowid": [complaints[2].id]},
        "/queue/unassigned/",
    )
    db.session.expire_all()
    assert complaints[2].assignee_id == client.staff.id
    page = client.get("/queue/mine/").get_data(as_text=True)
    assert complaints[2].reference in page and complaints[0].reference not in page


def test_a_queue_page_costs_a_fixed_number_of_statements(client_as):
    client = client_as("support_agent")
    for _ in range(3):
        make_complaint(booking=make_booking())
    db.session.commit()
    with count_queries() as few:
        client.get("/queue/unassigned/")
    for _ in range(10):
        services.assign(make_complaint(booking=make_booking()), None, actor=client.staff, now=utcnow())
    db.session.commit()
    with count_queries() as many:
        client.get("/queue/unassigned/")
    assert len(many) == len(few)  # no statement per row


def _macro_form(title: str, **extra) -> dict:
    return {"title": title, "body": "Bonjour {prenom}", "recipient": "to_client", "then": "send"} | {
        "set_category": "", "set_severity": "", "note": "", "active": "y"
    } | extra  # fmt: skip


def test_managers_write_the_teams_macros_and_agents_their_own(client_as):
    agent, manager = client_as("support_agent"), client_as("manager")
    response = _post(manager, "/macros/new/", _macro_form("Excuses", shared="y"), "/macros/new/")
    assert response.status_code == 302
    response = _post(agent, "/macros/new/", _macro_form("Mes excuses", shared="y"), "/macros/new/")
    assert response.status_code == 302
    owners = dict(db.session.execute(sa.select(Macro.title, Macro.owner_id)).all())
    assert owners["Excuses"] is None  # the team's
    assert owners["Mes excuses"] is not None  # an agent's macro stays theirs, "shared" or not
    team = db.session.scalar(sa.select(Macro.id).where(Macro.title == "Excuses"))
    assert agent.get(f"/macros/edit/?id={team}").status_code == 403
    listed = agent.get("/macros/").get_data(as_text=True)
    assert "Excuses" in listed and "Mes excuses" in listed
    other = client_as("support_agent")
    assert "Mes excuses" not in other.get("/macros/").get_data(as_text=True)


def test_an_agent_is_offered_edit_only_on_their_own_macros(client_as):
    agent, manager = client_as("support_agent"), client_as("manager")
    assert (
        _post(manager, "/macros/new/", _macro_form("Excuses", shared="y"), "/macros/new/").status_code == 302
    )
    assert _post(agent, "/macros/new/", _macro_form("Mes excuses"), "/macros/new/").status_code == 302
    ids = dict(db.session.execute(sa.select(Macro.title, Macro.id)).all())
    listed = agent.get("/macros/").get_data(as_text=True)
    assert f"/macros/edit/?id={ids['Mes excuses']}&" in listed
    assert f"/macros/edit/?id={ids['Excuses']}&" not in listed  # it would answer 403
    assert "/macros/edit/" not in agent.get(f"/macros/details/?id={ids['Excuses']}").get_data(as_text=True)
    assert "/macros/edit/" in agent.get(f"/macros/details/?id={ids['Mes excuses']}").get_data(as_text=True)
    assert f"/macros/edit/?id={ids['Excuses']}&" in manager.get("/macros/").get_data(as_text=True)


def test_a_macro_with_an_unknown_placeholder_is_refused_and_nothing_saved(client_as):
    manager = client_as("manager")
    body = _post(manager, "/macros/new/", _macro_form("Oups", body="Bonjour {prénom_client}"), "/macros/new/")
    assert "Unknown placeholder" in body.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Macro)) == 0


def test_the_dashboard_shows_the_numbers(client_as):
    client = client_as("manager")
    make_complaint(category="injury", now=utcnow() - timedelta(hours=3))
    db.session.commit()
    body = client.get("/support/").get_data(as_text=True)
    assert 'data-testid="count-breached">1<' in body and 'data-testid="severity-critical"' in body
