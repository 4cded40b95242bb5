"""The second factor (DESIGN §7): TOTP and recovery codes with a fixed clock, required for the roles
of MFA_REQUIRED_ROLES, optional for the others; wrong and replayed codes count toward the lockout;
a reset needs two admins; a sign-in from a new browser is told by e-mail."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pyotp
import pytest
import sqlalchemy as sa
import time_machine

from console.audit.models import AuditEvent
from console.auth import mfa
from console.auth.models import StaffMfa, StaffRecoveryCode, StaffSession, StaffUser
from console.config import ConfigError, from_environment
from console.db import db
from console.domain import DomainError
from console.notifications.models import Notification
from tests.conftest import csrf_token
from tests.factories import PASSWORD, make_staff

T0 = datetime(2026, 11, 2, 9, 0, 5, tzinfo=UTC)
CODE_RE = re.compile(r"<li>([0-9a-f]{5}-[0-9a-f]{5})</li>")
SECRET_RE = re.compile(r'data-testid="mfa-secret">([A-Z2-7 ]+)<')


@pytest.fixture
def required(app):
    before = app.config["MFA_REQUIRED_ROLES"]
    app.config["MFA_REQUIRED_ROLES"] = frozenset({"manager", "admin"})
    yield
    app.config["MFA_REQUIRED_ROLES"] = before


@pytest.fixture
def clock():
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


def _password(client, email, password=PASSWORD):
    token = csrf_token(client, "/login")
    return client.post("/login", data={"csrf_token": token, "email": email, "password": password})


def _code(client, url, code):
    token = csrf_token(client, url)
    return client.post(url, data={"csrf_token": token, "code": code})


def _signed_in(client) -> bool:
    return client.get("/").status_code == 200


def _enrol(client, staff) -> tuple[str, list[str]]:
    """Sign in as a manager who has no second factor yet; set it up; return (secret, codes)."""
    response = _password(client, staff.email)
    assert response.status_code == 302 and response.location.endswith("/login/enrol")
    page = client.get("/login/enrol").get_data(as_text=True)
    assert 'src="data:image/svg+xml;base64,' in page  # the QR code, made here: no outside service
    secret = SECRET_RE.search(page).group(1).replace(" ", "")
    response = _code(client, "/login/enrol", pyotp.TOTP(secret).now())
    page = response.get_data(as_text=True)
    assert response.status_code == 200, page
    codes = CODE_RE.findall(page)
    return secret, codes


def test_a_required_role_sets_up_the_second_factor_at_its_next_sign_in(app, client, required, clock):
    staff = make_staff("manager")
    db.session.commit()
    response = _password(client, staff.email)
    assert response.location.endswith("/login/enrol")
    assert not _signed_in(client)  # the password alone opens nothing
    page = client.get("/login/enrol").get_data(as_text=True)
    secret = SECRET_RE.search(page).group(1).replace(" ", "")
    assert _code(client, "/login/enrol", "000000").status_code == 401
    db.session.expire_all()
    assert db.session.get(StaffUser, staff.id).failed_logins == 1  # counted toward the lockout
    response = _code(client, "/login/enrol", pyotp.TOTP(secret).at(T0))
    codes = CODE_RE.findall(response.get_data(as_text=True))
    assert len(codes) == 10 and len(set(codes)) == 10
    assert _signed_in(client)
    db.session.expire_all()
    session = db.session.scalar(sa.select(StaffSession).where(StaffSession.staff_id == staff.id))
    assert session.second_factor == "totp"
    stored = db.session.scalars(
        sa.select(StaffRecoveryCode.code_hash).where(StaffRecoveryCode.staff_id == staff.id)
    )
    stored = list(stored)
    assert len(stored) == 10 and not {c.replace("-", "") for c in codes} & set(stored)  # hashed only
    assert db.session.get(StaffMfa, staff.id).secret_encrypted != secret  # encrypted at rest
    assert db.session.get(StaffUser, staff.id).failed_logins == 0


def test_an_enrolled_staff_member_gives_a_code_after_the_password_and_a_code_is_never_replayed(
    app, required, clock
):
    staff = make_staff("admin")
    db.session.commit()
    secret, _codes = _enrol(app.test_client(), staff)
    clock.shift(timedelta(seconds=30))
    client = app.test_client()
    response = _password(client, staff.email)
    assert response.location.endswith("/login/code") and not _signed_in(client)
    code = pyotp.TOTP(secret).now()
    assert _code(client, "/login/code", code).status_code == 302
    assert _signed_in(client)
    # The same code again, on another browser within its 30 seconds: refused and counted.
    other = app.test_client()
    _password(other, staff.email)
    assert _code(other, "/login/code", code).status_code == 401
    assert not _signed_in(other)
    db.session.expire_all()
    assert db.session.get(StaffUser, staff.id).failed_logins == 1
    failed = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "auth.login_failed")).all()
    assert failed[-1].shown_changes["reason"] == "replayed_code"
    clock.shift(timedelta(seconds=30))
    assert _code(other, "/login/code", pyotp.TOTP(secret).now()).status_code == 302
    assert _signed_in(other)


def test_a_recovery_code_signs_in_once(app, required, clock):
    staff = make_staff("manager")
    db.session.commit()
    _secret, codes = _enrol(app.test_client(), staff)
    first = app.test_client()
    _password(first, staff.email)
    assert _code(first, "/login/code", codes[3].upper()).status_code == 302
    db.session.expire_all()
    assert (
        db.session.scalar(
            sa.select(StaffSession.second_factor)
            .where(StaffSession.staff_id == staff.id)
            .order_by(StaffSession.id.desc())
        )
        == "recovery_code"
    )
    second = app.test_client()
    _password(second, staff.email)
    assert _code(second, "/login/code", codes[3]).status_code == 401
    assert mfa.recovery_codes_left(db.session.get(StaffUser, staff.id)) == 9


def test_wrong_codes_lock_the_account_like_wrong_passwords(app, required, clock):
    staff = make_staff("manager")
    db.session.commit()
    secret, _codes = _enrol(app.test_client(), staff)
    client = app.test_client()
    _password(client, staff.email)
    for _ in range(app.config["LOGIN_MAX_FAILURES"] - 1):
        assert _code(client, "/login/code", "123456").status_code == 401
    response = _code(client, "/login/code", "123456")
    assert response.status_code == 302 and response.location.endswith("/login")
    db.session.expire_all()
    assert db.session.get(StaffUser, staff.id).locked_until > T0
    clock.shift(timedelta(seconds=60))
    assert _password(client, staff.email).status_code == 401  # locked: the password is refused too
    assert client.get("/login/code").location.endswith("/login")


def test_the_code_page_is_only_for_a_recent_right_password(app, client, required, clock):
    staff = make_staff("manager")
    db.session.commit()
    secret, _codes = _enrol(app.test_client(), staff)
    assert client.get("/login/code").status_code == 302  # nobody gave a password
    _password(client, staff.email)
    token = csrf_token(client, "/login/code")
    clock.shift(timedelta(minutes=mfa.PENDING_MINUTES, seconds=1))
    response = client.post("/login/code", data={"csrf_token": token, "code": pyotp.TOTP(secret).now()})
    assert response.status_code == 302 and response.location.endswith("/login")
    assert not _signed_in(client)


def test_other_roles_sign_in_with_a_password_and_may_turn_the_second_factor_on(app, client, required, clock):
    staff = make_staff("support_agent")
    db.session.commit()
    assert _password(client, staff.email).location.endswith("/")
    assert "It is optional for your role" in client.get("/profile/").get_data(as_text=True)
    page = client.get("/profile/second-factor").get_data(as_text=True)
    secret = SECRET_RE.search(page).group(1).replace(" ", "")
    response = _code(client, "/profile/second-factor", pyotp.TOTP(secret).now())
    assert len(CODE_RE.findall(response.get_data(as_text=True))) == 10
    clock.shift(timedelta(seconds=30))
    later = app.test_client()
    assert _password(later, staff.email).location.endswith("/login/code")  # from the next sign-in on


def test_with_an_empty_setting_no_role_needs_a_second_factor(app, client, clock):
    staff = make_staff("admin")
    db.session.commit()
    assert app.config["MFA_REQUIRED_ROLES"] == frozenset()
    assert _password(client, staff.email).location.endswith("/")
    assert _signed_in(client)


def test_the_setting_defaults_to_managers_and_admins_and_refuses_unknown_roles(tmp_path):
    assert from_environment(str(tmp_path), {})["MFA_REQUIRED_ROLES"] == {"manager", "admin"}
    assert from_environment(str(tmp_path), {"MFA_REQUIRED_ROLES": ""})["MFA_REQUIRED_ROLES"] == frozenset()
    with pytest.raises(ConfigError, match="unknown roles: boss"):
        from_environment(str(tmp_path), {"MFA_REQUIRED_ROLES": "manager,boss"})


def test_a_reset_is_asked_by_one_admin_and_confirmed_by_another(app, required, clock):
    staff = make_staff("manager")
    first, second = make_staff("admin"), make_staff("admin")
    db.session.commit()
    _enrol(app.test_client(), staff)
    db.session.expire_all()
    staff = db.session.get(StaffUser, staff.id)
    with pytest.raises(DomainError, match="Only an admin"):
        mfa.ask_reset(staff, actor=staff, now=T0)
    _enrol_directly(first, T0)
    with pytest.raises(DomainError, match="Another admin"):
        mfa.ask_reset(first, actor=first, now=T0)
    mfa.ask_reset(staff, actor=first, now=T0)
    with pytest.raises(DomainError, match="A second admin"):
        mfa.confirm_reset(staff, actor=first, now=T0)
    mfa.confirm_reset(staff, actor=second, now=T0)
    assert mfa.enrolment(staff) is None and mfa.recovery_codes_left(staff) == 0
    actions = db.session.scalars(
        sa.select(AuditEvent.action).where(AuditEvent.action.like("auth.mfa_reset%")).order_by(AuditEvent.seq)
    ).all()
    assert actions == ["auth.mfa_reset_asked", "auth.mfa_reset"]
    db.session.commit()
    assert _password(app.test_client(), staff.email).location.endswith("/login/enrol")  # set up again


def _enrol_directly(staff, now) -> str:
    secret = mfa.secret_of(mfa.start_enrolment(staff, now=now))
    mfa.confirm_enrolment(staff, pyotp.TOTP(secret).at(now), now=now)
    db.session.commit()
    return secret


def test_the_staff_list_asks_and_confirms_a_reset_with_two_admins(app, client_as, clock):
    staff = make_staff("manager")
    _enrol_directly(staff, T0)
    first, second = client_as("admin"), client_as("admin")
    for client, action in ((first, "mfa_reset_ask"), (first, "mfa_reset_confirm")):
        token = csrf_token(client, "/staff/")
        client.post("/staff/action/", data={"csrf_token": token, "action": action, "rowid": [str(staff.id)]})
    page = first.get("/staff/").get_data(as_text=True)
    assert "waiting for a second admin" in page  # the same admin could not confirm
    token = csrf_token(second, "/staff/")
    second.post(
        "/staff/action/", data={"csrf_token": token, "action": "mfa_reset_confirm", "rowid": [str(staff.id)]}
    )
    db.session.expire_all()
    assert db.session.get(StaffMfa, staff.id) is None


def test_a_sign_in_from_a_new_browser_is_told_by_e_mail(app, clock):
    staff = make_staff("support_agent")
    db.session.commit()

    def mails():
        return db.session.scalar(
            sa.select(sa.func.count()).where(
                Notification.template == "staff_new_device", Notification.recipient == staff.email
            )
        )

    usual = app.test_client()
    _password(usual, staff.email)  # the account's first browser: nothing to tell
    assert mails() == 0
    usual.post("/logout", data={"csrf_token": csrf_token(usual, "/")})
    _password(usual, staff.email)  # the same browser again
    assert mails() == 0
    stranger = app.test_client()
    stranger.environ_base["HTTP_USER_AGENT"] = "Unknown/1.0"
    _password(stranger, staff.email)
    assert mails() == 1
    note = db.session.scalar(sa.select(Notification).where(Notification.template == "staff_new_device"))
    assert "browser not seen before" in note.body and "Unknown/1.0" in note.body
