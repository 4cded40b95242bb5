from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from console.auth import services
from console.auth.models import StaffSession
from console.auth.views import GENERIC_FAILURE
from console.db import db
from tests.conftest import csrf_token, sign_in
from tests.factories import PASSWORD, make_staff


def _commit_staff(*roles):
    staff = make_staff(*roles)
    db.session.commit()
    return staff


def test_login_page_and_successful_sign_in(client):
    staff = _commit_staff("support_agent")
    assert client.get("/login").status_code == 200
    response = sign_in(client, staff.email)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    home = client.get("/")
    assert home.status_code == 200 and b'data-testid="home-support_agent"' in home.data


def test_every_failure_gives_the_same_message(client, app):
    staff = _commit_staff()
    locked = _commit_staff()
    for n in range(5):
        sign_in(client, locked.email, password=f"wrong-password-{n}")
    cases = [(staff.email, "wrong-password-x"), ("nobody@example.com", PASSWORD), (locked.email, PASSWORD)]
    for email, password in cases:
        response = sign_in(client, email, password)
        assert response.status_code == 401
        assert str(GENERIC_FAILURE) in response.get_data(as_text=True)


def test_missing_or_stale_csrf_token_is_a_clear_400(client):
    staff = _commit_staff()
    response = client.post("/login", data={"email": staff.email, "password": PASSWORD})
    assert response.status_code == 400
    assert "form expired" in response.get_data(as_text=True)
    response = client.post(
        "/login", data={"csrf_token": "stale.token", "email": staff.email, "password": PASSWORD}
    )
    assert response.status_code == 400


def test_open_redirect_is_ignored(client):
    staff = _commit_staff()
    token = csrf_token(client)
    for target in ("//evil.example/x", "https://evil.example/", "/\\evil.example"):
        response = client.post(
            f"/login?next={target}", data={"csrf_token": token, "email": staff.email, "password": PASSWORD}
        )
        assert response.headers["Location"] == "/", target
        client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
        token = csrf_token(client)


def test_next_within_the_console_is_kept(client):
    staff = _commit_staff("admin")
    token = csrf_token(client)
    response = client.post(
        "/login?next=/staff/", data={"csrf_token": token, "email": staff.email, "password": PASSWORD}
    )
    assert response.headers["Location"] == "/staff/"


def test_logout_ends_the_server_side_session_even_for_a_copied_cookie(app, client):
    staff = _commit_staff("admin")
    sign_in(client, staff.email)
    stolen = client.get_cookie("ekoklean_session").value
    response = client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    assert response.status_code == 302
    replay = app.test_client()
    replay.set_cookie("ekoklean_session", stolen)
    assert replay.get("/staff/").status_code == 302


def test_deactivation_takes_effect_on_the_next_request(client, now):
    staff = _commit_staff("admin")
    sign_in(client, staff.email)
    assert client.get("/staff/").status_code == 200
    services.deactivate_staff(db.session.get(type(staff), staff.id), actor="system:tests", now=now)
    db.session.commit()
    response = client.get("/staff/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_role_change_takes_effect_on_the_next_request(client, now):
    staff = _commit_staff("support_agent")
    admin = _commit_staff("admin")
    sign_in(client, staff.email)
    assert client.get("/staff/").status_code == 403
    services.update_staff(
        db.session.get(type(staff), staff.id),
        full_name=staff.full_name,
        roles=["support_agent", "admin"],
        active=True,
        new_password=None,
        expected_version=None,
        actor=db.session.get(type(admin), admin.id),
        now=now,
    )
    db.session.commit()
    assert client.get("/staff/").status_code == 200


def test_idle_session_is_signed_out_with_a_message(client):
    staff = _commit_staff("admin")
    sign_in(client, staff.email)
    record = db.session.scalars(sa.select(StaffSession).where(StaffSession.staff_id == staff.id)).one()
    record.last_seen_at = record.last_seen_at - timedelta(minutes=31)
    db.session.commit()
    response = client.get("/staff/", follow_redirects=True)
    assert "30 minutes without activity" in response.get_data(as_text=True)
    assert response.request.path == "/login"


def test_cookie_flags_and_security_headers(client):
    staff = _commit_staff()
    response = sign_in(client, staff.email)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    page = client.get("/")
    assert page.headers["X-Frame-Options"] == "DENY"
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    csp = page.headers["Content-Security-Policy"]
    assert (
        "frame-ancestors 'none'" in csp
        and "'nonce-" in csp
        and "unsafe-inline" not in csp.split("style-src")[0]
    )


def test_body_over_the_limit_is_a_clear_413(client, app):
    response = client.post("/login", data={"email": "x" * (app.config["MAX_CONTENT_LENGTH"] + 10)})
    assert response.status_code == 413
    assert "limit" in response.get_data(as_text=True)


def test_staff_admin_creates_an_account_and_shows_no_hashes(client_as):
    client = client_as("admin")
    token = csrf_token(client, "/staff/new/")
    response = client.post(
        "/staff/new/",
        data={
            "csrf_token": token,
            "email": "new.agent@example.com",
            "full_name": "New Agent",
            "role_names": ["support_agent"],
            "active": "y",
            "password": "a-long-enough-password",
        },
    )
    assert response.status_code == 302
    listing = client.get("/staff/?search=new.agent").get_data(as_text=True)
    assert "new.agent@example.com" in listing and "argon2" not in listing


def test_staff_admin_form_errors_are_shown_not_500(client_as):
    client = client_as("admin")
    token = csrf_token(client, "/staff/new/")
    response = client.post(
        "/staff/new/",
        data={
            "csrf_token": token,
            "email": "<script>alert(1)</script>",
            "full_name": "<b>x</b>" * 100,
            "role_names": ["root"],
            "password": "short",
        },
    )
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "<script>alert(1)</script>" not in body
    assert services.get_staff_by_email("<script>alert(1)</script>") is None


def test_bulk_action_with_forged_ids_is_a_clear_message(client_as):
    client = client_as("admin")
    token = csrf_token(client, "/staff/")
    response = client.post(
        "/staff/action/",
        data={"csrf_token": token, "action": "deactivate", "rowid": ["1 OR 1=1", "x"]},
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert "selection is not valid" in response.get_data(as_text=True)
