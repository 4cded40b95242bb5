"""The portal's pages through the test client: a clear 404/410 for wrong, expired, used or revoked
links (never a 500), CSRF, a second submission that changes nothing, the record's language,
the rate limit, the "new link" form that reveals nothing, and the staff's side."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from console.audit.models import AuditEvent
from console.business_time import paris_today
from console.db import db, utcnow
from console.notifications.models import Notification
from disputes.complaints.models import ComplaintEntry, EntryKind, Satisfaction
from disputes.complaints.workflow import Status
from insurance.models import InsurancePolicy
from insurance.workflow import Verification
from portal import answers, services
from portal.models import PortalLink
from tests.conftest import CSRF_RE, sign_in
from tests.factories import make_provider, make_staff
from tests.portal.helpers import PDF, complaint_in

pytestmark = pytest.mark.committed


def _token_of(client, url):
    page = client.get(url)
    assert page.status_code == 200, page.get_data(as_text=True)[:500]
    return CSRF_RE.search(page.get_data(as_text=True)).group(1), page.get_data(as_text=True)


def _certificate_form(csrf, provider, **overrides):
    today = paris_today(utcnow())
    return {
        "csrf_token": csrf,
        "insurer": "AXA France IARD",
        "policy_number": "AXA-PORTAL-1",
        "insured_name": provider.legal_name,
        "insured_siret": provider.siret,
        "activities": ["regular_cleaning"],
        "coverage": "1500000",
        "deductible": "150",
        "starts_on": (today - timedelta(days=2)).isoformat(),
        "ends_on": (today + timedelta(days=363)).isoformat(),
        "certificate": (io.BytesIO(PDF), "attestation.pdf"),
    } | overrides


def test_wrong_expired_used_and_revoked_links_get_the_same_clear_page(app, client):
    provider = make_provider()
    now = utcnow()
    expired, expired_token = services.create_link(
        "certificate", provider, actor="system:tests", now=now - timedelta(days=31)
    )
    revoked, revoked_token = services.create_link("certificate", provider, actor="system:tests", now=now)
    services.revoke(revoked, actor="system:tests", now=now)
    used, used_token = services.create_link("certificate", provider, actor="system:tests", now=now)
    services.spend(used, now=now)
    db.session.commit()
    csrf, _page = _token_of(client, "/portal/new-link")
    for url, status in (
        ("/portal/not-a-token", 404),
        ("/portal/" + "x" * 500, 404),
        (f"/portal/{expired_token}", 410),
        (f"/portal/{revoked_token}", 410),
        (f"/portal/{used_token}", 410),
    ):
        for method in ("get", "post"):
            response = client.get(url) if method == "get" else client.post(url, data={"csrf_token": csrf})
            body = response.get_data(as_text=True)
            assert response.status_code == status, (url, method)
            assert "Ce lien ne fonctionne plus" in body and 'data-testid="ask-form"' in body
            assert response.headers["Referrer-Policy"] == "no-referrer"
    db.session.rollback()
    refusals = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "portal.link_refused")
    ).all()
    assert {e.changes["state"] for e in refusals} == {"unknown", "expired", "revoked", "used"}


def test_a_provider_uploads_a_certificate_once(app, client):
    provider = make_provider()
    link, token = services.create_link("certificate", provider, actor="system:tests", now=utcnow())
    db.session.commit()
    csrf, page = _token_of(client, f"/portal/{token}")
    assert 'lang="fr"' in page and "Votre attestation d'assurance RC Pro" in page
    assert '<label for="f-insurer">Assureur</label>' in page or 'for="f-insurer"' in page
    no_csrf = client.post(
        f"/portal/{token}", data=_certificate_form("", provider), content_type="multipart/form-data"
    )
    assert no_csrf.status_code == 400
    bad = client.post(
        f"/portal/{token}",
        data=_certificate_form(csrf, provider, insured_siret="12345678901234"),
        content_type="multipart/form-data",
    )
    assert bad.status_code == 422 and 'data-testid="portal-error"' in bad.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(InsurancePolicy)) == 0
    not_pdf = client.post(
        f"/portal/{token}",
        data=_certificate_form(csrf, provider, certificate=(io.BytesIO(b"<html>"), "a.pdf")),
        content_type="multipart/form-data",
    )
    assert not_pdf.status_code == 422
    db.session.rollback()
    assert db.session.get(PortalLink, link.id).used_at is None  # a refused try does not spend the link
    done = client.post(
        f"/portal/{token}", data=_certificate_form(csrf, provider), content_type="multipart/form-data"
    )
    assert done.status_code == 200 and "votre attestation a bien été reçue" in done.get_data(as_text=True)
    again = client.post(
        f"/portal/{token}",
        data=_certificate_form(csrf, provider, policy_number="AXA-2"),
        content_type="multipart/form-data",
    )
    assert again.status_code == 410
    db.session.rollback()  # read what the requests committed
    policies = db.session.scalars(sa.select(InsurancePolicy)).all()
    assert len(policies) == 1 and policies[0].verification == Verification.PENDING
    assert (
        policies[0].created_by == f"system:portal:{provider.reference}"
        and policies[0].certificate is not None
    )


def test_a_client_replies_in_english_when_the_record_says_so_and_the_clock_restarts(app, client):
    complaint = complaint_in("waiting_on_client")
    complaint.client.language = "en"
    link, token = services.create_link(
        "complaint_reply", complaint.client, complaint, actor="system:tests", now=utcnow()
    )
    db.session.commit()
    csrf, page = _token_of(client, f"/portal/{token}")
    assert 'lang="en"' in page and "Your message" in page and complaint.reference in page
    empty = client.post(f"/portal/{token}", data={"csrf_token": csrf, "body": "  "})
    assert empty.status_code == 422
    response = client.post(
        f"/portal/{token}",
        content_type="multipart/form-data",
        data={
            "csrf_token": csrf,
            "body": "Paid with 4111-1111-1111-1111, photo attached.",
            "evidence": [(io.BytesIO(PDF), "photo.pdf")],
        },
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    db.session.rollback()
    entry = db.session.scalar(sa.select(ComplaintEntry).where(ComplaintEntry.kind == EntryKind.FROM_CLIENT))
    assert "4111" not in entry.body and entry.author == f"system:portal:{complaint.client.reference}"
    assert db.session.get(type(complaint), complaint.id).status == Status.IN_PROGRESS
    second = client.post(f"/portal/{token}", data={"csrf_token": csrf, "body": "One more thing."})
    assert second.status_code == 200  # a conversation link stays usable until it expires


def test_satisfaction_is_asked_a_day_after_resolution_and_given_once(app, client):
    complaint = complaint_in("resolved")
    complaint.resolved_at = utcnow() - timedelta(days=1, hours=1)
    db.session.commit()
    assert answers.ask_satisfaction(now=utcnow()) == 1
    assert answers.ask_satisfaction(now=utcnow()) == 0  # asked once
    note = db.session.scalar(sa.select(Notification).where(Notification.template == "portal_link"))
    db.session.commit()
    url = re.search(r"http://\S+/portal/(\S+)", note.body)
    token = url.group(1)
    csrf, page = _token_of(client, f"/portal/{token}")
    assert 'name="score"' in page
    assert client.post(f"/portal/{token}", data={"csrf_token": csrf, "score": "9"}).status_code == 422
    ok = client.post(f"/portal/{token}", data={"csrf_token": csrf, "score": "4", "comment": "Rapide."})
    assert ok.status_code == 200
    assert client.post(f"/portal/{token}", data={"csrf_token": csrf, "score": "1"}).status_code == 410
    db.session.rollback()
    row = db.session.scalar(sa.select(Satisfaction))
    assert (row.score, row.comment) == (4, "Rapide.")


def test_the_new_link_form_says_the_same_whoever_asks(app, client):
    provider = make_provider()
    services.create_link("certificate", provider, actor="system:tests", now=utcnow())
    db.session.commit()
    csrf, _page = _token_of(client, "/portal/new-link")
    known = client.post("/portal/new-link", data={"csrf_token": csrf, "email": provider.email})
    unknown = client.post("/portal/new-link", data={"csrf_token": csrf, "email": "nobody@example.fr"})
    assert known.status_code == unknown.status_code == 200
    strip = lambda r: re.sub(r'value="[^"]*"', "", r.get_data(as_text=True))  # noqa: E731
    assert strip(known) == strip(unknown)
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Notification)) == 1


def test_the_rate_limit_per_token(app, client, queue_redis):
    original, app.config["PORTAL_TOKEN_RATE_LIMIT"] = app.config["PORTAL_TOKEN_RATE_LIMIT"], "3/minute"
    try:
        answers = [client.get("/portal/some-token").status_code for _ in range(5)]
    finally:
        app.config["PORTAL_TOKEN_RATE_LIMIT"] = original
    assert answers == [404, 404, 404, 429, 429]


def test_staff_send_a_new_link_from_the_record(app):
    agent = make_staff("support_agent")
    complaint = complaint_in("waiting_on_client", agent=agent)
    db.session.commit()
    client = app.test_client()
    sign_in(client, agent.email)
    csrf, _page = _token_of(client, f"/complaints/details/?id={complaint.id}")
    response = client.post(
        "/portal-links/send",
        data={
            "csrf_token": csrf,
            "person": complaint.client.reference,
            "purpose": "complaint_reply",
            "record": complaint.reference,
            "next": f"/complaints/details/?id={complaint.id}",
        },
    )
    assert response.status_code == 302 and response.headers["Location"].endswith(f"?id={complaint.id}")
    db.session.rollback()
    link = db.session.scalar(sa.select(PortalLink))
    assert link.record_id == complaint.id and link.created_by == agent.email
    wrong = client.post(
        "/portal-links/send",
        data={
            "csrf_token": csrf,
            "person": complaint.client.reference,
            "purpose": "certificate",
            "next": "//evil",
        },
    )
    assert wrong.status_code == 302 and wrong.headers["Location"] == "/"


def test_support_sees_and_downloads_the_files_a_client_sent(app, client):
    agent = make_staff("support_agent")
    complaint = complaint_in("waiting_on_client", agent=agent)
    link, token = services.create_link(
        "complaint_reply", complaint.client, complaint, actor="system:tests", now=utcnow()
    )
    db.session.commit()
    csrf, _page = _token_of(client, f"/portal/{token}")
    client.post(
        f"/portal/{token}",
        content_type="multipart/form-data",
        data={"csrf_token": csrf, "body": "La photo.", "evidence": [(io.BytesIO(PDF), "vase.pdf")]},
    )
    staff = app.test_client()
    sign_in(staff, agent.email)
    page = staff.get(f"/complaints/details/?id={complaint.id}").get_data(as_text=True)
    found = re.search(r'href="(/portal-files/(\d+))"', page)
    assert found and "vase.pdf" in page and 'data-testid="portal-links"' in page
    download = staff.get(found.group(1))
    assert download.status_code == 200 and download.data == PDF
    assert download.headers["Content-Disposition"].startswith("attachment")
    download.close()
    assert staff.get("/portal-files/999999").status_code == 404
    db.session.rollback()  # a fresh snapshot before writing (SQLite)
    officer_account = make_staff("vetting_officer")
    db.session.commit()
    officer = app.test_client()
    sign_in(officer, officer_account.email)
    assert officer.get(found.group(1)).status_code == 403
    db.session.rollback()
    assert db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "file.download")) is not None


def test_the_triage_queue_lists_what_matched_nothing_and_support_marks_it_handled(app, client_as):
    from portal import inbound

    raw = (
        b"From: someone@example.fr\r\nTo: support@ekoklean.fr\r\nSubject: hello\r\n"
        b"Message-ID: <triage-1@example.fr>\r\n\r\nBonjour, une question.\r\n"
    )
    row = inbound.receive(raw, now=utcnow())
    db.session.commit()
    support = client_as("support_agent")
    page = support.get("/inbound-triage/").get_data(as_text=True)
    assert "Bonjour, une question." in page and "Names no complaint" in page
    csrf = CSRF_RE.search(page).group(1)
    assert support.post(f"/inbound-triage/{row.id}/handled", data={"csrf_token": csrf}).status_code == 302
    assert "Bonjour, une question." not in support.get("/inbound-triage/").get_data(as_text=True)
