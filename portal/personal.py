"""What the portal holds about a person, for the subject access export and erasure (registered
with console.personal_data): the signed links made for them and the e-mails they sent."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from console.db import db, row_dict
from console.personal_data import Holder, register
from portal.models import InboundEmail, PortalLink


def _links(subject_type: str, subject_id: int, email: str) -> list[dict[str, Any]]:
    rows = db.session.scalars(
        sa.select(PortalLink)
        .where(PortalLink.person_kind == subject_type, PortalLink.person_id == subject_id)
        .order_by(PortalLink.id)
    )
    return [row_dict(link, exclude=("token_digest",)) for link in rows]


def _sent(email: str):
    return sa.func.lower(InboundEmail.sender) == (email or "").lower()


def _inbound(subject_type: str, subject_id: int, email: str) -> list[dict[str, Any]]:
    if not email:
        return []
    rows = db.session.scalars(sa.select(InboundEmail).where(_sent(email)).order_by(InboundEmail.id))
    return [row_dict(message) for message in rows]


def _erase_inbound(subject_type: str, subject_id: int, email: str, placeholder: str) -> int:
    """The person's words and address go; the threaded copy on a complaint follows the complaint's
    own erasure or legal hold."""
    if not email:
        return 0
    values = {"sender": placeholder, "subject": placeholder, "body": placeholder}
    return db.session.execute(sa.update(InboundEmail).where(_sent(email)).values(**values)).rowcount


def register_holders() -> None:
    register("portal_links", Holder(export=_links, erase=lambda *args: 0))  # ids and dates only
    register("inbound_emails", Holder(export=_inbound, erase=_erase_inbound))
