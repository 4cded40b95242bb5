"""Admins' API client screens: create (the key shown once), new key, revoke, scopes, the docs page."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from api.clients.models import ApiClient, ApiKey
from console.db import db
from tests.conftest import csrf_token

KEY_RE = re.compile(r"ek_[0-9a-f]{12}_[A-Za-z0-9_-]{43}")


@pytest.mark.parametrize("role", ["manager", "support_agent", "vetting_officer"])
def test_only_admins_see_the_api_screens(client_as, role):
    other = client_as(role)
    assert other.get("/api_client_admin/").status_code == 403
    assert other.get("/api_docs_admin/").status_code == 403


def test_an_admin_creates_a_client_sees_its_key_once_rotates_and_revokes(client_as):
    admin = client_as("admin")
    token = csrf_token(admin, "/api_client_admin/")
    page = admin.post(
        "/api_client_admin/",
        data={
            "csrf_token": token,
            "name": "marketplace-prod",
            "scopes": ["bookings:write", "eligibility:read"],
        },
    )
    assert page.status_code == 200
    secret = KEY_RE.search(page.get_data(as_text=True)).group(0)
    listing = admin.get("/api_client_admin/").get_data(as_text=True)
    assert "marketplace-prod" in listing and secret not in listing and secret[:15] in listing
    client = db.session.scalar(sa.select(ApiClient).where(ApiClient.name == "marketplace-prod"))
    assert client.scopes == ["bookings:write", "eligibility:read"]

    rotated = admin.post(f"/api_client_admin/{client.id}/rotate", data={"csrf_token": token})
    second = KEY_RE.search(rotated.get_data(as_text=True)).group(0)
    assert second != secret
    assert admin.post(f"/api_client_admin/{client.id}/rotate", data={"csrf_token": token}).status_code == 302
    first_key = db.session.scalar(sa.select(ApiKey).where(ApiKey.client_id == client.id).order_by(ApiKey.id))
    admin.post(f"/api_client_admin/key/{first_key.id}/revoke", data={"csrf_token": token})
    db.session.expire_all()
    assert first_key.revoked_at is not None
    admin.post(
        f"/api_client_admin/{client.id}/scopes", data={"csrf_token": token, "scopes": ["eligibility:read"]}
    )
    db.session.expire_all()
    assert client.scopes == ["eligibility:read"]
    admin.post(f"/api_client_admin/{client.id}/revoke", data={"csrf_token": token})
    db.session.expire_all()
    assert not client.active and all(k.revoked_at for k in client.keys)


def test_a_post_without_csrf_token_changes_nothing(client_as):
    admin = client_as("admin")
    response = admin.post("/api_client_admin/", data={"name": "sneaky", "scopes": ["bookings:write"]})
    assert response.status_code == 400
    assert db.session.scalar(sa.select(ApiClient).where(ApiClient.name == "sneaky")) is None


def test_the_docs_page_lists_every_operation(client_as):
    page = client_as("admin").get("/api_docs_admin/")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "OpenAPI 3.1.0" in text
    assert "POST /api/v1/bookings/batch" in text and "GET /api/v1/providers/{reference}/eligibility" in text


def test_the_docs_page_marks_the_openapi_texts_as_english_and_says_why(client_as):
    text = client_as("admin").get("/api_docs_admin/").get_data(as_text=True)
    assert 'data-testid="docs-language"' in text
    summaries = re.findall(r'<p lang="en">([^<]+)</p>', text)
    assert summaries and "Take in a provider's application" in " ".join(summaries).replace("&#39;", "'")
    english_fields = re.findall(r'<span lang="en">([^<]+)</span>', text)
    assert english_fields  # each field's description is declared English
