"""Rules of API clients and keys: scopes, names, the key format. Pure Python."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from console.domain import DomainError, _

SCOPES = (
    "providers:write",
    "clients:write",
    "bookings:write",
    "reviews:write",
    "complaints:write",
    "eligibility:read",
    "webhooks:manage",
)
MAX_ACTIVE_KEYS = 2  # the current key and the next one, during a rotation
KEY_PREFIX = "ek_"
_NAME = re.compile(r"[a-z0-9][a-z0-9._-]{1,59}")
_KEY = re.compile(r"ek_([0-9a-f]{12})_[A-Za-z0-9_-]{43}")
# A key's "last used" time is written at most this often (not on every call).
LAST_USED_RESOLUTION = timedelta(minutes=1)


def clean_name(name: str) -> str:
    """A client's name: lower-case letters, digits, dots, dashes, underscores (2-60 characters)."""
    name = (name or "").strip().lower()
    if not _NAME.fullmatch(name):
        raise DomainError(
            _("A client name is 2 to 60 lower-case letters, digits, dots, dashes or underscores.")
        )
    return name


def clean_scopes(scopes: list[str] | tuple[str, ...]) -> list[str]:
    unknown = sorted(set(scopes) - set(SCOPES))
    if unknown:
        raise DomainError(_("Unknown scope: %(scopes)s.", scopes=", ".join(unknown)))
    if not scopes:
        raise DomainError(_("Choose at least one scope."))
    return [s for s in SCOPES if s in scopes]


@dataclass(frozen=True)
class NewKey:
    """A freshly made key: `secret` is shown once, only `prefix` and `digest` are stored."""

    secret: str
    prefix: str
    digest: str


def digest(key: str) -> str:
    """SHA-256 of a key: enough for 256-bit random keys (no password stretching needed)."""
    return hashlib.sha256(key.encode()).hexdigest()


def new_key() -> NewKey:
    prefix = secrets.token_hex(6)
    secret = f"{KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    return NewKey(secret, prefix, digest(secret))


def key_prefix(key: str) -> str | None:
    """The prefix that identifies a key, or None when the text is not shaped like one of ours."""
    match = _KEY.fullmatch(key or "")
    return match.group(1) if match else None


def ensure_rotation_allowed(active_keys: int) -> None:
    if active_keys >= MAX_ACTIVE_KEYS:
        raise DomainError(
            _("This client already has %(count)s active keys: revoke the old one first.", count=active_keys)
        )


def last_used_is_stale(last_used_at: datetime | None, now: datetime) -> bool:
    return last_used_at is None or now - last_used_at >= LAST_USED_RESOLUTION
