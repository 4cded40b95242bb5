from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from console.audit.models import AuditEvent
from console.auth import services
from console.auth.models import StaffSession
from console.db import db
from tests.factories import PASSWORD, make_staff


def _login(email, *, now, password=PASSWORD, ip="10.0.0.1"):
    return services.authenticate(email=email, password=password, ip=ip, user_agent="pytest", now=now)


def _actions():
    return list(db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.seq)))


class TestCreateStaff:
    def test_creates_with_roles_hashed_password_and_audit(self):
        staff = make_staff("manager", "admin", email="Jane.Doe@Example.com")
        assert staff.email == "jane.doe@example.com"
        assert {r.value for r in staff.roles} == {"manager", "admin"}
        assert staff.password_hash.startswith("$argon2id$")
        assert PASSWORD not in staff.password_hash
        event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "staff.create")).one()
        assert "password" not in str(event.changes)

    @pytest.mark.parametrize(
        ("kwargs", "message"),
        [
            ({"email": "not-an-email"}, "Invalid e-mail"),
            ({"roles": []}, "at least one role"),
            ({"roles": ["superuser"]}, "Unknown role"),
            ({"password": "short"}, "at least 12"),
            ({"password": "x" * 300}, "at most 256"),
            ({"full_name": "   "}, "full name is required"),
        ],
    )
    def test_refuses_bad_input(self, kwargs, message, now):
        args = {"email": "ok@example.com", "full_name": "Ok", "roles": ["admin"], "password": PASSWORD}
        args.update(kwargs)
        with pytest.raises(services.StaffError, match=message):
            services.create_staff(**args, actor="system:tests", now=now)

    def test_refuses_duplicate_email_case_insensitively(self, now):
        make_staff(email="dup@example.com")
        with pytest.raises(services.StaffError, match="already exists"):
            make_staff(email="DUP@example.com")


class TestAuthenticate:
    def test_success_opens_a_server_side_session(self, now):
        staff = make_staff()
        signed_in = _login(staff.email, now=now)
        record = db.session.scalars(sa.select(StaffSession)).one()
        assert record.token_hash != signed_in.token and len(record.token_hash) == 64
        assert services.resume_session(signed_in.token, now=now)[0] is staff
        assert "auth.login" in _actions()

    @pytest.mark.parametrize("case", ["wrong_password", "unknown_account", "inactive"])
    def test_failures_are_refused_and_audited(self, case, now):
        staff = make_staff()
        email, password = staff.email, PASSWORD
        if case == "wrong_password":
            password = "wrong-password-123"
        elif case == "unknown_account":
            email = "nobody@example.com"
        else:
            services.deactivate_staff(staff, actor="system:tests", now=now)
        with pytest.raises(services.LoginRefused) as refused:
            _login(email, password=password, now=now)
        assert refused.value.reason == case
        assert _actions()[-1] == "auth.login_failed"

    def test_five_failures_lock_the_account_for_fifteen_minutes(self, now):
        staff = make_staff()
        for attempt in range(5):
            with pytest.raises(services.LoginRefused):
                _login(staff.email, password=f"wrong-{attempt}-password", now=now)
        assert "auth.lockout" in _actions()
        with pytest.raises(services.LoginRefused, match="locked"):
            _login(staff.email, now=now + timedelta(minutes=14))  # right password, still locked
        assert _login(staff.email, now=now + timedelta(minutes=15, seconds=1)).staff is staff

    def test_per_address_limit(self, app, now):
        app.config["LOGIN_IP_MAX_FAILURES"] = 3
        try:
            staff = make_staff()
            for n in range(3):
                with pytest.raises(services.LoginRefused):
                    _login(f"ghost{n}@example.com", now=now, ip="192.0.2.7")
            with pytest.raises(services.LoginRefused, match="address_throttled"):
                _login(staff.email, now=now, ip="192.0.2.7")
            assert _login(staff.email, now=now, ip="192.0.2.8").staff is staff
        finally:
            app.config["LOGIN_IP_MAX_FAILURES"] = 30


class TestSessions:
    def test_idle_timeout_after_thirty_minutes(self, now):
        signed_in = _login(make_staff().email, now=now)
        assert services.resume_session(signed_in.token, now=now + timedelta(minutes=29))[0] is not None
        later = now + timedelta(minutes=29) + timedelta(minutes=31)
        assert services.resume_session(signed_in.token, now=later) == (None, "idle_timeout")
        # once ended, it stays ended
        assert services.resume_session(signed_in.token, now=later)[0] is None

    def test_activity_keeps_the_session_until_the_twelve_hour_limit(self, now):
        signed_in = _login(make_staff().email, now=now)
        moment = now
        while moment < now + timedelta(hours=11, minutes=50):
            moment += timedelta(minutes=20)
            staff, _ = services.resume_session(signed_in.token, now=moment)
            if moment - now <= timedelta(hours=12):
                assert staff is not None
        assert services.resume_session(signed_in.token, now=now + timedelta(hours=12, minutes=1)) == (
            None,
            "absolute_timeout",
        )

    def test_deactivation_ends_every_session(self, now):
        staff = make_staff()
        first, second = _login(staff.email, now=now), _login(staff.email, now=now)
        services.deactivate_staff(staff, actor="system:tests", now=now)
        db.session.flush()
        db.session.expire_all()
        for signed_in in (first, second):
            assert services.resume_session(signed_in.token, now=now)[0] is None

    def test_unknown_token(self, now):
        assert services.resume_session("forged", now=now) == (None, "unknown")


class TestUpdateStaff:
    def test_changes_roles_with_before_and_after_in_the_audit(self, now):
        admin, staff = make_staff("admin"), make_staff("support_agent")
        services.update_staff(
            staff,
            full_name=staff.full_name,
            roles=["support_agent", "manager"],
            active=True,
            new_password=None,
            expected_version=staff.version,
            actor=admin,
            now=now,
        )
        event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "staff.update")).one()
        assert event.changes["roles"] == {"before": ["support_agent"], "after": ["manager", "support_agent"]}
        assert event.actor == admin.email

    def test_refuses_a_stale_version(self, now):
        admin, staff = make_staff("admin"), make_staff()
        with pytest.raises(services.StaffError, match="changed this account meanwhile"):
            services.update_staff(
                staff,
                full_name="New",
                roles=["support_agent"],
                active=True,
                new_password=None,
                expected_version=staff.version - 1,
                actor=admin,
                now=now,
            )

    def test_an_admin_cannot_lock_themselves_out(self, now):
        admin = make_staff("admin")
        with pytest.raises(services.StaffError, match="yourself"):
            services.update_staff(
                admin,
                full_name="A",
                roles=["admin"],
                active=False,
                new_password=None,
                expected_version=None,
                actor=admin,
                now=now,
            )

    def test_new_password_ends_sessions_and_is_masked_in_the_audit(self, now):
        admin, staff = make_staff("admin"), make_staff()
        signed_in = _login(staff.email, now=now)
        services.update_staff(
            staff,
            full_name=staff.full_name,
            roles=["support_agent"],
            active=True,
            new_password="another-long-password",
            expected_version=None,
            actor=admin,
            now=now,
        )
        db.session.flush()
        db.session.expire_all()
        assert services.resume_session(signed_in.token, now=now)[0] is None
        event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "staff.update")).one()
        assert event.changes["password_hash"] == {"before": "•••", "after": "•••"}
