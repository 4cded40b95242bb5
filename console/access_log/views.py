"""The access log in the pages: which purpose applies, the purpose dialog, the recording call.

A page of a person's data names its kind (`access_kind` on the view). The purpose is, in order:
the one chosen in the dialog (`?purpose=`, remembered in the session for that kind of page), the
one implied by the queue the page belongs to or the agent came from, the one chosen earlier in
the session for that kind. With none, the page asks first and shows nothing of the person.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from flask import request, session
from flask_login import current_user

from console.access_log import services
from console.access_log.services import Subject
from console.i18n import lazy_gettext as _l

__all__ = [
    "Subject",
    "PAGE_PURPOSES",
    "entries_of",
    "purpose_label",
    "record",
    "resolve_purpose",
    "subjects_of",
]
from console.audit.labels import PURPOSES as PURPOSE_WORDS
from console.audit.labels import purpose_label
from console.db import utcnow
from console.domain import Role

SESSION_KEY = "access_purposes"
# The purposes a staff member may give for opening a person's page (console.audit.labels words).
PAGE_PURPOSES = {
    key: _l(PURPOSE_WORDS[key])
    for key in (
        "support_case",
        "vetting_work",
        "dispute",
        "moderation",
        "verification",
        "subject_request",
        "audit",
    )
}
# Coming from one of these lists implies the purpose (the queue says what the work is).
QUEUE_PURPOSES = (
    ("/queue/", "support_case"),
    ("/support/", "support_case"),
    ("/complaints/", "support_case"),
    ("/disputes-to-decide/", "dispute"),
    ("/disputes/", "dispute"),
    ("/moderation/", "moderation"),
    ("/flags/", "moderation"),
    ("/certificates/", "verification"),
    ("/vetting_", "vetting_work"),
    ("/sweeps/", "vetting_work"),
    ("/privacy_requests/", "subject_request"),
)
DETAIL_METHODS = ("details_view", "edit_view")


def _from_queue() -> str | None:
    referrer = request.referrer
    if not referrer:
        return None
    parts = urlsplit(referrer)
    if parts.netloc and parts.netloc != request.host:
        return None
    return next((purpose for prefix, purpose in QUEUE_PURPOSES if parts.path.startswith(prefix)), None)


def resolve_purpose(kind: str, implied: str | None = None) -> str | None:
    """The purpose of this opening, or None when the staff member must still choose one."""
    remembered = session.get(SESSION_KEY) or {}
    chosen = request.args.get("purpose", "")
    if chosen in PAGE_PURPOSES:
        _remember(kind, chosen)
        return chosen
    purpose = implied or _from_queue()
    if purpose is not None:
        if kind not in remembered:  # the work the queue implied goes on on this record's pages
            _remember(kind, purpose)
        return purpose
    return remembered.get(kind)


def _remember(kind: str, purpose: str) -> None:
    remembered = dict(session.get(SESSION_KEY) or {})
    if remembered.get(kind) != purpose:
        remembered[kind] = purpose
        session[SESSION_KEY] = remembered


def record(subjects: Iterable[Subject], *, record_type: str, record_id: Any, purpose: str) -> None:
    """Write the entry in the request's transaction (the page's commit, or the one after it)."""
    services.record_access(
        current_user,
        subjects,
        record_type=record_type,
        record_id=record_id,
        purpose=purpose,
        page=request.endpoint or "",
        now=utcnow(),
    )


def subjects_of(model: Any) -> list[Subject]:
    """The people a record shows: its provider and its client, through its booking or review."""
    if getattr(model, "subject_type", None) in services.SUBJECT_TYPES:  # a subject request
        return [Subject(model.subject_type, model.subject_id)]
    subjects = []
    holders = ("booking", "review", "case", "policy")
    for holder in (model, *(getattr(model, name, None) for name in holders)):
        if holder is None:
            continue
        if type(holder).__name__ in ("Provider", "Client"):
            return [Subject(type(holder).__name__.lower(), holder.id)]
        for attribute, kind in (("provider_id", "provider"), ("client_id", "client")):
            value = getattr(holder, attribute, None)
            if value is not None:
                subjects.append(Subject(kind, value))
        if subjects:
            break
    return subjects


def entries_of(kind: str, subject_id: int) -> list:
    """The "Who accessed" section of a provider's or client's page (managers and admins only)."""
    if not current_user.has_any_role([Role.MANAGER, Role.ADMIN]):
        return []
    return services.entries_for(Subject(kind, subject_id), limit=50)  # the whole log: the export


def is_detail_page(methods: Iterable[str] = DETAIL_METHODS) -> bool:
    endpoint = request.endpoint or ""
    return request.method == "GET" and endpoint.rsplit(".", 1)[-1] in methods
