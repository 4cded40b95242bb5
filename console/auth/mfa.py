"""The second factor of staff sign-in (DESIGN §7): TOTP with ten single-use recovery codes,
required for the roles of MFA_REQUIRED_ROLES and optional for the others; reset by two admins;
an e-mail to the staff member when they sign in from a browser not seen before.

A wrong or replayed code counts toward the account's lockout like a wrong password.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import secrets
from collections.abc import Iterable
from datetime import datetime

import pyotp
import segno
import sqlalchemy as sa
from cryptography.fernet import Fernet, InvalidToken
from flask import current_app

from console.audit import services as audit
from console.auth.models import StaffDevice, StaffMfa, StaffRecoveryCode, StaffUser
from console.db import db
from console.domain import DomainError, Role, _

ISSUER = "Ekoklean Console"
RECOVERY_CODES = 10
STEP_SECONDS = 30
VALID_WINDOW = 1  # the step before and after are accepted too (clock drift)
PENDING_MINUTES = 5  # time to type the code after the password
TOTP = "totp"
RECOVERY = "recovery_code"


class CodeRefused(DomainError):
    """A wrong, replayed or used code (counted toward the lockout by the caller)."""


# --- rules -----------------------------------------------------------------------------------


def required_for(roles: Iterable[Role], required_roles: Iterable[str]) -> bool:
    """Whether staff holding `roles` must pass a second factor under MFA_REQUIRED_ROLES."""
    return bool({Role(r).value for r in roles} & set(required_roles))


def normalise_code(code: str | None) -> str:
    """A typed code without spaces or dashes, lower-cased."""
    return "".join(ch for ch in (code or "") if ch.isalnum()).lower()


def totp_step(secret: str, code: str, now: datetime) -> int | None:
    """The time step that `code` matches for `secret` at `now` (one step of drift allowed), or None."""
    totp = pyotp.TOTP(secret, interval=STEP_SECONDS)
    if not (code.isdigit() and len(code) == 6):
        return None
    current = int(now.timestamp()) // STEP_SECONDS
    for step in range(current - VALID_WINDOW, current + VALID_WINDOW + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _fernet() -> Fernet:
    key = hashlib.sha256(b"ekoklean staff totp\0" + current_app.config["SECRET_KEY"].encode()).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def secret_of(mfa: StaffMfa) -> str:
    try:
        return _fernet().decrypt(mfa.secret_encrypted.encode()).decode()
    except InvalidToken as exc:
        raise RuntimeError("the TOTP secret cannot be read with this SECRET_KEY") from exc


# --- state -----------------------------------------------------------------------------------


def enrolment(staff: StaffUser) -> StaffMfa | None:
    return db.session.get(StaffMfa, staff.id)


def is_enrolled(staff: StaffUser) -> bool:
    mfa = enrolment(staff)
    return mfa is not None and mfa.confirmed_at is not None


def is_required(staff: StaffUser) -> bool:
    return required_for(staff.roles, current_app.config.get("MFA_REQUIRED_ROLES", ()))


def due_at_sign_in(staff: StaffUser) -> bool:
    """A second factor is asked at sign-in: enrolled (optional or not), or required by a role."""
    return is_enrolled(staff) or is_required(staff)


def recovery_codes_left(staff: StaffUser) -> int:
    return (
        db.session.scalar(
            sa.select(sa.func.count()).where(
                StaffRecoveryCode.staff_id == staff.id, StaffRecoveryCode.used_at.is_(None)
            )
        )
        or 0
    )


# --- enrolment -------------------------------------------------------------------------------


def start_enrolment(staff: StaffUser, *, now: datetime) -> StaffMfa:
    """A new secret for a staff member not enrolled yet (the one already offered is kept)."""
    mfa = enrolment(staff)
    if mfa is not None and mfa.confirmed_at is not None:
        raise DomainError(_("The second factor is already set up for this account."))
    if mfa is None:
        secret = pyotp.random_base32()
        mfa = StaffMfa(
            staff_id=staff.id, secret_encrypted=_fernet().encrypt(secret.encode()).decode(), created_at=now
        )
        db.session.add(mfa)
        db.session.flush()
    return mfa


def provisioning(staff: StaffUser, mfa: StaffMfa) -> tuple[str, str, str]:
    """(secret to type, otpauth URI, QR code as an SVG data URI rendered here: no outside service)."""
    secret = secret_of(mfa)
    uri = pyotp.TOTP(secret, interval=STEP_SECONDS).provisioning_uri(name=staff.email, issuer_name=ISSUER)
    buffer = io.BytesIO()
    segno.make(uri, error="m").save(buffer, kind="svg", scale=5, xmldecl=False, svgns=True)
    data_uri = "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)), uri, data_uri


def confirm_enrolment(staff: StaffUser, code: str, *, now: datetime) -> list[str]:
    """Check the first code from the app; return the ten recovery codes (shown once, kept hashed)."""
    mfa = enrolment(staff)
    if mfa is None or mfa.confirmed_at is not None:
        raise DomainError(_("Start the set-up of the second factor again."))
    step = totp_step(secret_of(mfa), normalise_code(code), now)
    if step is None:
        raise CodeRefused(_("This code is not the one your app shows now. Check the time of your phone."))
    mfa.confirmed_at, mfa.last_step = now, step
    codes = new_recovery_codes(staff)
    audit.record(staff, "auth.mfa_enrolled", staff, changes={"recovery_codes": len(codes)}, now=now)
    return codes


def new_recovery_codes(staff: StaffUser) -> list[str]:
    db.session.execute(sa.delete(StaffRecoveryCode).where(StaffRecoveryCode.staff_id == staff.id))
    codes = [secrets.token_hex(5) for _ in range(RECOVERY_CODES)]
    db.session.add_all(StaffRecoveryCode(staff_id=staff.id, code_hash=_hash(code)) for code in codes)
    db.session.flush()
    return [f"{code[:5]}-{code[5:]}" for code in codes]


# --- sign-in ---------------------------------------------------------------------------------


def check_code(staff: StaffUser, code: str, *, now: datetime) -> str:
    """Accept a current TOTP code not used before, or an unused recovery code (then used up);
    return which. Raise CodeRefused otherwise (the caller counts it toward the lockout)."""
    mfa = enrolment(staff)
    if mfa is None or mfa.confirmed_at is None:
        raise CodeRefused(_("No second factor is set up for this account."))
    typed = normalise_code(code)
    step = totp_step(secret_of(mfa), typed, now)
    if step is not None:
        if mfa.last_step is not None and step <= mfa.last_step:
            raise CodeRefused("replayed")
        mfa.last_step = step
        return TOTP
    if len(typed) == 10:
        used = db.session.execute(
            sa.update(StaffRecoveryCode)
            .where(
                StaffRecoveryCode.staff_id == staff.id,
                StaffRecoveryCode.code_hash == _hash(typed),
                StaffRecoveryCode.used_at.is_(None),
            )
            .values(used_at=now)
        )
        if used.rowcount == 1:
            return RECOVERY
    raise CodeRefused("wrong")


# --- reset by two admins ---------------------------------------------------------------------


def _admin(actor: StaffUser) -> None:
    if Role.ADMIN not in actor.roles:
        raise DomainError(_("Only an admin may reset a second factor."))


def ask_reset(staff: StaffUser, *, actor: StaffUser, now: datetime) -> StaffMfa:
    """First admin: ask for the reset of a staff member's second factor (a lost phone)."""
    _admin(actor)
    mfa = enrolment(staff)
    if mfa is None:
        raise DomainError(_("This account has no second factor to reset."))
    if actor.id == staff.id:
        raise DomainError(_("Another admin resets your own second factor."))
    if mfa.reset_requested_by_id is not None:
        raise DomainError(_("A reset is already waiting for a second admin."))
    mfa.reset_requested_by_id, mfa.reset_requested_at = actor.id, now
    db.session.flush()
    audit.record(actor, "auth.mfa_reset_asked", staff, now=now)
    return mfa


