"""The subject requests screens: managers and admins record, export and erase."""

from __future__ import annotations

import json
import re

import sqlalchemy as sa

from console.db import db
from privacy.models import SubjectRequest
from tests.factories import make_booking, make_client, make_complaint

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def _token(page) -> str:
    return CSRF.search(page.get_data(as_text=True)).group(1)


def _record(browser, reference: str, kind: str = "erasure"):
    token = _token(browser.get("/privacy_requests/"))
    return browser.post(
        "/privacy_requests/open",
        data={
            "csrf_token": token,
            "kind": kind,
            "reference": reference,
            "requested_by": "La cliente, par courrier",
            "identity_check": "Copie de la carte d'identité",
            "received_on": "2026-11-02",
        },
    )


def test_a_manager_records_a_request_and_downloads_the_export(client_as, now):
    person = make_client(full_name="Inès Export")
    db.session.commit()
    manager = client_as("manager")
    response = _record(manager, person.reference, kind="access")
    assert response.status_code == 302
    request = db.session.scalar(sa.select(SubjectRequest))
    assert request.requested_by == "La cliente, par courrier" and str(request.due_on) == "2026-12-02"
    page = manager.get(f"/privacy_requests/details/?id={request.id}")
    assert page.status_code == 200 and "02/12/2026" in page.get_data(as_text=True)  # the deadline
    download = manager.get(f"/privacy_requests/export/{request.id}.json")
    assert download.status_code == 200 and "attachment" in download.headers["Content-Disposition"]
    assert json.loads(download.get_data())["record"]["full_name"] == "Inès Export"
    assert manager.get("/privacy_requests/export/999999.json").status_code == 404


def test_an_unknown_reference_is_refused_clearly(client_as):
    manager = client_as("manager")
    response = _record(manager, "CLI-9999999")
    assert response.status_code == 302
    assert "There is no client or provider CLI-9999999" in manager.get("/privacy_requests/").get_data(
        as_text=True
    )
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SubjectRequest)) == 0


def test_the_erasure_page_shows_what_stays_and_why_before_erasing(client_as, now):
    booking = make_booking()
    complaint = make_complaint(booking=booking, now=now)
    db.session.commit()
    manager = client_as("manager")
    _record(manager, booking.client.reference)
    request = db.session.scalar(sa.select(SubjectRequest))
    page = manager.get(f"/privacy_requests/details/?id={request.id}")
    body = page.get_data(as_text=True)
    assert (
        'data-testid="erasure-holds"' in body and complaint.reference in body and "retention period" in body
    )
    response = manager.post(f"/privacy_requests/erase/{request.id}", data={"csrf_token": _token(page)})
    assert response.status_code == 302
    db.session.expire_all()
    assert request.status.value == "done" and request.closed_at is not None


def test_only_managers_and_admins_see_requests(client_as):
    for role in ("support_agent", "vetting_officer"):
        assert client_as(role).get("/privacy_requests/").status_code == 403
    assert client_as("admin").get("/privacy_requests/").status_code == 200


def test_a_request_reads_in_words_in_french(app, client_as):
    from tests.test_french import _client_for

    booking = make_booking()
    make_complaint(booking=booking)
    db.session.commit()
    manager = client_as("manager")
    _record(manager, booking.client.reference)
    request = db.session.scalar(sa.select(SubjectRequest))
    french = _client_for(app, "manager", language="fr")
    body = french.get(f"/privacy_requests/details/?id={request.id}&purpose=audit")
    text = body.get_data(as_text=True)
    assert "demande de type effacement" in text and ">reçue<" in text
    assert "client #" in text and "réclamation CMP-" in text
    listing = re.sub(r"\s+", " ", french.get("/privacy_requests/").get_data(as_text=True))
    assert "> reçue </td>" in listing and "> client </td>" in listing
