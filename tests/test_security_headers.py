"""Response headers: a download keeps its own policy, nothing of a signed-in session is cached,
and behind a configured reverse proxy the client's address comes from X-Forwarded-For."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from console.auth.models import LoginAttempt
from console.business_time import paris_today
from console.config import ConfigError, from_environment
from console.db import db, utcnow
from tests.conftest import ConsoleTestClient, _dispose, csrf_token, make_test_app
from tests.factories import make_policy, make_provider


def test_a_download_keeps_its_sandboxing_policy(client_as):
    today = paris_today(utcnow())
    policy = make_policy(make_provider(), starts_on=today, ends_on=today + timedelta(days=300))
    db.session.commit()
    response = client_as("vetting_officer").get(f"/policies/certificate/{policy.id}?purpose=dispute")
    assert response.status_code == 200
    assert response.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
    response.close()


@pytest.mark.parametrize(("method", "url", "status"), [("GET", "/no-such-page", 404), ("PUT", "/login", 405)])
def test_error_answers_are_not_cached_either(client_as, method, url, status):
    response = client_as("support_agent").open(url, method=method)
    assert response.status_code == status
    assert response.headers["Cache-Control"] == "no-store"


def test_the_pages_of_a_session_are_not_cached(client_as):
    assert client_as("manager").get("/").headers["Cache-Control"] == "no-store"


@pytest.fixture
def proxied_app(database_url, redis_url, tmp_path):
    app = make_test_app(database_url, redis_url, str(tmp_path), TRUSTED_PROXIES=1)
    app.test_client_class = ConsoleTestClient
    yield app
    _dispose(app)


def test_behind_a_trusted_proxy_a_failed_sign_in_counts_against_the_forwarded_address(proxied_app):
    client = proxied_app.test_client()
    page = client.get("/login")
    token = page.get_data(as_text=True).split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    client.post(
        "/login",
        data={"csrf_token": token, "email": "nobody@example.com", "password": "wrong password!"},
        headers={"X-Forwarded-For": "203.0.113.7"},
    )
    with proxied_app.app_context():
        addresses = set(db.session.scalars(sa.select(LoginAttempt.ip)))
    assert "203.0.113.7" in addresses


@pytest.mark.parametrize("value", ["-1", "6", "two"])
def test_a_bad_trusted_proxies_setting_refuses_to_start(value, tmp_path):
    with pytest.raises(ConfigError, match="TRUSTED_PROXIES"):
        from_environment(str(tmp_path), {"TRUSTED_PROXIES": value})


@pytest.mark.parametrize(
    ("uploaded_as", "content_type", "saved_as"),
    [
        ("attestation RC.pdf", "application/pdf", "attestation RC.pdf"),
        ("page.html", "image/jpeg", "page.jpg"),  # the extension comes from the content, not the upload
        ("facture\u202efdp.exe", "application/pdf", "facturefdp.pdf"),  # no right-to-left override
        ("..\\..\\etc\\passwd", "image/png", "passwd.png"),
        ("\x00\x01.pdf", "application/pdf", "file.pdf"),
        ("", "image/png", "file.png"),
    ],
)
def test_a_download_is_named_from_its_detected_type_without_control_characters(
    uploaded_as, content_type, saved_as
):
    from console.files.models import StoredFile
    from console.files.services import download_name

    assert download_name(StoredFile(original_name=uploaded_as, content_type=content_type)) == saved_as


@pytest.mark.parametrize("url", ["/", "/clients/", "/reports/", "/no-such-page"])
def test_the_policy_allows_no_inline_style_nor_script(client_as, client, url):
    pages = [client.get("/login"), client_as("manager", "admin").get(url)]
    for response in pages:
        policy = response.headers["Content-Security-Policy"]
        directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
        assert directives["style-src"].startswith("'self'") and directives["script-src"].startswith("'self'")


def test_no_served_template_carries_a_style_attribute_or_block():
    """Only the PDF report templates (WeasyPrint, never served as pages) may keep <style>."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent / "templates"
    served = [p for p in root.rglob("*.html") if p.parent != root / "reports"]
    offending = [
        str(p.relative_to(root))
        for p in served
        if re.search(r"\sstyle\s*=|<style", p.read_text(), re.IGNORECASE)
    ]
    assert len(served) > 20 and offending == []


def test_a_return_address_with_a_control_character_is_refused_before_anything_runs(client_as):
    """Found by the action fuzzing: a batch action ran and committed, then writing the redirect to
    a `url` with a line break in it failed with a 500."""
    from console.audit.models import AuditEvent

    client = client_as("manager", "support_agent")
    before = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent))
    for url in ["/\r\nSet-Cookie: a=b", "/moderation/\x00", "\n"]:
        data = {
            "csrf_token": csrf_token(client, "/moderation/"),
            "action": "publish",
            "rowid": "1",
            "url": url,
        }
        assert client.post("/moderation/action/", data=data).status_code == 400
        assert client.get("/clients/", query_string={"url": url}).status_code == 400
    assert client.get("/clients/", query_string={"url": "/clients/?page=2"}).status_code == 200
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == before
