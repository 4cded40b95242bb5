"""Staff accounts, sign-in and server-side sessions. The acting person is always a parameter."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from flask import current_app

from console.audit import services as audit
from console.auth import mfa
from console.auth.models import LoginAttempt, StaffRole, StaffSession, StaffUser
from console.auth.passwords import burn_verification_time, hash_password, verify_password
from console.db import db
from console.domain import DomainError, Role, _

LOGIN_ACTOR = "system:login"


class StaffError(DomainError):
    """A staff-account change the rules refuse; the message is safe to show."""


class LoginRefused(Exception):
    """Sign-in failed. `reason` is for the audit trail only; users see one generic message."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


# --- accounts ---------------------------------------------------------------------------


def normalise_email(email: str) -> str:
    """Validate the syntax of an e-mail address and return it lower-cased."""
    try:
        return validate_email(email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise StaffError(_("Invalid e-mail address: %(error)s", error=exc)) from exc


def check_password_strength(password: str) -> None:
    """Refuse passwords that are too short or too long to hash sensibly."""
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(password) < minimum:
        raise StaffError(_("The password must have at least %(minimum)s characters.", minimum=minimum))
    if len(password) > 256:
        raise StaffError(_("The password must have at most 256 characters."))


def _parse_roles(roles: Iterable[str | Role]) -> set[Role]:
    try:
        parsed = {Role(r) for r in roles}
    except ValueError as exc:
        raise StaffError(_("Unknown role: %(error)s", error=exc)) from exc
    if not parsed:
        raise StaffError(_("A staff member needs at least one role."))
    return parsed


def create_staff(
    *, email: str, full_name: str, roles: Iterable[str | Role], password: str, actor, now: datetime
) -> StaffUser:
    """Create a staff account."""
    email = normalise_email(email)
    full_name = full_name.strip()
    if not full_name or len(full_name) > 120:
        raise StaffError(_("The full name is required (at most 120 characters)."))
    parsed = _parse_roles(roles)
    check_password_strength(password)
    if db.session.scalar(sa.select(StaffUser.id).where(StaffUser.email == email)) is not None:
        raise StaffError(_("A staff account with the e-mail %(email)s already exists.", email=email))
    staff = StaffUser(email=email, full_name=full_name, password_hash=hash_password(password), created_at=now)
    staff.role_rows = [StaffRole(role=r) for r in sorted(parsed)]
    try:
        with db.session.begin_nested():  # someone creating the same account at the same moment
            db.session.add(staff)
            db.session.flush()
    except sa.exc.IntegrityError:
        raise StaffError(
            _("A staff account with the e-mail %(email)s already exists.", email=email)
        ) from None
    audit.record(
        actor,
        "staff.create",
        staff,
        changes={"email": email, "full_name": full_name, "roles": sorted(parsed)},
        now=now,
    )
    return staff


def update_staff(
    staff: StaffUser,
    *,
    full_name: str,
    roles: Iterable[str | Role],
    active: bool,
    new_password: str | None,
    expected_version: int | None,
    actor,
    now: datetime,
) -> StaffUser:
    """Change a staff account; deactivation and a new password end its open sessions."""
    if expected_version is not None and expected_version != staff.version:
        raise StaffError(_("Someone else changed this account meanwhile. Reload it and try again."))
    full_name = full_name.strip()
    if not full_name or len(full_name) > 120:
        raise StaffError(_("The full name is required (at most 120 characters)."))
    parsed = _parse_roles(roles)
    if staff.id == getattr(actor, "id", None) and (not active or Role.ADMIN not in parsed):
        raise StaffError(_("You cannot deactivate yourself or remove your own admin role."))
    before_roles = sorted(staff.roles)
    staff.full_name, staff.active = full_name, active
    if new_password:
        check_password_strength(new_password)
        staff.password_hash = hash_password(new_password)
    changes = audit.diff(staff)
    if sorted(parsed) != before_roles:
        staff.role_rows = [r for r in staff.role_rows if r.role in parsed] + [
            StaffRole(role=r) for r in sorted(parsed - set(before_roles))
        ]
        changes["roles"] = {"before": before_roles, "after": sorted(parsed)}
    if not changes:
        return staff
    staff.version += 1
    db.session.flush()
    audit.record(actor, "staff.update", staff, changes=changes, now=now)
    if not active or new_password:
        end_all_sessions(staff, reason="deactivated" if not active else "password_changed", now=now)
    return staff


def set_language(staff: StaffUser, language: str, *, now: datetime) -> None:
    """The staff member's own choice of language; an unsupported value is refused."""
    from console.formatting import LANGUAGES

    if language not in LANGUAGES:
        raise StaffError(_("This language is not available."))
    if staff.language == language:
        return
    before, staff.language = staff.language, language
    db.session.flush()
    audit.record(
        staff, "staff.language", staff, changes={"language": {"before": before, "after": language}}, now=now
    )


def deactivate_staff(staff: StaffUser, *, actor, now: datetime) -> None:
    """Deactivate an account and end its sessions at once."""
    if not staff.active:
        return
    staff.active = False
    staff.version += 1
    audit.record(
        actor, "staff.deactivate", staff, changes={"active": {"before": True, "after": False}}, now=now
    )
    end_all_sessions(staff, reason="deactivated", now=now)


def active_staff(role: Role, *, order_by_name: bool = False) -> list[StaffUser]:
    """The active staff members holding `role` (by id, or by name for a choice list)."""
    order = StaffUser.full_name if order_by_name else StaffUser.id
    return list(
        db.session.scalars(
            sa.select(StaffUser)
            .join(StaffRole)
            .where(StaffRole.role == Role(role), StaffUser.active.is_(True))
            .order_by(order, StaffUser.id)
        )
    )


def get_staff_by_email(email: str) -> StaffUser | None:
    """The account for an e-mail address, case-insensitively."""
    return db.session.scalar(sa.select(StaffUser).where(StaffUser.email == email.strip().lower()))


# --- sign-in ----------------------------------------------------------------------------


@dataclass(frozen=True)
class SignedIn:
    staff: StaffUser
    token: str


@dataclass(frozen=True)
class SecondFactorDue:
    """The password was right; the session opens once the second factor passes (or, where a role
    requires one and none is set up yet, once it is set up)."""

    staff: StaffUser
    enrolled: bool


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _refuse(reason: str, *, email: str, ip: str, staff: StaffUser | None, now: datetime) -> LoginRefused:
    db.session.add(LoginAttempt(at=now, ip=ip, email=email[:254], succeeded=False))
    audit.record(
        LOGIN_ACTOR,
        f"auth.{'lockout' if reason == 'locked_now' else 'login_failed'}",
        staff,
        object_type="StaffUser",
        changes={"email": email[:254], "reason": reason},
        now=now,
    )
    return LoginRefused(reason)


def authenticate(
    *, email: str, password: str, ip: str, user_agent: str, now: datetime
) -> SignedIn | SecondFactorDue:
    """Check the credentials and limits; open a server-side session, or say that the second factor
    is due (the failure count stays until it passes), or raise LoginRefused.

    The caller commits in both cases: failures must be remembered for the limits.
    """
    cfg = current_app.config
    email = email.strip().lower()
    window_start = now - timedelta(minutes=cfg["LOGIN_LOCK_MINUTES"])
    ip_failures = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(LoginAttempt)
        .where(LoginAttempt.ip == ip, LoginAttempt.at >= window_start, LoginAttempt.succeeded.is_(False))
    )
    staff = get_staff_by_email(email)
    if ip_failures >= cfg["LOGIN_IP_MAX_FAILURES"]:
        burn_verification_time(password)
        raise _refuse("address_throttled", email=email, ip=ip, staff=staff, now=now)
    if staff is None:
        burn_verification_time(password)
        raise _refuse("unknown_account", email=email, ip=ip, staff=None, now=now)
    if staff.locked_until is not None and staff.locked_until > now:
        burn_verification_time(password)
        raise _refuse("locked", email=email, ip=ip, staff=staff, now=now)
    if not verify_password(staff.password_hash, password):
        failures = _count_failure(staff, now)
        reason = "locked_now" if failures == 0 else "wrong_password"
        raise _refuse(reason, email=email, ip=ip, staff=staff, now=now)
    if not staff.active:
        raise _refuse("inactive", email=email, ip=ip, staff=staff, now=now)
    if mfa.due_at_sign_in(staff):
        return SecondFactorDue(staff, enrolled=mfa.is_enrolled(staff))
    return _open_session(staff, ip=ip, user_agent=user_agent, now=now)


