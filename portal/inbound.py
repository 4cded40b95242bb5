"""Inbound e-mail: a raw RFC 5322 message from the mail service (or `flask inbound eml FILE`),
parsed with the standard library and threaded into the complaint its reply address names; what
matches nothing, fails the tag, is too large or has no text part waits in the triage queue."""

from __future__ import annotations

import hashlib
import hmac
import html
import io
import re
from dataclasses import dataclass, field
from datetime import datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import getaddresses, parseaddr

import sqlalchemy as sa
from flask import current_app

from console.audit import services as audit
from console.db import db
from console.domain import N_, DomainError, _
from console.files import services as files
from console.redaction import redact_card_numbers
from disputes.complaints import intake
from disputes.complaints.merging.services import survivor_of
from disputes.complaints.models import Complaint
from disputes.complaints.workflow import Status
from portal import workflow as wf
from portal.models import InboundEmail, PortalAttachment
from portal.services import _key

ACTOR = "system:inbound-email"
MAX_BYTES = 10 * 1024 * 1024  # larger messages are kept in triage, their text only
MAX_ATTACHMENTS = 5
SIGNATURE_TOLERANCE = 300  # seconds between the mail service's timestamp and ours

REASONS = {
    "too_large": N_("Larger than the limit: only its text was kept"),
    "no_text": N_("No text part"),
    "no_reference": N_("Names no complaint"),
    "bad_tag": N_("Reply address failed its check"),
    "unknown_complaint": N_("Unknown complaint"),
    "closed": N_("Complaint closed"),
    "unknown_sender": N_("Sender is neither the client nor the provider"),
    "refused": N_("The complaint refused the message"),
}

