"""Argon2id password hashing."""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app

# "fast" keeps argon2id but with a small cost, for the test suite only.
_PROFILES = {
    "standard": {},
    "fast": {"time_cost": 1, "memory_cost": 1024, "parallelism": 1},
}


@cache
def _hasher(profile: str) -> PasswordHasher:
    return PasswordHasher(**_PROFILES[profile])


def _current() -> PasswordHasher:
    return _hasher(current_app.config.get("PASSWORD_HASH_COST", "standard"))


def hash_password(password: str) -> str:
    """Return an argon2id hash of `password`."""
    return _current().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Whether `password` matches; never raises on a malformed hash."""
    try:
        return _current().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@cache
def _dummy_hash(profile: str) -> str:
    return _hasher(profile).hash("not-a-real-password")


def burn_verification_time(password: str) -> None:
    """Spend what a real check costs, so unknown accounts answer as slowly as known ones."""
    profile = current_app.config.get("PASSWORD_HASH_COST", "standard")
    verify_password(_dummy_hash(profile), password)