def _usable(staff: StaffUser, *, ip: str, now: datetime) -> None:
    """The account may still finish signing in (active, not locked meanwhile)."""
    if not staff.active:
        raise _refuse("inactive", email=staff.email, ip=ip, staff=staff, now=now)
    if staff.locked_until is not None and staff.locked_until > now:
        raise _refuse("locked", email=staff.email, ip=ip, staff=staff, now=now)


def _code_refused(staff: StaffUser, refusal: mfa.CodeRefused, *, ip: str, now: datetime) -> LoginRefused:
    failures = _count_failure(staff, now)
    reason = (
        "locked_now" if failures == 0 else f"{'replayed' if str(refusal) == 'replayed' else 'wrong'}_code"
    )
    return _refuse(reason, email=staff.email, ip=ip, staff=staff, now=now)


def pass_second_factor(staff: StaffUser, *, code: str, ip: str, user_agent: str, now: datetime) -> SignedIn:
    """The second step of sign-in: a TOTP code or a recovery code. A wrong or replayed code counts
    toward the lockout like a wrong password."""
    _usable(staff, ip=ip, now=now)
    try:
        method = mfa.check_code(staff, code, now=now)
    except mfa.CodeRefused as refusal:
        raise _code_refused(staff, refusal, ip=ip, now=now) from None
    return _open_session(staff, ip=ip, user_agent=user_agent, now=now, second_factor=method)


