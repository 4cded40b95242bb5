"""Domain errors and staff roles: plain Python, so the rules (`workflow.py` modules) can use them
without loading Flask or SQLAlchemy."""

from __future__ import annotations

from enum import StrEnum


class DomainError(ValueError):
    """A rule refused what was asked; the message is written for the staff member."""


class QueueUnavailable(DomainError):
    """The job queue (Redis) cannot be reached right now."""


class Role(StrEnum):
    VETTING_OFFICER = "vetting_officer"
    SUPPORT_AGENT = "support_agent"
    MANAGER = "manager"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


ALL_ROLES = frozenset(Role)
