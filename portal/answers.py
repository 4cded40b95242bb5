"""What the portal's links submit: a certificate, a message on a complaint, the documents of a
vetting case, a dispute answer, a review request, a policy acknowledgement, a satisfaction rating
(and the job that asks for it). Each spends its link in the same transaction."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, BinaryIO

import sqlalchemy as sa

from console.audit import services as audit
from console.db import db
from console.domain import DomainError, _
from console.files import services as files
from console.redaction import clean_text
from disputes.complaints import intake
from disputes.complaints.models import Complaint, Satisfaction
from disputes.complaints.workflow import Status
from insurance import services as insurance
from policy import services as policy
from portal import workflow as wf
from portal.models import PortalAttachment, PortalLink
from portal.services import _rated, person_of, portal_actor, record_of, send_link, spend
from portal.workflow import LinkRefused, PersonKind, Purpose
from restrictions import services as restrictions
from vetting import services as vetting

CSAT_ACTOR = "system:portal-satisfaction"
MAX_FILES = 5


def _store_files(uploads: list[tuple[BinaryIO, str]], *, actor: str, now: datetime):
    if len(uploads) > MAX_FILES:
        raise DomainError(_("Send at most %(count)s files at once.", count=MAX_FILES))
    return [files.store_upload(stream, name, actor=actor, now=now) for stream, name in uploads]


def submit_certificate(
    link: PortalLink, *, fields: dict[str, Any], certificate: tuple[BinaryIO, str] | None, now: datetime
):
    """A provider's RC Pro certificate: a pending policy in the officers' queue."""
    provider = person_of(link)
    if certificate is None:
        raise DomainError(_("Attach the certificate (PDF, JPEG or PNG)."))
    actor = portal_actor(provider)
    spend(link, now=now)
    policy = insurance.register_policy(provider, fields=fields, certificate=certificate, actor=actor, now=now)
    audit.record(actor, "portal.certificate", link, changes={"policy": policy.id}, now=now)
    return policy


def answer_deadline(link: PortalLink) -> datetime:
    """Until when an answer is taken: the link's expiry, shown on the page."""
    return link.expires_at


def post_message(link: PortalLink, *, body: str, uploads: list[tuple[BinaryIO, str]], now: datetime):
    """The client's reply or the provider's answer on a complaint, with evidence files."""
    person = person_of(link)
    complaint = record_of(link)
    if not isinstance(complaint, Complaint):
        raise LinkRefused(_("This link is not about a complaint."))
    if wf.answer_deadline_passed(answer_deadline(link), now):
        raise LinkRefused(_("The deadline to answer has passed."))
    if complaint.status == Status.CLOSED:
        raise DomainError(_("%(complaint)s is closed; it takes no more messages.", complaint=complaint))
    actor = portal_actor(person)
    sender = "client" if link.person_kind == PersonKind.CLIENT else "provider"
    body = clean_text(body, limit=wf.ANSWER_MAX, what=_("message"))
    stored = _store_files(uploads, actor=actor, now=now)
    entry = intake.receive_message(complaint, sender=sender, body=body, actor=actor, now=now)
    for item in stored:
        db.session.add(
            PortalAttachment(
                stored_file_id=item.id,
                record_type="Complaint",
                record_id=complaint.id,
                entry_id=entry.id,
                link_id=link.id,
                created_at=now,
            )
        )
    spend(link, now=now)
    audit.record(
        actor,
        "portal.message",
        link,
        changes={"complaint": complaint.reference, "entry": entry.id, "files": len(stored)},
        now=now,
    )
    return entry


def acknowledge_policy(link: PortalLink, *, now: datetime):
    """The client says they have read the policy version they were told of."""
    notice = record_of(link)
    if notice is None or link.record_type != "PolicyNotice":
        raise LinkRefused(_("This link is not about a policy change."))
    spend(link, now=now)
    return policy.acknowledge_notice(notice, actor=portal_actor(person_of(link)), now=now)


