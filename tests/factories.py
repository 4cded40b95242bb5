"""Test data builders, in one place."""

from __future__ import annotations

import itertools

from console.auth import services as staff_services
from console.db import utcnow

PASSWORD = "correct-horse-battery"
_counter = itertools.count(1)


def make_staff(*roles: str, email: str | None = None, password: str = PASSWORD, name: str | None = None):
    """Create and flush a staff member (roles default to support_agent)."""
    n = next(_counter)
    return staff_services.create_staff(
        email=email or f"staff{n}@example.com",
        full_name=name or f"Staff Member {n}",
        roles=roles or ("support_agent",),
        password=password,
        actor="system:tests",
        now=utcnow(),
    )
