"""The provider's pages: the documents a vetting case waits for, the answer to a dispute before its
deadline, a review request on a restriction; each starts from the e-mail that asks for it."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from console.db import db, utcnow
from console.notifications.models import Notification
from disputes.disputes.models import Dispute, DisputeEvidence
from portal import services
from restrictions import services as restrictions
from restrictions.models import Restriction
from restrictions.workflow import PersonRequired
from tests.conftest import CSRF_RE
from tests.factories import make_applicant, make_dispute, make_provider, make_staff
from tests.portal.helpers import PDF, complaint_in
from vetting import services as vetting
from vetting.models import VettingCase, VettingDocument
from vetting.workflow import CaseStatus

pytestmark = pytest.mark.committed


def _link_from(template: str, recipient: str) -> str:
    db.session.rollback()
    note = db.session.scalar(
        sa.select(Notification)
        .where(Notification.template == template, Notification.recipient == recipient)
        .order_by(Notification.id.desc())
        .limit(1)
    )
    return "/portal/" + re.search(r"/portal/([A-Za-z0-9_-]+)", note.body).group(1)


def _csrf(client, url):
    page = client.get(url)
    assert page.status_code == 200, page.get_data(as_text=True)[:400]
    return CSRF_RE.search(page.get_data(as_text=True)).group(1), page.get_data(as_text=True)


def test_a_provider_sends_the_documents_a_vetting_case_waits_for(app, client):
    officer = make_staff("vetting_officer")
    provider, case = make_applicant()
    vetting.await_provider(
        case,
        request="Votre pièce recto verso, merci.",
        actor=officer,
        now=utcnow() - timedelta(hours=3),
    )
    db.session.commit()
    url = _link_from("vetting_awaiting", provider.email)
    csrf, page = _csrf(client, url)
    assert "Votre pièce recto verso, merci." in page
    empty = client.post(url, data={"csrf_token": csrf})
    assert empty.status_code == 422
    response = client.post(
        url,
        content_type="multipart/form-data",
        data={
            "csrf_token": csrf,
            "answer": "Voici ma pièce.",
            "identity": [(io.BytesIO(PDF), "cni.pdf")],
            "certification": [(io.BytesIO(PDF), "cap.pdf")],
        },
    )
    assert response.status_code == 200, response.get_data(as_text=True)[:400]
    db.session.rollback()
    case = db.session.get(VettingCase, case.id)
    assert case.status == CaseStatus.IN_REVIEW or case.status != CaseStatus.AWAITING_PROVIDER
    assert case.awaiting_since is None and case.paused_hours >= 0
    kinds = sorted(
        d.kind.value
        for d in db.session.scalars(sa.select(VettingDocument).where(VettingDocument.case_id == case.id))
    )
    assert kinds == ["certification", "identity"]
    told = db.session.scalar(
        sa.select(Notification).where(Notification.template == "vetting_provider_answered")
    )
    assert told is not None and "Voici ma pièce." in told.body
    assert client.post(url, data={"csrf_token": csrf}).status_code == 410  # single use


def test_a_provider_answers_a_dispute_before_the_deadline(app, client):
    complaint = complaint_in("in_progress")
    dispute = make_dispute(complaint)
    link, token = services.create_link(
        "dispute_answer", complaint.provider, dispute, actor="system:tests", now=utcnow()
    )
    late, late_token = services.create_link(
        "dispute_answer", complaint.provider, dispute, actor="system:tests", now=utcnow() - timedelta(days=8)
    )
    db.session.commit()
    csrf, page = _csrf(client, f"/portal/{token}")
    assert 'data-testid="deadline"' in page and dispute.reference in page
    assert client.get(f"/portal/{late_token}").status_code == 410  # past the deadline
    response = client.post(
        f"/portal/{token}",
        content_type="multipart/form-data",
        data={
            "csrf_token": csrf,
            "body": "Le vase était déjà fêlé à mon arrivée.",
            "evidence": [(io.BytesIO(PDF), "photo-arrivee.pdf")],
        },
    )
    assert response.status_code == 200
    db.session.rollback()
    dispute = db.session.get(Dispute, dispute.id)
    assert dispute.provider_response == "Le vase était déjà fêlé à mon arrivée."
    evidence = db.session.scalars(
        sa.select(DisputeEvidence).where(DisputeEvidence.dispute_id == dispute.id)
    ).all()
    assert [e.side.value for e in evidence] == ["provider"]
    with pytest.raises(Exception, match="deadline"):
        from disputes.disputes import services as disputes

        disputes.provider_answers(
            dispute,
            text="trop tard",
            uploads=[],
            deadline=utcnow() - timedelta(seconds=1),
            actor=f"system:portal:{complaint.provider.reference}",
            now=utcnow(),
        )


def test_a_restricted_provider_asks_for_a_review_from_the_statement_of_reasons(app, client):
    manager, other_manager = make_staff("manager"), make_staff("manager")
    provider = make_provider()
    restriction = restrictions.restrict_provider(
        provider, reason_code="terms_breach", statement="Annulations répétées.", actor=manager, now=utcnow()
    )
    db.session.commit()
    url = _link_from("restriction_started", provider.email)
    csrf, page = _csrf(client, url)
    assert "Annulations répétées." in page
    assert client.post(url, data={"csrf_token": csrf, "arguments": " "}).status_code == 422
    response = client.post(url, data={"csrf_token": csrf, "arguments": "Mes clients ont annulé, pas moi."})
    assert response.status_code == 200
    db.session.rollback()
    restriction = db.session.get(Restriction, restriction.id)
    assert restriction.review_requested_at is not None
    assert restriction.review_request == "Mes clients ont annulé, pas moi."
    told = db.session.scalars(
        sa.select(Notification.recipient).where(Notification.template == "restriction_review_requested")
    ).all()
    assert told == [other_manager.email]  # not the manager who decided
    with pytest.raises(Exception, match="different|autre|other"):
        restrictions.decide_review(
            restriction, outcome="upheld", reasons="Non.", actor=db.session.merge(manager), now=utcnow()
        )
    with pytest.raises(PersonRequired):
        restrictions.provider_requests_review(
            restriction, text="again", actor="system:portal:PRV-999999", now=utcnow()
        )


def test_a_client_acknowledges_a_policy_change_from_the_announcement(app, client):
    from policy import campaign
    from policy.models import PolicyNotice
    from tests.factories import make_client
    from tests.policy.test_campaign import significant_version

    someone = make_client()
    version, manager = significant_version()
    started = campaign.start_campaign(version, actor=manager, now=utcnow())
    campaign.run_chunk(started.id, now=utcnow())
    db.session.commit()
    url = _link_from("policy_version_changed", someone.email)
    csrf, page = _csrf(client, url)
    assert f"/policy/versions/{version.number}" in page and "Frais d&#39;annulation revus." in page
    assert client.post(url, data={"csrf_token": csrf}).status_code == 200
    assert client.post(url, data={"csrf_token": csrf}).status_code == 410  # once
    db.session.rollback()
    notice = db.session.scalar(sa.select(PolicyNotice).where(PolicyNotice.client_id == someone.id))
    assert notice.acknowledged_at is not None
