"""Rules of the integration API that need no database: external ids, references in URLs,
idempotency keys and their window. Pure Python."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta
from enum import StrEnum

from console.domain import DomainError, _

IDEMPOTENCY_WINDOW = timedelta(hours=24)
EXTERNAL_PREFIX = "ext:"
_EXTERNAL_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:@-]{0,99}")
_IDEMPOTENCY_KEY = re.compile(r"[\x21-\x7e]{1,200}")
BATCH_MAX = 1000


class ResourceKind(StrEnum):
    PROVIDER = "provider"
    CLIENT = "client"
    BOOKING = "booking"
    REVIEW = "review"
    COMPLAINT = "complaint"


class InvalidIdempotencyKey(DomainError):
    """The Idempotency-Key header is not a usable key."""


def clean_external_id(value: str | None) -> str | None:
    """The marketplace's id: 1-100 letters, digits, `.`, `_`, `:`, `@` or `-` (None when absent)."""
    if value is None:
        return None
    if not _EXTERNAL_ID.fullmatch(value):
        raise DomainError(
            _("An external id is 1 to 100 letters, digits, dots, dashes, underscores, colons or @.")
        )
    return value


def split_lookup(term: str) -> tuple[str, str]:
    """`ext:ABC` is the marketplace's id ABC; anything else is one of our references."""
    if term.startswith(EXTERNAL_PREFIX):
        return "external", term[len(EXTERNAL_PREFIX) :]
    return "reference", term


def clean_idempotency_key(value: str) -> str:
    if not _IDEMPOTENCY_KEY.fullmatch(value or ""):
        raise InvalidIdempotencyKey(_("An Idempotency-Key is 1 to 200 visible ASCII characters."))
    return value


def request_digest(method: str, path: str, body: bytes) -> str:
    """What a replay must repeat exactly: the method, the path and the body."""
    return hashlib.sha256(method.encode() + b" " + path.encode() + b"\n" + body).hexdigest()
