"""Portal use cases: signed links (create, resolve, spend, revoke, send again) and what each
purpose submits. Links are made here only; a view or a job asks for one through these functions."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import joinedload

from console.audit import services as audit
from console.db import db
from console.domain import _
from console.i18n import in_language
from console.notifications.services import queue_notification
from console.validation import parse_reference
from disputes.complaints.models import Complaint, Satisfaction
from disputes.complaints.workflow import Status
from marketplace.models import Client, Provider
from policy import services as policy
from portal import workflow as wf
from portal.models import InboundEmail, PortalAttachment, PortalLink
from portal.workflow import LinkRefused, LinkState, PersonKind, Purpose
from restrictions import services as restrictions
from vetting import services as vetting


def _key(name: str) -> bytes:
    """A key of the portal, derived from SECRET_KEY unless PORTAL_KEY is set."""
    config = current_app.config
    base = config.get("PORTAL_KEY") or config["SECRET_KEY"]
    return hashlib.sha256(f"{name}:{base}".encode()).digest()


def portal_actor(person: Provider | Client) -> str:
    """How a provider or a client acting through the portal is named in the audit trail."""
    return f"system:portal:{person.reference}"


def person_kind(person: Any) -> PersonKind:
    if isinstance(person, Provider):
        return PersonKind.PROVIDER
    if isinstance(person, Client):
        return PersonKind.CLIENT
    raise LinkRefused(_("A link is for a provider or a client."))


def find_person(reference: str) -> Provider | Client | None:
    """A provider (`PRV-…`) or a client (`CLI-…`) by reference."""
    if (provider_id := parse_reference(reference, "PRV")) is not None:
        return db.session.get(Provider, provider_id)
    if (client_id := parse_reference(reference, "CLI")) is not None:
        return db.session.get(Client, client_id)
    return None


def person_of(link: PortalLink) -> Provider | Client:
    model = Provider if link.person_kind == PersonKind.PROVIDER else Client
    return db.session.get(model, link.person_id)


def record_of(link: PortalLink) -> Any:
    if link.record_type is None:
        return None
    from disputes.disputes.models import Dispute

    if link.record_type == "Restriction":
        return restrictions.restriction_by_id(link.record_id)
    if link.record_type == "VettingCase":
        return vetting.case_by_id(link.record_id)
    if link.record_type == "PolicyNotice":
        return policy.notice_by_id(link.record_id)
    models = {"Complaint": Complaint, "Dispute": Dispute, "Provider": Provider, "Client": Client}
    model = models.get(link.record_type)
    if model is None:
        return None
    return db.session.get(model, link.record_id)


def base_url() -> str:
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/")


def url_of(token: str) -> str:
    return f"{base_url()}/portal/{token}"


# --- links -----------------------------------------------------------------------------------


def create_link(
    purpose: Purpose | str, person: Provider | Client, record: Any = None, *, actor: Any, now: datetime
) -> tuple[PortalLink, str]:
    """A new link (the row, and the token, which is never stored: only its digest is)."""
    purpose = wf.purpose(purpose)
    kind = person_kind(person)
    wf.ensure_person(purpose, kind)
    token = secrets.token_urlsafe(wf.TOKEN_BYTES)
    link = PortalLink(
        token_digest=wf.token_digest(token),
        purpose=purpose,
        person_kind=kind,
        person_id=person.id,
        record_type=_record_key(record)[0],
        record_id=_record_key(record)[1],
        created_at=now,
        created_by=audit.actor_label(actor)[1],
        expires_at=wf.expiry(purpose, now),
    )
    db.session.add(link)
    db.session.flush()
    audit.record(
        actor,
        "portal.link_create",
        link,
        changes={
            "purpose": purpose.value,
            "person": person.reference,
            "record": _record_label(record),
            "expires_at": link.expires_at.isoformat(),
        },
        now=now,
    )
    return link, token


def _record_label(record: Any) -> str | None:
    if record is None:
        return None
    record_type, record_id = _record_key(record)
    return getattr(record, "reference", None) or f"{record_type}/{record_id}"


def _side_effect_actor() -> Any:
    """Who a link made inside another change is attributed to: that change's actor."""
    return db.session().info.get(audit.LAST_ACTOR) or "system:portal"


def make_link(purpose: str, person: Any, record: Any = None, *, now: datetime, actor: Any = None) -> str:
    """The URL of a fresh link (the maker behind `console.links.signed_link`)."""
    _, token = create_link(purpose, person, record, actor=actor or _side_effect_actor(), now=now)
    return url_of(token)


def _person_key(person: Any) -> tuple[PersonKind, int]:
    """(kind, id) of a provider or a client, given as the record or as ("client", id)."""
    if isinstance(person, tuple):
        return PersonKind(person[0]), int(person[1])
    return person_kind(person), person.id


def _record_key(record: Any) -> tuple[str | None, int | None]:
    if record is None:
        return None, None
    if isinstance(record, tuple):
        return str(record[0]), int(record[1])
    return type(record).__name__, record.id