def enrol_at_sign_in(
    staff: StaffUser, *, code: str, ip: str, user_agent: str, now: datetime
) -> tuple[SignedIn, list[str]]:
    """A role requires the second factor and none is set up: confirm the app's first code, open the
    session, and return the recovery codes to show once."""
    _usable(staff, ip=ip, now=now)
    try:
        codes = mfa.confirm_enrolment(staff, code, now=now)
    except mfa.CodeRefused as refusal:
        raise _code_refused(staff, refusal, ip=ip, now=now) from None
    return _open_session(staff, ip=ip, user_agent=user_agent, now=now, second_factor=mfa.TOTP), codes


def _count_failure(staff: StaffUser, now: datetime) -> int:
    """Count one failure atomically; on the limit, lock the account. Return the new count."""
    cfg = current_app.config
    failures = db.session.execute(
        sa.update(StaffUser)
        .where(StaffUser.id == staff.id)
        .values(failed_logins=StaffUser.failed_logins + 1)
        .returning(StaffUser.failed_logins)
    ).scalar_one()
    if failures >= cfg["LOGIN_MAX_FAILURES"]:
        db.session.execute(
            sa.update(StaffUser)
            .where(StaffUser.id == staff.id)
            .values(failed_logins=0, locked_until=now + timedelta(minutes=cfg["LOGIN_LOCK_MINUTES"]))
        )
        failures = 0
    db.session.expire(staff, ["failed_logins", "locked_until"])
    return failures


def _open_session(
    staff: StaffUser, *, ip: str, user_agent: str, now: datetime, second_factor: str | None = None
) -> SignedIn:
    token = secrets.token_urlsafe(32)
    staff.failed_logins, staff.locked_until, staff.last_login_at = 0, None, now
    db.session.add(LoginAttempt(at=now, ip=ip, email=staff.email, succeeded=True))
    db.session.add(
        StaffSession(
            token_hash=_token_hash(token),
            staff=staff,
            created_at=now,
            last_seen_at=now,
            ip=ip,
            user_agent=user_agent[:255],
            second_factor=second_factor,
        )
    )
    audit.record(
        staff,
        "auth.login",
        staff,
        changes={"second_factor": second_factor} if second_factor else None,
        now=now,
    )
    staff.session_token = token
    return SignedIn(staff, token)


# --- sessions ---------------------------------------------------------------------------

TOUCH_EVERY = timedelta(seconds=60)


def session_end_reason(record: StaffSession, now: datetime) -> str | None:
    """Why this session may no longer be used at `now`, or None while it is good."""
    cfg = current_app.config
    if record.ended_at is not None:
        return record.end_reason or "ended"
    if not record.staff.active:
        return "deactivated"
    if now - record.created_at > timedelta(hours=cfg["SESSION_ABSOLUTE_HOURS"]):
        return "absolute_timeout"
    if now - record.last_seen_at > timedelta(minutes=cfg["SESSION_IDLE_MINUTES"]):
        return "idle_timeout"
    return None


def resume_session(token: str, *, now: datetime) -> tuple[StaffUser | None, str | None]:
    """Return (staff, None) for a live session token, or (None, reason) when it is over."""
    record = db.session.scalar(sa.select(StaffSession).where(StaffSession.token_hash == _token_hash(token)))
    if record is None:
        return None, "unknown"
    reason = session_end_reason(record, now)
    if reason is not None:
        if record.ended_at is None:
            record.ended_at, record.end_reason = now, reason
        return None, reason
    if now - record.last_seen_at >= TOUCH_EVERY:
        record.last_seen_at = now
    record.staff.session_token = token
    return record.staff, None


def end_session(token: str, *, reason: str, now: datetime) -> None:
    """End one session (logout)."""
    record = db.session.scalar(sa.select(StaffSession).where(StaffSession.token_hash == _token_hash(token)))
    if record is not None and record.ended_at is None:
        record.ended_at, record.end_reason = now, reason
        audit.record(record.staff, "auth.logout", record.staff, now=now)


def end_all_sessions(staff: StaffUser, *, reason: str, now: datetime) -> int:
    """End every open session of a staff member; return how many."""
    result = db.session.execute(
        sa.update(StaffSession)
        .where(StaffSession.staff_id == staff.id, StaffSession.ended_at.is_(None))
        .values(ended_at=now, end_reason=reason)
    )
    return result.rowcount