def submit_vetting_documents(
    link: PortalLink, *, answer: str | None, uploads: list[tuple[str, tuple[BinaryIO, str]]], now: datetime
):
    """The documents a vetting case waits for (identity, certifications) and the provider's answer."""
    case = record_of(link)
    if case is None:
        raise LinkRefused(_("This link is not about a vetting case."))
    if len(uploads) > MAX_FILES:
        raise DomainError(_("Send at most %(count)s files at once.", count=MAX_FILES))
    actor = portal_actor(person_of(link))
    spend(link, now=now)
    vetting.provider_sent_documents(case, answer=answer, uploads=uploads, actor=actor, now=now)
    return case


def submit_dispute_answer(link: PortalLink, *, text: str, uploads: list[tuple[BinaryIO, str]], now: datetime):
    """The provider's account and evidence on a dispute, before the deadline shown."""
    from disputes.disputes import services as disputes

    dispute = record_of(link)
    if dispute is None or link.record_type != "Dispute":
        raise LinkRefused(_("This link is not about a dispute."))
    if len(uploads) > MAX_FILES:
        raise DomainError(_("Send at most %(count)s files at once.", count=MAX_FILES))
    spend(link, now=now)
    return disputes.provider_answers(
        dispute,
        text=text,
        uploads=uploads,
        deadline=answer_deadline(link),
        actor=portal_actor(person_of(link)),
        now=now,
    )


def submit_review_request(link: PortalLink, *, text: str, now: datetime):
    """The provider asks for a review of a restriction, with their arguments."""
    restriction = record_of(link)
    if restriction is None or link.record_type != "Restriction":
        raise LinkRefused(_("This link is not about a restriction."))
    spend(link, now=now)
    return restrictions.provider_requests_review(
        restriction, text=text, actor=portal_actor(person_of(link)), now=now
    )


def rate(link: PortalLink, *, score: Any, comment: str | None, now: datetime) -> Satisfaction:
    """The client rates a resolved complaint, once (1 to 5 and a comment)."""
    complaint = record_of(link)
    if not isinstance(complaint, Complaint) or complaint.status not in (Status.RESOLVED, Status.CLOSED):
        raise LinkRefused(_("This complaint is not resolved."))
    value = wf.score(score)
    comment = clean_text(comment, limit=wf.COMMENT_MAX, what=_("comment"), required=False)
    if _rated(complaint.id):
        raise LinkRefused(_("This complaint was already rated. Thank you."))
    spend(link, now=now)
    row = db.session.scalar(sa.select(Satisfaction).where(Satisfaction.complaint_id == complaint.id))
    if row is None:
        row = Satisfaction(complaint_id=complaint.id)
        db.session.add(row)
    row.score, row.comment, row.answered_at = value, comment, now
    db.session.flush()
    audit.record(
        portal_actor(person_of(link)), "portal.satisfaction", complaint, changes={"score": value}, now=now
    )
    return row


def ask_satisfaction(*, now: datetime, limit: int = 500) -> int:
    """Complaints resolved a day ago or more (and within a week) that were not asked yet: the client
    gets a link to rate the resolution. Safe to run twice (one row per complaint)."""
    asked = sa.select(Satisfaction.complaint_id)
    due = db.session.scalars(
        sa.select(Complaint)
        .where(
            Complaint.status.in_([Status.RESOLVED, Status.CLOSED]),
            Complaint.resolved_at <= now - timedelta(days=1),
            Complaint.resolved_at > now - timedelta(days=8),
            Complaint.id.not_in(asked),
        )
        .order_by(Complaint.resolved_at)
        .limit(limit)
    ).all()
    for complaint in due:
        db.session.add(Satisfaction(complaint_id=complaint.id, asked_at=now))
        db.session.flush()
        send_link(Purpose.SATISFACTION, complaint.client, complaint, actor=CSAT_ACTOR, now=now)
    return len(due)
