"""Domain errors, staff roles and the translation functions: plain Python, so the rules
(`workflow.py` modules) can use them without loading Flask or SQLAlchemy."""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from enum import StrEnum
from typing import Any


class _Untranslated:
    """Until the app installs its catalogues (console/i18n.py), messages stay in the source text."""

    def gettext(self, message: str) -> str:
        return message

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return singular if n == 1 else plural


_UNTRANSLATED = _Untranslated()
_catalogue: Callable[[], Any] = lambda: _UNTRANSLATED  # noqa: E731 - replaced by install_catalogue


def _unknown_language() -> str | None:
    return None


_language: Callable[[], str | None] = _unknown_language


def install_language(language: Callable[[], str | None]) -> None:
    """Use `language()` (the reader's language code, or None) from now on (console/i18n.py)."""
    global _language
    _language = language


def reader_language() -> str | None:
    """The language of whoever reads what is being written now, when the app knows it."""
    return _language()


def install_catalogue(catalogue: Callable[[], Any]) -> None:
    """Use `catalogue()` (an object with gettext/ngettext: the reader's translations) from now on."""
    global _catalogue
    _catalogue = catalogue


def _(message: str, **params: Any) -> str:
    """`message` in the reader's language, `%(name)s` placeholders filled from `params`."""
    text = _catalogue().gettext(message)
    return text % params if params else text


def N_(message: str) -> str:  # noqa: N802 - the usual name of gettext's no-op marker
    """Mark `message` for the catalogue without translating it now: for a text stored or kept in a
    table in the source language and translated where it is shown (with `_`)."""
    return message


def ngettext(singular: str, plural: str, n: int, **params: Any) -> str:
    """The singular or plural form for `n` in the reader's language; `%(num)s` is `n`."""
    text = _catalogue().ngettext(singular, plural, n)
    return text % ({"num": n} | params)


class translated_label:  # noqa: N801 - used as a decorator, like `property`
    """A property for an enum's label, written as a function that translates every member's label
    (`{Member: _("…"), …}[self]`), evaluated once per member and catalogue: lists read a label per
    cell, and building the whole mapping each time cost a translation per member."""

    def __init__(self, labels: Callable[[Any], str]) -> None:
        self.labels = labels
        self.__doc__ = labels.__doc__
        self.by_catalogue: weakref.WeakKeyDictionary[Any, dict[Any, str]] = weakref.WeakKeyDictionary()

    def __get__(self, member: Any, owner: type | None = None) -> Any:
        if member is None:
            return self
        catalogue = _catalogue()
        known = self.by_catalogue.get(catalogue)
        if known is None:
            known = self.by_catalogue[catalogue] = {}
        text = known.get(member)
        if text is None:
            text = known[member] = self.labels(member)
        return text


class DomainError(ValueError):
    """A rule refused what was asked; the message is written for the staff member."""


class QueueUnavailable(DomainError):
    """The job queue (Redis) cannot be reached right now."""


class Role(StrEnum):
    VETTING_OFFICER = "vetting_officer"
    SUPPORT_AGENT = "support_agent"
    MANAGER = "manager"
    ADMIN = "admin"

    @translated_label
    def label(self) -> str:
        return {
            Role.VETTING_OFFICER: _("Vetting officer"),
            Role.SUPPORT_AGENT: _("Support agent"),
            Role.MANAGER: _("Manager"),
            Role.ADMIN: _("Admin"),
        }[self]


ALL_ROLES = frozenset(Role)


class StaleRecord(DomainError):
    """Someone changed the record since the page was opened."""


def ensure_version(record: object, expected_version: int | None) -> None:
    """Refuse a change made from a stale page: `expected_version` is the version the page showed."""
    if expected_version is not None and record.version != expected_version:  # type: ignore[attr-defined]
        raise StaleRecord(
            _(
                "%(record)s was changed by someone else since you opened it. Reload and try again.",
                record=record,
            )
        )


def events_from(transitions: Iterable[tuple[Any, str]], current: Any) -> tuple[str, ...]:
    """The events a transition table `{(state, event): next_state}` allows from `current`, in the
    table's order: what a page may offer (every workflow's `allowed_events` asks this)."""
    return tuple(event for (state, event) in transitions if state == current)


_machine_caller: ContextVar[str | None] = ContextVar("machine_caller", default=None)


@contextmanager
def acting_for_machine(name: str) -> Iterator[None]:
    """Inside the block, the work is done for a machine (an API client), not by a person: rules
    that need a person's decision (restricting a provider) refuse it, as they refuse jobs."""
    token = _machine_caller.set(name)
    try:
        yield
    finally:
        _machine_caller.reset(token)


def machine_caller() -> str | None:
    """The machine the current work is done for (`acting_for_machine`), or None."""
    return _machine_caller.get()
