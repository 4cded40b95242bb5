"""Which staff may read which messages of the outbox (DESIGN §7: every row checks the role).

A message's kind is read from its template's name; each role reads the kinds of its own work.
Pure Python: the outbox view and its tests share this one definition.
"""

from __future__ import annotations

from collections.abc import Iterable

from console.domain import Role

# Template name prefix -> kind of message. A template matching none is "other".
KINDS: tuple[tuple[str, str], ...] = (
    ("complaint_", "complaint"),
    ("dispute_", "dispute"),
    ("vetting_", "vetting"),
    ("insurance_", "insurance"),
    ("restriction_", "restriction"),
    ("review_", "review"),
    ("policy_", "policy"),
    ("webhook_", "integration"),
    ("staff_", "staff_account"),
)

# The kinds each role reads; managers and admins read every message, other kinds included.
ROLE_KINDS: dict[Role, frozenset[str]] = {
    # Vetting officers never read complaint messages nor dispute decisions.
    Role.VETTING_OFFICER: frozenset({"vetting", "insurance"}),
    # Support agents never read vetting statements (a rejection's reasons stay with vetting).
    Role.SUPPORT_AGENT: frozenset({"complaint", "dispute", "review", "policy"}),
}
READ_ALL = frozenset({Role.MANAGER, Role.ADMIN})


def message_kind(template: str) -> str:
    """The kind of a message written from `template`."""
    return next((kind for prefix, kind in KINDS if template.startswith(prefix)), "other")


def readable_kinds(roles: Iterable[Role]) -> frozenset[str] | None:
    """The kinds of message staff with `roles` may read; None when they read every message."""
    roles = frozenset(roles)
    if roles & READ_ALL:
        return None
    return frozenset().union(*(ROLE_KINDS.get(role, frozenset()) for role in roles))


def template_prefixes(kinds: Iterable[str]) -> list[str]:
    """The template name prefixes of `kinds` (for the SQL filter)."""
    kinds = frozenset(kinds)
    return [prefix for prefix, kind in KINDS if kind in kinds]


def may_read(roles: Iterable[Role], template: str) -> bool:
    """Whether staff with `roles` may read a message written from `template`."""
    kinds = readable_kinds(roles)
    return kinds is None or message_kind(template) in kinds
