"""Personal values of audit events, kept outside the hash chain.

An event's `changes` keeps its structure and non-personal values (statuses, codes, counts, ids);
each personal value (a name, an e-mail, a phone number, typed free text) is replaced by a marker
`{"$personal": n}`, and the values go to one `audit_personal` row. The event holds that row's id
and a digest of it (SHA-256 over a random salt and the values), and its HMAC covers the id and
the digest, never the values. Erasure and retention delete the row (salt included: the digest
can no longer be tested against guesses); the chain still verifies.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from typing import Any

import sqlalchemy as sa

from console.audit.models import AuditPersonal
from console.db import db

MARK = "$personal"
ERASED = "[erased]"
PERSONAL_KEYS = frozenset(
    {
        "name", "full_name", "legal_name", "trade_name", "first_name", "last_name", "contact_name",
        "email", "phone", "address", "address_line", "iban", "text", "note", "notes", "body",
        "comment", "description", "subject", "statement", "reason", "reasons", "claim", "detail",
        "message", "answer", "reply", "evidence", "decision_note", "end_reason", "awaiting_note",
        "original_name", "typed", "login",
    }
)  # fmt: skip
PERSONAL_SUFFIXES = ("_name", "_email", "_phone", "_note", "_text", "_reason", "_statement")
_DATE_LIKE = re.compile(r"^\d{4}-\d{2}-\d{2}([ T][\d:.+\-Z]*)?$")


def is_personal(key: str, value: Any) -> bool:
    """A string is personal under a personal key, or when it reads as typed text or an address
    (spaces or an @), dates excepted. Codes, statuses, references and numbers stay in the chain."""
    if not isinstance(value, str) or not value:
        return False
    if key in PERSONAL_KEYS or key.endswith(PERSONAL_SUFFIXES):
        return True
    return ("@" in value or any(c.isspace() for c in value)) and not _DATE_LIKE.match(value)


def split(changes: dict[str, Any] | None) -> tuple[dict[str, Any] | None, list[Any]]:
    """(changes with markers, the personal values in marker order)."""
    if changes is None:
        return None, []
    values: list[Any] = []

    def walk(key: str, value: Any) -> Any:
        if isinstance(value, dict):
            inner_key = key if {"before", "after"} >= value.keys() else None
            return {k: walk(inner_key or k, v) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(key, item) for item in value]
        if is_personal(key, value):
            values.append(value)
            return {MARK: len(values) - 1}
        return value

    return {key: walk(key, value) for key, value in changes.items()}, values


def digest(salt: str, values: list[Any]) -> str:
    canonical = json.dumps(values, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(salt.encode() + canonical.encode()).hexdigest()


def store(values: list[Any], *, object_type: str | None, object_id: str | None) -> tuple[int, str]:
    """Keep the values apart; return (row id, digest) for the event."""
    salt = secrets.token_hex(16)
    row = AuditPersonal(salt=salt, value=values, object_type=object_type, object_id=object_id)
    db.session.add(row)
    db.session.flush()
    return row.id, digest(salt, values)


def resolve(changes: Any, values: list[Any] | None) -> Any:
    """The changes as recorded, markers replaced by their values ("[erased]" once erased)."""
    if isinstance(changes, dict):
        if set(changes) == {MARK}:
            index = changes[MARK]
            return values[index] if values is not None and 0 <= index < len(values) else ERASED
        return {key: resolve(value, values) for key, value in changes.items()}
    if isinstance(changes, list):
        return [resolve(item, values) for item in changes]
    return changes


def intact(row: AuditPersonal, expected_digest: str | None) -> bool:
    """Whether the kept values are the ones the chain sealed."""
    return expected_digest is not None and digest(row.salt, row.value) == expected_digest


def erase(*, objects: list[tuple[str, str]] = (), containing: list[str] = ()) -> int:
    """Delete the personal values of events about these (type, id) objects, and of any event whose
    values contain one of these strings (a name or an e-mail written into another record's event)."""
    conditions = [
        sa.and_(AuditPersonal.object_type == kind, AuditPersonal.object_id == str(key))
        for kind, key in objects
    ]
    text = sa.cast(AuditPersonal.value, sa.Text)
    for needle in {n for n in containing if n and len(n) >= 3}:
        conditions.append(text.contains(json.dumps(needle, ensure_ascii=False)[1:-1], autoescape=True))
    if not conditions:
        return 0
    return db.session.execute(sa.delete(AuditPersonal).where(sa.or_(*conditions))).rowcount