# Where quoted history starts: "Le 3 déc. 2026 à 10:02, X a écrit :", "On ..., X wrote:",
# Outlook's "-----Original Message-----" / "De : ..." block, a forwarded header.
_QUOTE_STARTS = [
    re.compile(r"^\s*Le .{3,200}a écrit\s*:\s*$", re.IGNORECASE),
    re.compile(r"^\s*On .{3,200}wrote\s*:\s*$", re.IGNORECASE),
    re.compile(
        r"^\s*-{2,}\s*(Original Message|Message d'origine|Message original)\s*-{2,}\s*$", re.IGNORECASE
    ),
    re.compile(r"^\s*_{10,}\s*$"),
    re.compile(r"^\s*(De|From)\s*:\s.+$"),
]
_FORWARD = re.compile(r"^\s*-{2,}\s*(Forwarded message|Message transféré)\s*-{2,}\s*$", re.IGNORECASE)
_TAGS = re.compile(r"<[^>]+>")
_BLOCKS = re.compile(r"<\s*(br|/p|/div|/li|/tr|/h[1-6])\b[^>]*>", re.IGNORECASE)
_DROP = re.compile(r"<(script|style|head)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_BLOCKQUOTE = re.compile(r"<blockquote\b.*?</blockquote\s*>", re.IGNORECASE | re.DOTALL)


@dataclass
class Parsed:
    message_id: str
    sender: str
    recipients: list[str]
    subject: str
    text: str | None  # the new text, quoted history removed; None without a text or HTML part
    auto: bool  # an auto-reply, a bounce, a list: never threaded
    attachments: list[tuple[str, bytes]] = field(default_factory=list)


def _decoded(part: EmailMessage) -> str:
    try:
        return part.get_content()
    except (LookupError, UnicodeDecodeError):  # an unknown or lying charset
        payload = part.get_payload(decode=True) or b""
        return payload.decode("latin-1")


def html_to_text(markup: str) -> str:
    markup = _DROP.sub("", _BLOCKQUOTE.sub("", markup))
    markup = _BLOCKS.sub("\n", markup)
    text = html.unescape(_TAGS.sub("", markup))
    return re.sub(r"\n{3,}", "\n\n", "\n".join(line.strip() for line in text.splitlines())).strip()


def strip_quoted(text: str) -> str:
    """The new part of a reply: stops at the quoted history; a forward keeps what was forwarded."""
    lines = text.replace("\r\n", "\n").split("\n")
    kept: list[str] = []
    for line in lines:
        if _FORWARD.match(line):
            kept.append(line)
            continue
        if any(pattern.match(line) for pattern in _QUOTE_STARTS) and kept and not _forwarding(kept):
            break
        if line.startswith(">") and not _forwarding(kept):
            continue
        kept.append(line)
    while kept and (not kept[-1].strip() or kept[-1].strip() in ("--", "-- ")):
        kept.pop()
    return "\n".join(kept).strip()


def _forwarding(kept: list[str]) -> bool:
    return any(_FORWARD.match(line) for line in kept)


def is_auto(message: EmailMessage) -> bool:
    auto = (message.get("Auto-Submitted") or "no").strip().lower()
    precedence = (message.get("Precedence") or "").strip().lower()
    return (
        auto != "no"
        or precedence in ("bulk", "junk", "list", "auto_reply")
        or message.get("X-Autoreply") is not None
        or message.get("X-Autorespond") is not None
        or (message.get_content_type() == "multipart/report")
    )


def parse(raw: bytes) -> Parsed:
    """Read a raw message with the standard library."""
    message = message_from_bytes(raw, policy=policy.default)
    sender = parseaddr(str(message.get("From", "")))[1].lower()
    recipients = [
        address.lower()
        for _, address in getaddresses(
            [
                str(v)
                for key in ("Delivered-To", "X-Original-To", "To", "Cc")
                for v in message.get_all(key, [])
            ]
        )
        if address
    ]
    message_id = str(message.get("Message-ID", "")).strip()[:255]
    if not message_id:
        message_id = "<sha256:" + hashlib.sha256(raw).hexdigest() + ">"
    text_part = message.get_body(preferencelist=("plain",))
    html_part = message.get_body(preferencelist=("html",)) if text_part is None else None
    if text_part is not None:
        text = strip_quoted(_decoded(text_part))
    elif html_part is not None:
        text = strip_quoted(html_to_text(_decoded(html_part)))
    else:
        text = None
    attachments = []
    for part in message.iter_attachments():
        payload = part.get_payload(decode=True)
        if payload and not part.is_multipart():
            attachments.append((part.get_filename() or "piece-jointe", payload))
    return Parsed(
        message_id=message_id,
        sender=sender,
        recipients=recipients,
        subject=str(message.get("Subject", ""))[:300],
        text=text or None,
        auto=is_auto(message),
        attachments=attachments,
    )


# --- the mail service's signature -------------------------------------------------------------


def secret() -> bytes:
    configured = current_app.config.get("INBOUND_EMAIL_SECRET") or ""
    return configured.encode() if configured else _key("inbound-email")


def sign(body: bytes, timestamp: int, key: bytes) -> str:
    return hmac.new(key, f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def signature_valid(body: bytes, timestamp: str | None, signature: str | None, *, now: datetime) -> bool:
    try:
        moment = int(timestamp or "")
    except ValueError:
        return False
    if abs(now.timestamp() - moment) > SIGNATURE_TOLERANCE or not signature:
        return False
    return hmac.compare_digest(sign(body, moment, secret()), signature.strip().lower())


# --- threading --------------------------------------------------------------------------------


def _triage(row: InboundEmail, reason: str) -> InboundEmail:
    row.status, row.reason = "triage", reason
    return row


def receive(raw: bytes, *, now: datetime) -> InboundEmail | None:
    """Thread one raw message, or keep it for triage. A Message-ID seen before changes nothing
    (returns None)."""
    too_big = len(raw) > MAX_BYTES
    parsed = parse(raw[:MAX_BYTES] if too_big else raw)
    if db.session.scalar(sa.select(InboundEmail.id).where(InboundEmail.message_id == parsed.message_id)):
        return None
    text = redact_card_numbers(parsed.text or "")[0]
    row = InboundEmail(
        message_id=parsed.message_id,
        received_at=now,
        sender=parsed.sender[:254] or "?",
        recipient=(parsed.recipients[0] if parsed.recipients else "")[:254],
        subject=redact_card_numbers(parsed.subject)[0],
        body=text[: wf.ANSWER_MAX * 4],
        size=len(raw),
        status="threaded",
    )
    db.session.add(row)
    target = wf.read_reply_address(parsed.recipients, _key("reply-address"))
    complaint = (
        db.session.get(Complaint, int(target.reference[4:])) if target.reference and target.valid else None
    )
    if complaint is not None:  # an answer about a merged complaint reaches the one it was merged into
        complaint = survivor_of(complaint)
    if parsed.auto:
        row.status, row.reason = "ignored", "auto_submitted"
    elif too_big:
        _triage(row, "too_large")
    elif parsed.text is None:
        _triage(row, "no_text")
    elif target.reference is None:
        _triage(row, "no_reference")
    elif not target.valid:
        _triage(row, "bad_tag")
    elif complaint is None:
        _triage(row, "unknown_complaint")
    elif complaint.status == Status.CLOSED:
        _triage(row, "closed")
    else:
        _thread(row, parsed, complaint, now=now)
    db.session.flush()
    if row.status != "threaded":
        audit.record(ACTOR, "portal.inbound_" + row.status, row, changes={"reason": row.reason}, now=now)
    return row


def _sender_kind(complaint: Complaint, sender: str) -> str | None:
    if complaint.client.email == sender:
        return "client"
    if complaint.provider is not None and complaint.provider.email == sender:
        return "provider"
    return None


def _thread(row: InboundEmail, parsed: Parsed, complaint: Complaint, *, now: datetime) -> None:
    kind = _sender_kind(complaint, parsed.sender)
    if kind is None:
        _triage(row, "unknown_sender")
        return
    stored = []
    for name, payload in parsed.attachments[:MAX_ATTACHMENTS]:
        try:
            stored.append(files.store_upload(io.BytesIO(payload), name, actor=ACTOR, now=now))
        except DomainError:
            continue  # a refused type stays out; the text is still threaded
    try:
        entry = intake.receive_message(
            complaint, sender=kind, body=row.body[: wf.ANSWER_MAX * 2] or "-", actor=ACTOR, now=now
        )
    except DomainError:
        _triage(row, "refused")
        return
    row.complaint_id, row.entry_id = complaint.id, entry.id
    db.session.flush()
    for item in stored:
        db.session.add(
            PortalAttachment(
                stored_file_id=item.id,
                record_type="Complaint",
                record_id=complaint.id,
                entry_id=entry.id,
                inbound_id=row.id,
                created_at=now,
            )
        )
    audit.record(
        ACTOR,
        "portal.inbound_threaded",
        row,
        changes={"complaint": complaint.reference, "from": kind, "files": len(stored)},
        now=now,
    )


def reply_address_for(reference: str) -> str | None:
    """The Reply-To of a message about complaint `reference` (the maker behind console.links)."""
    mailbox = current_app.config.get("SUPPORT_MAILBOX") or "support@ekoklean.fr"
    return wf.reply_address(mailbox, _key("reply-address"), reference)


def triage_queue(limit: int = 200) -> list[InboundEmail]:
    return list(
        db.session.scalars(
            sa.select(InboundEmail)
            .where(InboundEmail.status == "triage")
            .order_by(InboundEmail.received_at)
            .limit(limit)
        )
    )


def mark_handled(row: InboundEmail, *, actor, now: datetime) -> None:
    if row.status != "triage":
        raise DomainError(_("This message is not waiting in triage."))
    row.status, row.handled_by = "handled", audit.actor_label(actor)[1]
    db.session.flush()
    audit.record(actor, "portal.inbound_handled", row, now=now)