def confirm_reset(staff: StaffUser, *, actor: StaffUser, now: datetime) -> None:
    """Second admin (not the first, not the staff member): remove the second factor and its
    recovery codes; the staff member sets it up again at the next sign-in where it is required."""
    _admin(actor)
    mfa = enrolment(staff)
    if mfa is None or mfa.reset_requested_by_id is None:
        raise DomainError(_("No reset of this second factor is waiting."))
    if actor.id in (mfa.reset_requested_by_id, staff.id):
        raise DomainError(
            _("A second admin, other than the one who asked and the staff member, confirms the reset.")
        )
    asked_by = mfa.reset_requested_by_id
    db.session.execute(sa.delete(StaffRecoveryCode).where(StaffRecoveryCode.staff_id == staff.id))
    db.session.delete(mfa)
    db.session.flush()
    audit.record(actor, "auth.mfa_reset", staff, changes={"asked_by": asked_by}, now=now)


def cancel_reset(staff: StaffUser, *, actor: StaffUser, now: datetime) -> None:
    _admin(actor)
    mfa = enrolment(staff)
    if mfa is None or mfa.reset_requested_by_id is None:
        raise DomainError(_("No reset of this second factor is waiting."))
    mfa.reset_requested_by_id = mfa.reset_requested_at = None
    db.session.flush()
    audit.record(actor, "auth.mfa_reset_cancelled", staff, now=now)


# --- devices ---------------------------------------------------------------------------------


def note_device(
    staff: StaffUser, token: str | None, *, user_agent: str, ip: str, now: datetime
) -> tuple[str, bool]:
    """Remember the browser of this sign-in; return (its cookie token, whether the staff member was
    told by e-mail: a browser not seen before on an account that had signed in elsewhere)."""
    from console.notifications.services import queue_notification

    if token:
        known = db.session.scalar(
            sa.select(StaffDevice).where(
                StaffDevice.staff_id == staff.id, StaffDevice.device_hash == _hash(token)
            )
        )
        if known is not None:
            known.last_seen_at = now
            return token, False
    token = secrets.token_urlsafe(32)
    had_devices = db.session.scalar(sa.select(sa.func.count()).where(StaffDevice.staff_id == staff.id))
    db.session.add(
        StaffDevice(
            staff_id=staff.id,
            device_hash=_hash(token),
            first_seen_at=now,
            last_seen_at=now,
            user_agent=user_agent[:255],
        )
    )
    db.session.flush()
    if not had_devices:
        return token, False
    queue_notification(
        recipient=staff.email,
        template="staff_new_device",
        related=staff,
        now=now,
        language=staff.language,
        context={
            "person": staff.full_name,
            "at": now,
            "ip": ip,
            "browser": user_agent[:255],
        },
    )
    audit.record(staff, "auth.new_device", staff, changes={"ip": ip}, now=now)
    return token, True
