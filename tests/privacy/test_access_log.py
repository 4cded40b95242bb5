"""The access log: every page of a person's data records who opened it, when, which record and why."""

from __future__ import annotations

import io
from datetime import date, timedelta

import sqlalchemy as sa

from console.access_log import services as access_log
from console.access_log.models import AccessEntry
from console.access_log.services import Subject
from console.admin_base import ConsoleModelView
from console.db import db, utcnow
from console.schedule import PERIODIC_JOBS
from disputes.complaints.models import Complaint
from disputes.disputes.models import Dispute
from insurance.models import InsurancePolicy
from marketplace.models import Booking, Client, Provider
from restrictions import services as restrictions
from restrictions.models import Restriction, RestrictionProposal
from reviews import services as reviews
from reviews.models import Review
from tests.conftest import sign_in
from tests.factories import (
    make_applicant,
    make_booking,
    make_client,
    make_complaint,
    make_dispute,
    make_provider,
    make_staff,
    make_verified_policy,
)
from tests.insurance.test_admin import PDF, _policy
from vetting import checks
from vetting.models import VettingCase, VettingCheck

# The records whose pages show a person's data: a view of one of these must log its openings.
PERSONAL_MODELS = {
    Provider,
    Client,
    Booking,
    Complaint,
    Dispute,
    Review,
    VettingCase,
    VettingCheck,
    InsurancePolicy,
    Restriction,
    RestrictionProposal,
}


def _entries() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(AccessEntry))


def _seed(now):
    provider, _case = make_applicant()
    client = make_client()
    booking = make_booking(client=client, provider=make_provider())
    complaint = make_complaint(booking=booking, now=now)
    dispute = make_dispute(complaint, now=now)
    review = reviews.record_review(booking=booking, rating=2, text="Pas venu.", actor="system:tests", now=now)
    reviews.report_review(review, detail="insulte", actor=make_staff("support_agent"), now=now)
    policy = make_verified_policy(booking.provider)
    proposal = restrictions.propose_restriction(
        booking.provider, reason_code="low_rating", actor="system:tests", now=now
    )
    restriction = restrictions.restrict_provider(
        provider, reason_code="other", statement="s", actor=make_staff("manager"), now=now
    )
    db.session.commit()
    return {
        Provider: provider.id,
        Client: client.id,
        Booking: booking.id,
        Complaint: complaint.id,
        Dispute: dispute.id,
        Review: review.id,
        VettingCase: _case.id,
        InsurancePolicy: policy.id,
        RestrictionProposal: proposal.id,
        Restriction: restriction.id,
    }


def _personal_pages(app):
    """(endpoint, view, method name, rule) for every page of a personal record."""
    views = app.extensions["console_admin_views"]
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or "." not in rule.endpoint:
            continue
        name, method = rule.endpoint.split(".", 1)
        view = views.get(name)
        if not isinstance(view, ConsoleModelView) or view.model not in PERSONAL_MODELS:
            continue
        if method in ("details_view", "edit_view") or method in view.access_methods:
            yield rule.endpoint, view, method, rule


def test_every_view_of_a_personal_record_declares_its_access_kind(app):
    missing = sorted(
        endpoint for endpoint, view, _method, _rule in _personal_pages(app) if view.access_kind is None
    )
    assert missing == [], f"views of personal data that log nothing: {missing}"


def test_every_personal_page_writes_an_access_entry(app, client_as, now):
    ids = _seed(now)
    client = client_as("manager", "vetting_officer", "support_agent")
    logged, shown = set(), set()
    for endpoint, view, _method, rule in _personal_pages(app):
        record_id = ids.get(view.model)
        if record_id is None:
            continue
        args = {name: record_id for name in rule.arguments}
        url = rule.build(args, append_unknown=False)[1]
        if not rule.arguments:
            url += f"?id={record_id}"
        before = _entries()
        response = client.get(url)
        assert response.status_code < 500, (url, response.status_code)
        written = _entries() - before
        if response.status_code == 200:
            shown.add(endpoint)
            assert written >= 1, f"{url} showed a person's data and logged nothing"
            logged.add(endpoint)
        else:  # a redirect (not in this queue, editing not allowed): nothing of the person shown
            assert written == 0, url
    for endpoint in (
        "providers.details_view",
        "providers.edit_view",
        "clients.details_view",
        "clients.edit_view",
        "bookings.details_view",
        "complaints.details_view",
        "disputes.details_view",
        "reviews.details_view",
        "moderation.review",
        "vetting_cases.details_view",
        "policies.details_view",
        "proposals.decide",
        "restrictions.details_view",
    ):
        assert endpoint in logged, endpoint


