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


class StaleRecord(DomainError):
    """Someone changed the record since the page was opened."""


def ensure_version(record: object, expected_version: int | None) -> None:
    """Refuse a change made from a stale page: `expected_version` is the version the page showed."""
    if expected_version is not None and record.version != expected_version:  # type: ignore[attr-defined]
        raise StaleRecord(f"{record} was changed by someone else since you opened it. Reload and try again.")
