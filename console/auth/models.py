"""Staff accounts, their roles and their server-side sessions."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from console.db import UTCDateTime, db, enum_type, utcnow
from console.domain import Role
from console.privacy import RedactedText


class StaffUser(db.Model):
    __tablename__ = "staff_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    full_name: Mapped[str] = mapped_column(RedactedText(120))
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    active: Mapped[bool] = mapped_column(default=True)
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The language the console speaks to this person ("fr" or "en"), chosen on the profile page.
    language: Mapped[str] = mapped_column(sa.String(2), default="fr", server_default="fr")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    role_rows: Mapped[list[StaffRole]] = relationship(
        back_populates="staff", cascade="all, delete-orphan", lazy="selectin", order_by="StaffRole.role"
    )

    __table_args__ = (sa.CheckConstraint("email = lower(email)", name="email_lowercase"),)

    # Flask-Login: the id kept in the cookie is the session token, not the user id, so ending
    # the server-side session (logout, deactivation, expiry) ends the cookie's power at once.
    session_token = None  # set per request by the session loader

    @property
    def roles(self) -> frozenset[Role]:
        return frozenset(Role(r.role) for r in self.role_rows)

    def has_any_role(self, roles) -> bool:
        return self.active and bool(self.roles & frozenset(roles))

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str | None:
        return self.session_token

    @property
    def audit_label(self) -> str:
        return self.email

    def __str__(self) -> str:
        return f"{self.full_name} <{self.email}>"


class StaffRole(db.Model):
    __tablename__ = "staff_role"

    staff_id: Mapped[int] = mapped_column(
        sa.ForeignKey("staff_user.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[Role] = mapped_column(enum_type(Role, "staff_role_role"), primary_key=True)

    staff: Mapped[StaffUser] = relationship(back_populates="role_rows")


class StaffSession(db.Model):
    """A signed-in browser; the cookie holds a random token whose SHA-256 is stored here."""

    __tablename__ = "staff_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    staff_id: Mapped[int] = mapped_column(sa.ForeignKey("staff_user.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    end_reason: Mapped[str | None] = mapped_column(sa.String(40))
    ip: Mapped[str | None] = mapped_column(sa.String(45))
    user_agent: Mapped[str | None] = mapped_column(sa.String(255))
    # How the second factor was passed at sign-in ("totp", "recovery_code"); None: password only.
    second_factor: Mapped[str | None] = mapped_column(sa.String(20))

    staff: Mapped[StaffUser] = relationship()


class LoginAttempt(db.Model):
    """Every sign-in attempt, for the per-address limit (the per-account one is on StaffUser)."""

    __tablename__ = "login_attempt"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ip: Mapped[str] = mapped_column(sa.String(45))
    email: Mapped[str] = mapped_column(sa.String(254))
    succeeded: Mapped[bool]

    __table_args__ = (sa.Index("ix_login_attempt_ip_at", "ip", "at"),)


class StaffMfa(db.Model):
    """A staff member's TOTP second factor: the secret (encrypted with a key derived from
    SECRET_KEY), when enrolment was confirmed, the last time step accepted (a code is never
    accepted twice), and a reset asked by one admin and waiting for another (four eyes)."""

    __tablename__ = "staff_mfa"

    staff_id: Mapped[int] = mapped_column(
        sa.ForeignKey("staff_user.id", ondelete="CASCADE"), primary_key=True
    )
    secret_encrypted: Mapped[str] = mapped_column(sa.String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_step: Mapped[int | None] = mapped_column(sa.BigInteger)
    reset_requested_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("staff_user.id", ondelete="SET NULL")
    )
    reset_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    staff: Mapped[StaffUser] = relationship(foreign_keys=[staff_id])
    reset_requested_by: Mapped[StaffUser | None] = relationship(foreign_keys=[reset_requested_by_id])


class StaffRecoveryCode(db.Model):
    """One of the ten single-use recovery codes, kept as a SHA-256 only."""

    __tablename__ = "staff_recovery_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(sa.ForeignKey("staff_user.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(sa.String(64))
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class StaffDevice(db.Model):
    """A browser a staff member signed in from (a long-lived cookie's token, kept as a SHA-256):
    a sign-in from a browser not seen before is told to the staff member by e-mail."""

    __tablename__ = "staff_device"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(sa.ForeignKey("staff_user.id", ondelete="CASCADE"), index=True)
    device_hash: Mapped[str] = mapped_column(sa.String(64))
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    user_agent: Mapped[str | None] = mapped_column(sa.String(255))

    __table_args__ = (sa.UniqueConstraint("staff_id", "device_hash", name="uq_staff_device"),)