def test_an_entry_names_staff_subject_record_and_purpose(app, client_as, now):
    booking = make_booking()
    db.session.commit()
    client = client_as("manager")
    assert client.get(f"/bookings/details/?id={booking.id}").status_code == 200
    entries = db.session.scalars(sa.select(AccessEntry).order_by(AccessEntry.subject_type)).all()
    assert [(e.subject_type, e.subject_id) for e in entries] == [
        ("client", booking.client_id),
        ("provider", booking.provider_id),
    ]
    entry = entries[0]
    assert entry.staff == client.staff.email and entry.staff_id == client.staff.id
    assert (entry.record_type, entry.record_id, entry.purpose) == ("Booking", str(booking.id), "audit")
    assert entry.page == "bookings.details_view"


def test_the_purpose_is_asked_first_once_per_kind_of_page(app, now):
    provider, other = make_provider(), make_provider()
    staff = make_staff("manager")
    db.session.commit()
    client = app.test_client()
    sign_in(client, staff.email, purposes_chosen=False)
    page = client.get(f"/providers/details/?id={provider.id}")
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and 'data-testid="access-purpose-dialog"' in body
    assert provider.legal_name not in body and _entries() == 0
    page = client.get(f"/providers/details/?id={provider.id}&purpose=support_case")
    assert provider.legal_name in page.get_data(as_text=True)
    assert client.get(f"/providers/details/?id={other.id}").status_code == 200  # remembered for the kind
    purposes = db.session.scalars(sa.select(AccessEntry.purpose).order_by(AccessEntry.id)).all()
    assert purposes == ["support_case", "support_case"]
    asked = client.get(f"/clients/details/?id={make_client().id}")  # another kind: asked again
    assert 'data-testid="access-purpose-dialog"' in asked.get_data(as_text=True)
    refused = client.get(f"/providers/details/?id={provider.id}&purpose=curiosity")
    assert refused.status_code == 200  # an unknown purpose is not stored; the remembered one applies


def test_the_queue_implies_the_purpose(app, now):
    staff = make_staff("support_agent", "vetting_officer")
    complaint = make_complaint(now=now)
    provider = make_provider()
    db.session.commit()
    client = app.test_client()
    sign_in(client, staff.email, purposes_chosen=False)
    assert client.get(f"/complaints/details/?id={complaint.id}").status_code == 200
    page = client.get(
        f"/providers/details/?id={provider.id}", headers={"Referer": "http://localhost/vetting_ready/"}
    )
    assert 'data-testid="access-purpose-dialog"' not in page.get_data(as_text=True)
    purposes = db.session.execute(
        sa.select(AccessEntry.record_type, AccessEntry.purpose).order_by(AccessEntry.id)
    )
    assert [tuple(row) for row in purposes] == [("Complaint", "support_case"), ("Provider", "vetting_work")]


def test_managers_see_who_accessed_a_provider_and_a_client(app, client_as, now):
    provider, person = make_provider(), make_client()
    db.session.commit()
    agent = client_as("support_agent")
    agent.get(f"/providers/details/?id={provider.id}")
    agent.get(f"/clients/details/?id={person.id}")
    manager = client_as("manager")
    for url in (f"/providers/details/?id={provider.id}", f"/clients/details/?id={person.id}"):
        body = manager.get(url).get_data(as_text=True)
        assert 'data-testid="who-accessed"' in body and agent.staff.email in body, url
    body = client_as("support_agent").get(f"/clients/details/?id={person.id}").get_data(as_text=True)
    assert 'data-testid="who-accessed"' not in body


def test_entries_older_than_twelve_months_are_purged_in_batches(app):
    now = utcnow()
    staff = make_staff("manager")
    for age in (400, 380, 366, 364, 10):
        access_log.record_access(
            staff,
            [Subject("client", 7)],
            record_type="Client",
            record_id=7,
            purpose="audit",
            page="clients.details_view",
            now=now - timedelta(days=age),
        )
    assert access_log.purge_expired(now=now, batch=2) == 3
    left = db.session.scalars(sa.select(AccessEntry.occurred_at)).all()
    assert len(left) == 2
    assert "console.access_log.jobs.purge_access_log" in {job.func for job in PERIODIC_JOBS}


def test_opening_a_certificate_or_a_vetting_document_is_logged(app, client_as, now):
    provider, case = make_applicant()
    policy = _policy(provider, starts=date(2026, 1, 1), ends=date(2026, 12, 31))
    document = checks.upload_document(
        case,
        kind="identity",
        upload=(io.BytesIO(PDF), "id.pdf"),
        actor=make_staff("vetting_officer"),
        now=now,
    )
    db.session.commit()
    officer = client_as("vetting_officer")
    for url in (
        f"/policies/certificate/{policy.id}?purpose=verification",
        f"/vetting_cases/document/{document.id}?purpose=vetting",
    ):
        response = officer.get(url)
        assert response.status_code == 200, url
        response.close()  # the file it streamed
    rows = db.session.execute(
        sa.select(AccessEntry.record_type, AccessEntry.subject_id, AccessEntry.purpose).order_by(
            AccessEntry.id
        )
    ).all()
    assert [tuple(r) for r in rows] == [
        ("InsuranceCertificate", provider.id, "verification"),
        ("VettingDocument", provider.id, "vetting"),
    ]
