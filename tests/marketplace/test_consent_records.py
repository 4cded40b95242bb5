"""Consent records on the client's page (support): given with a wording version, withdrawn, shown."""

from __future__ import annotations

import sqlalchemy as sa

from console.audit.models import AuditEvent
from console.db import db
from marketplace import consents
from marketplace.models import ConsentRecord
from tests.conftest import csrf_token
from tests.factories import make_client


def _page(client) -> str:
    return f"/clients/details/?id={client.id}"


def _record(http, person, **fields):
    token = csrf_token(http, _page(person))
    return http.post(
        f"/clients/consent/{person.id}", data={"csrf_token": token} | fields, follow_redirects=True
    ).get_data(as_text=True)


def test_support_records_and_withdraws_a_consent_on_the_client_page(client_as):
    person = make_client()
    db.session.commit()
    http = client_as("support_agent")
    assert "No consent recorded." in http.get(_page(person)).get_data(as_text=True)
    page = _record(http, person, purpose="insurer/damage_claim", given="given", wording_version="2026-12")
    assert "Consent recorded." in page and "Provider&#39;s insurer: details shared for a damage claim" in page
    assert "standing" in page
    assert consents.has_consent(person, "insurer", "damage_claim")
    page = _record(http, person, purpose="insurer/damage_claim", given="withdrawn", wording_version="")
    db.session.expire_all()
    assert not consents.has_consent(person, "insurer", "damage_claim")
    record = db.session.scalar(sa.select(ConsentRecord).where(ConsentRecord.client_id == person.id))
    assert (record.source, record.wording_version, record.recorded_by) == (
        "support",
        "2026-12",
        http.staff.email,
    )
    assert record.withdrawn_at is not None
    actions = db.session.scalars(
        sa.select(AuditEvent.action).where(AuditEvent.action.like("consent.%")).order_by(AuditEvent.seq)
    ).all()
    assert actions == ["consent.given", "consent.withdrawn"]


def test_a_consent_without_wording_or_of_an_unknown_purpose_is_refused(client_as):
    person = make_client()
    db.session.commit()
    http = client_as("support_agent")
    page = _record(http, person, purpose="insurer/damage_claim", given="given", wording_version="")
    assert "Give the version of the wording" in page
    page = _record(http, person, purpose="insurer/everything", given="given", wording_version="2026-12")
    assert "Unknown consent" in page
    assert db.session.scalar(sa.select(sa.func.count()).where(ConsentRecord.client_id == person.id)) == 0


def test_the_client_form_s_consent_boxes_write_consent_records(client_as):
    person = make_client()
    db.session.commit()
    http = client_as("support_agent")
    token = csrf_token(http, f"/clients/edit/?id={person.id}")
    http.post(
        f"/clients/edit/?id={person.id}",
        data={
            "csrf_token": token,
            "full_name": person.full_name,
            "email": person.email,
            "consent_partner_sharing": "y",
            "expected_version": str(person.version),
        },
    )
    db.session.expire_all()
    record = db.session.scalar(sa.select(ConsentRecord).where(ConsentRecord.client_id == person.id))
    assert (record.recipient, record.purpose, record.source) == ("partners", "partner_sharing", "support")
    assert record.wording_version == consents.SUPPORT_WORDING


def test_the_subject_access_export_holds_the_consent_history(app, now):
    from privacy import services as privacy

    person = make_client()
    for given in (True, False):
        consents.record_consent(
            person, recipient="partners", purpose="partner_sharing", given=given, source="import",
            wording_version="2025-06", actor="system:tests", now=now,
        )  # fmt: skip
    data = privacy.export("client", person.id, now=now)
    (record,) = data["consent_records"]
    assert (record["source"], record["wording_version"], record["purpose"]) == (
        "import",
        "2025-06",
        "partner_sharing",
    )
    assert record["withdrawn_at"] and data["consents"]["consent_partner_sharing"] is False
