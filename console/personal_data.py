"""What packages above privacy in the layers hold about a person (the portal's links and the
e-mails people sent), handed to the subject access export and to erasure. Privacy reads the
domains directly; a package above it registers here when the app is built."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Holder:
    # (subject type, subject id, the person's e-mail) -> rows as plain values
    export: Callable[[str, int, str], list[dict[str, Any]]]
    # (subject type, subject id, the person's e-mail, placeholder) -> rows erased
    erase: Callable[[str, int, str, str], int]


HOLDERS: dict[str, Holder] = {}


def register(name: str, holder: Holder) -> None:
    """`name` is the key of the rows in the export ("inbound_emails")."""
    HOLDERS[name] = holder