def make_links(purpose: str, people: list[tuple[Any, Any]], *, now: datetime, actor: Any = None) -> list[str]:
    """Links for many (person, record) pairs in one insert and one audit event (a sweep's reminders,
    an announcement's chunk: no statement per person); the URLs in the same order. A person or a
    record may be given as a (type, id) pair."""
    purpose = wf.purpose(purpose)
    if not people:
        return []
    actor = actor or _side_effect_actor()
    rows, urls = [], []
    for person, record in people:
        kind, person_id = _person_key(person)
        wf.ensure_person(purpose, kind)
        record_type, record_id = _record_key(record)
        token = secrets.token_urlsafe(wf.TOKEN_BYTES)
        rows.append(
            {
                "token_digest": wf.token_digest(token),
                "purpose": purpose,
                "person_kind": kind,
                "person_id": person_id,
                "record_type": record_type,
                "record_id": record_id,
                "created_at": now,
                "created_by": audit.actor_label(actor)[1],
                "expires_at": wf.expiry(purpose, now),
            }
        )
        urls.append(url_of(token))
    db.session.execute(sa.insert(PortalLink), rows)
    audit.record(
        actor, "portal.link_create", object_type="PortalLink",
        changes={"purpose": purpose.value, "count": len(rows)}, now=now,
    )  # fmt: skip
    return urls


def find_link(token: str) -> PortalLink | None:
    if not token or len(token) > 200:
        return None
    return db.session.scalar(sa.select(PortalLink).where(PortalLink.token_digest == wf.token_digest(token)))


def state_of(link: PortalLink, now: datetime) -> LinkState:
    return wf.link_state(
        purpose=link.purpose,
        expires_at=link.expires_at,
        used_at=link.used_at,
        revoked_at=link.revoked_at,
        now=now,
    )


def record_refusal(link: PortalLink | None, state: str, *, now: datetime) -> None:
    """An attempt with a wrong, expired, used or revoked link, in the audit trail (no token kept)."""
    audit.record(
        "system:portal",
        "portal.link_refused",
        link,
        object_type=None if link else "PortalLink",
        changes={"state": state},
        now=now,
    )


def record_view(link: PortalLink, *, now: datetime) -> None:
    audit.record(
        portal_actor(person_of(link)),
        "portal.link_open",
        link,
        changes={"purpose": link.purpose.value},
        now=now,
    )


