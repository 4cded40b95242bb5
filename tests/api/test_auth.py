"""Bearer keys: none, wrong, revoked, two during a rotation, the wrong scope; problem+json."""

from __future__ import annotations

import sqlalchemy as sa

from api.clients import services
from console.audit.models import AuditEvent
from console.db import db, utcnow
from tests.api.conftest import Api, make_api_client

ELIGIBILITY = "/api/v1/providers/PRV-000001/eligibility"


def _problem(response, status):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == status and body["title"]
    return body


def test_no_key_wrong_key_and_malformed_header_are_refused(client):
    _problem(client.get(ELIGIBILITY), 401)
    response = client.get(ELIGIBILITY, headers={"Authorization": "Bearer ek_0123456789ab_" + "x" * 43})
    assert _problem(response, 401) and response.headers["WWW-Authenticate"] == "Bearer"
    _problem(client.get(ELIGIBILITY, headers={"Authorization": "Basic Zm9vOmJhcg=="}), 401)
    issued = make_api_client()
    forged = issued.secret[:-1] + ("A" if issued.secret[-1] != "A" else "B")
    _problem(client.get(ELIGIBILITY, headers={"Authorization": f"Bearer {forged}"}), 401)


def test_the_key_is_stored_only_as_a_digest_and_shown_once(client):
    issued = make_api_client()
    assert issued.secret.startswith(f"ek_{issued.key.prefix}_")
    assert issued.key.digest != issued.secret and len(issued.key.digest) == 64
    assert issued.secret not in str(db.session.execute(sa.select(AuditEvent.changes)).all())


def test_a_revoked_key_stops_at_once_and_a_rotation_keeps_two_keys_working(client):
    issued = make_api_client()
    old = Api(client, issued.secret)
    assert old.get("/providers/PRV-999999/eligibility").status_code == 404
    rotated = services.rotate_key(issued.client, actor="system:tests", now=utcnow())
    new = Api(client, rotated.secret)
    assert new.get("/providers/PRV-999999/eligibility").status_code == 404
    assert old.get("/providers/PRV-999999/eligibility").status_code == 404
    services.revoke_key(issued.key, actor="system:tests", now=utcnow())
    _problem(old.get("/providers/PRV-999999/eligibility"), 401)
    assert new.get("/providers/PRV-999999/eligibility").status_code == 404


def test_a_third_active_key_is_refused(client):
    issued = make_api_client()
    services.rotate_key(issued.client, actor="system:tests", now=utcnow())
    try:
        services.rotate_key(issued.client, actor="system:tests", now=utcnow())
    except services.DomainError as exc:
        assert "2 active keys" in str(exc)
    else:
        raise AssertionError("a third key was issued")


def test_a_revoked_client_is_refused(client):
    issued = make_api_client()
    services.revoke_client(issued.client, actor="system:tests", now=utcnow())
    _problem(Api(client, issued.secret).get("/providers/PRV-000001/eligibility"), 401)


def test_the_wrong_scope_is_forbidden(api_as):
    reader = api_as("eligibility:read")
    body = _problem(reader.post("/clients", {"full_name": "A", "email": "a@example.fr"}), 403)
    assert "clients:write" in body["detail"]


def test_every_call_is_audited_with_client_and_key_prefix_never_the_body(api):
    response = api.post("/clients", {"full_name": "Claire Secret", "email": "claire.secret@example.fr"})
    assert response.status_code == 201
    event = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "api.call").order_by(AuditEvent.seq.desc())
    ).first()
    assert event.actor == f"system:api:{api.issued.client.name}"
    assert event.changes["key_prefix"] == api.issued.key.prefix
    assert event.changes["status"] == 201 and event.changes["path"] == "/api/v1/clients"
    assert "Claire Secret" not in str(event.changes)
    db.session.refresh(api.issued.key)
    assert api.issued.key.last_used_at is not None


def test_the_api_sets_no_cookie(api):
    response = api.get("/providers/PRV-999999/eligibility")
    assert "Set-Cookie" not in response.headers