def spend(link: PortalLink, *, now: datetime) -> None:
    """Mark the link used; a single-use link already spent (a second tab, a replay) is refused and
    nothing else changes: the update only wins when nobody used it first."""
    if link.purpose not in wf.SINGLE_USE:
        if link.used_at is None:
            link.used_at = now
        return
    won = db.session.execute(
        sa.update(PortalLink)
        .where(PortalLink.id == link.id, PortalLink.used_at.is_(None), PortalLink.revoked_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if won != 1:
        raise LinkRefused(_("This link was already used."))
    db.session.refresh(link)


def revoke(link: PortalLink, *, actor: Any, now: datetime) -> None:
    if link.revoked_at is None:
        link.revoked_at = now
        db.session.flush()
        audit.record(actor, "portal.link_revoke", link, changes={"purpose": link.purpose.value}, now=now)


def open_record(purpose: Purpose | str, person: Provider | Client) -> Any:
    """The record a link of `purpose` is about when none is named: the person's open one."""
    purpose = wf.purpose(purpose)
    wf.ensure_person(purpose, person_kind(person))
    if purpose in (Purpose.COMPLAINT_REPLY, Purpose.SATISFACTION, Purpose.COMPLAINT_ANSWER):
        column = Complaint.client_id if purpose != Purpose.COMPLAINT_ANSWER else Complaint.provider_id
        query = sa.select(Complaint).where(column == person.id)
        if purpose == Purpose.SATISFACTION:
            query = query.where(Complaint.status.in_([Status.RESOLVED, Status.CLOSED]))
        else:
            query = query.where(Complaint.status.not_in([Status.RESOLVED, Status.CLOSED]))
        found = db.session.scalar(query.order_by(Complaint.id.desc()).limit(1))
        if found is None:
            raise LinkRefused(
                _("%(person)s has no complaint this link could be about.", person=person.reference)
            )
        return found
    if purpose == Purpose.DISPUTE_ANSWER:
        from disputes.disputes.models import Dispute
        from disputes.disputes.workflow import DisputeStatus

        found = db.session.scalar(
            sa.select(Dispute)
            .join(Complaint, Complaint.id == Dispute.complaint_id)
            .where(Complaint.provider_id == person.id, Dispute.status == DisputeStatus.OPEN)
            .order_by(Dispute.id.desc())
            .limit(1)
        )
        if found is None:
            raise LinkRefused(_("%(person)s has no open dispute.", person=person.reference))
        return found
    if purpose == Purpose.VETTING_DOCUMENTS:
        case = vetting.active_case(person.id)
        if case is None or case.status.value != "awaiting_provider":
            raise LinkRefused(_("%(person)s has no vetting case waiting for them.", person=person.reference))
        return case
    if purpose == Purpose.RESTRICTION_REVIEW:
        found = restrictions.latest_active_restriction(person.id)
        if found is None:
            raise LinkRefused(_("%(person)s has no restriction in force.", person=person.reference))
        return found
    if purpose == Purpose.POLICY_ACK:
        notice = policy.latest_notice(person.id)
        if notice is None:
            raise LinkRefused(_("%(person)s was told of no policy change.", person=person.reference))
        return notice
    return None  # a certificate: the provider is enough


def find_record(purpose: Purpose | str, reference: str) -> Any:
    """A record named by its reference (`CMP-…`, `DSP-…`) for the CLI's `--record`."""
    if (complaint_id := parse_reference(reference, "CMP")) is not None:
        return db.session.get(Complaint, complaint_id)
    if (dispute_id := parse_reference(reference, "DSP")) is not None:
        from disputes.disputes.models import Dispute

        return db.session.get(Dispute, dispute_id)
    return None


def send_link(
    purpose: Purpose | str, person: Provider | Client, record: Any = None, *, actor: Any, now: datetime
) -> tuple[PortalLink, str]:
    """Staff (or the person asking again) send a fresh link by e-mail; the earlier valid links for
    the same purpose and record stop working."""
    purpose = wf.purpose(purpose)
    earlier = db.session.scalars(
        sa.select(PortalLink).where(
            PortalLink.person_kind == person_kind(person),
            PortalLink.person_id == person.id,
            PortalLink.purpose == purpose,
            PortalLink.revoked_at.is_(None),
            PortalLink.record_type == (type(record).__name__ if record is not None else None),
            PortalLink.record_id == (record.id if record is not None else None),
        )
    ).all()
    for old in earlier:
        if state_of(old, now) == LinkState.VALID:
            revoke(old, actor=actor, now=now)
    link, token = create_link(purpose, person, record, actor=actor, now=now)
    name = person.display_name if isinstance(person, Provider) else person.full_name
    with in_language(person.language):
        label = purpose.label
    queue_notification(
        recipient=person.email,
        template="portal_link",
        related=link,
        now=now,
        language=person.language,
        context={
            "name": name,
            "purpose": label,
            "url": url_of(token),
            "expires_at": link.expires_at,
            "record": _record_label(record),
        },
    )
    return link, token


def ask_again(email: str, *, token: str | None, now: datetime) -> bool:
    """The "send me a new link" form: if `email` is the address of the person of the link (or of the
    latest link sent to that address), a fresh one goes there. The answer shown never says which."""
    email = (email or "").strip().lower()
    if not email or len(email) > 254:
        return False
    candidates = []
    old = find_link(token) if token else None
    if old is not None:
        candidates.append(old)
    else:
        for model, kind in ((Provider, PersonKind.PROVIDER), (Client, PersonKind.CLIENT)):
            ids = db.session.scalars(sa.select(model.id).where(model.email == email)).all()
            if ids:
                latest = db.session.scalar(
                    sa.select(PortalLink)
                    .where(PortalLink.person_kind == kind, PortalLink.person_id.in_(ids))
                    .order_by(PortalLink.id.desc())
                    .limit(1)
                )
                if latest is not None:
                    candidates.append(latest)
    for link in candidates:
        person = person_of(link)
        if person is None or person.email != email:
            continue
        if link.purpose == Purpose.SATISFACTION and _rated(link.record_id):
            return False
        send_link(link.purpose, person, record_of(link), actor=portal_actor(person), now=now)
        return True
    return False


def _rated(complaint_id: int | None) -> bool:
    return (
        complaint_id is not None
        and db.session.scalar(
            sa.select(Satisfaction.id).where(
                Satisfaction.complaint_id == complaint_id, Satisfaction.answered_at.is_not(None)
            )
        )
        is not None
    )


def attachments_by_entry(record_type: str, record_id: int) -> dict[int | None, list[PortalAttachment]]:
    """The files sent with a record's messages, by complaint entry (for the record's page)."""
    found: dict[int | None, list[PortalAttachment]] = {}
    for attachment in db.session.scalars(
        sa.select(PortalAttachment)
        .where(PortalAttachment.record_type == record_type, PortalAttachment.record_id == record_id)
        .options(joinedload(PortalAttachment.stored_file))
        .order_by(PortalAttachment.id)
    ):
        found.setdefault(attachment.entry_id, []).append(attachment)
    return found


def move_complaint_records(merged_id: int, survivor_id: int) -> None:
    """A merged complaint's files, e-mails and links now belong to the complaint it was merged into
    (registered in `app.extensions["complaint_merged"]`): a client who answers the old link or
    e-mail reaches the open complaint."""
    for model in (PortalAttachment, PortalLink):
        db.session.execute(
            sa.update(model)
            .where(model.record_type == "Complaint", model.record_id == merged_id)
            .values(record_id=survivor_id)
            .execution_options(synchronize_session=False)
        )
    db.session.execute(
        sa.update(InboundEmail)
        .where(InboundEmail.complaint_id == merged_id)
        .values(complaint_id=survivor_id)
        .execution_options(synchronize_session=False)
    )
