"""Queue notifications and deliver them over SMTP, with retries and backoff."""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Iterable
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any
from urllib.parse import unquote, urlsplit

import sqlalchemy as sa
from flask import current_app, render_template
from flask_babel import force_locale
from jinja2 import TemplateNotFound

from console.audit import services as audit
from console.counts import QueueFigures, capped_count, queue_figures
from console.db import db
from console.domain import DomainError, Role, _
from console.formatting import supported_language
from console.notifications import workflow
from console.notifications.models import Notification, NotificationStatus

NO_SMTP = "not sent: no SMTP configured"


def queue_notification(
    *,
    recipient: str,
    template: str,
    context: dict[str, Any],
    related: Any = None,
    now: datetime,
    language: str | None = None,
    reply_to: str | None = None,
) -> Notification:
    """Render a message from `templates/notifications/<template>.txt` in the recipient's `language`
    (a provider's, client's or staff member's `language`; the console's default when unknown) and
    put it in the outbox. The template's first line is `Subject: ...`. Delivery is enqueued after commit.
    """
    from console.jobs import enqueue_after_commit
    from console.notifications import jobs

    language = supported_language(language or current_app.config.get("DEFAULT_LANGUAGE"))
    with force_locale(language):
        subject, body = render_message(template, context)
    note = Notification(
        created_at=now,
        recipient=recipient,
        reply_to=reply_to,
        template=template,
        subject=subject,
        body=body,
        related_type=type(related).__name__ if related is not None else None,
        related_id=str(related.id) if related is not None else None,
        next_attempt_at=now,
        retry_until=now + retry_window(),
    )
    db.session.add(note)
    db.session.flush()
    enqueue_after_commit(jobs.deliver_notification, note.id)
    return note


def render_in(template: str, context: dict[str, Any], language: str | None) -> tuple[str, str]:
    """(subject, body) of a message in `language` (for messages written in bulk, once per language)."""
    with force_locale(supported_language(language or current_app.config.get("DEFAULT_LANGUAGE"))):
        return render_message(template, context)


def render_message(template: str, context: dict[str, Any]) -> tuple[str, str]:
    try:
        text = render_template(f"notifications/{template}.txt", **context)
    except TemplateNotFound as exc:
        raise DomainError(f"No notification template named {template!r}.") from exc
    first, _, body = text.partition("\n")
    if not first.startswith("Subject:"):
        raise DomainError(f"Notification template {template!r} must start with 'Subject:'.")
    return first.removeprefix("Subject:").strip()[:200], body.strip() + "\n"


def error_words(last_error: str) -> str:
    """A recorded delivery error (`ExceptionName: detail`) said for staff."""
    kind = last_error.split(":", 1)[0]
    if kind == "SMTPRecipientsRefused":
        return _("The mail server refused the recipient's address.")
    if kind == "SMTPAuthenticationError":
        return _("The mail server refused our credentials.")
    if kind.startswith("SMTP"):
        return _("The mail server refused the message.")
    return _("The mail server could not be reached.")


def deliver(note: Notification, *, now: datetime) -> NotificationStatus:
    """Try to send one notification; record the outcome. Safe to call twice."""
    if note.status != NotificationStatus.PENDING:
        return note.status
    config = current_app.config
    if not config["SMTP_URL"]:
        note.status, note.last_error, note.next_attempt_at = NotificationStatus.NOT_SENT, NO_SMTP, None
        return note.status
    note.attempts += 1
    try:
        _send(config["SMTP_URL"], config["MAIL_FROM"], note)
    except (OSError, smtplib.SMTPException) as exc:
        note.last_error = f"{type(exc).__name__}: {exc}"[:500]
        note.next_attempt_at = next_attempt(note.attempts, now=now)
        if note.next_attempt_at > (note.retry_until or note.created_at + retry_window()):
            note.status, note.next_attempt_at = NotificationStatus.FAILED, None
        return note.status
    note.status, note.sent_at, note.last_error, note.next_attempt_at = (
        NotificationStatus.SENT,
        now,
        None,
        None,
    )
    return note.status


def retry_window() -> timedelta:
    return timedelta(hours=current_app.config["NOTIFICATION_RETRY_HOURS"])


def next_attempt(attempts: int, *, now: datetime) -> datetime:
    """After `attempts` failed tries: 1, 2, 4, 8... minutes, capped (30 minutes by default)."""
    config = current_app.config
    first, cap = config["NOTIFICATION_BACKOFF_SECONDS"], config["NOTIFICATION_BACKOFF_MAX_SECONDS"]
    return now + timedelta(seconds=min(cap, first * 2 ** min(attempts - 1, 20)))


class NotFailed(DomainError):
    """Only a message that failed can be sent again."""


def resend(note: Notification, *, actor: Any, now: datetime) -> None:
    """Put a failed message back in the outbox for another retry window; the resend is audited."""
    from console.jobs import enqueue_after_commit
    from console.notifications import jobs

    if note.status != NotificationStatus.FAILED:
        raise NotFailed(
            _("Only a failed message can be sent again; this one is %(status)s.", status=note.status.label)
        )
    note.status, note.next_attempt_at, note.retry_until = (
        NotificationStatus.PENDING,
        now,
        now + retry_window(),
    )
    audit.record(actor, "notification.resend", note, changes={"attempts": note.attempts}, now=now)
    enqueue_after_commit(jobs.deliver_notification, note.id)


def failed_count(roles: Iterable[Role] | None = None) -> int:
    """Messages the outbox gave up on, for the home badge (those `roles` may read, when given)."""
    query = sa.select(Notification.id).where(Notification.status == NotificationStatus.FAILED)
    if roles is not None:
        query = query.where(readable_by(roles))
    return capped_count(query)


def failed_card(roles: Iterable[Role]) -> QueueFigures:
    """The failed messages `roles` may read, and when the oldest of them was written."""
    condition = sa.and_(Notification.status == NotificationStatus.FAILED, readable_by(roles))
    return queue_figures(Notification, condition, Notification.created_at)


def readable_by(roles: Iterable[Role]) -> sa.ColumnElement[bool]:
    """The outbox rows staff with `roles` may read (list, count, details, export): one SQL
    condition from the rule in `workflow.readable_kinds`."""
    kinds = workflow.readable_kinds(roles)
    if kinds is None:
        return sa.true()
    prefixes = workflow.template_prefixes(kinds)
    if not prefixes:
        return sa.false()
    return sa.or_(*(Notification.template.startswith(prefix, autoescape=True) for prefix in prefixes))


def due_notification_ids(*, now: datetime, limit: int = 200) -> list[int]:
    """Pending notifications whose next attempt is due (also catches jobs lost with Redis)."""
    return list(
        db.session.scalars(
            sa.select(Notification.id)
            .where(Notification.status == NotificationStatus.PENDING, Notification.next_attempt_at <= now)
            .order_by(Notification.next_attempt_at)
            .limit(limit)
        )
    )


def _send(smtp_url: str, sender: str, note: Notification) -> None:
    """Send over SMTP. URL forms: smtp://user:pass@host:25, smtp+starttls://..., smtps://..."""
    parts = urlsplit(smtp_url)
    if parts.scheme not in {"smtp", "smtps", "smtp+starttls"}:
        raise smtplib.SMTPException(f"unsupported SMTP_URL scheme {parts.scheme!r}")
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, note.recipient, note.subject
    message["Message-ID"] = make_msgid(domain="ekoklean.fr")
    if note.reply_to:
        message["Reply-To"] = note.reply_to
    message.set_content(note.body)
    host, timeout = parts.hostname or "localhost", 20
    if parts.scheme == "smtps":
        client = smtplib.SMTP_SSL(
            host, parts.port or 465, timeout=timeout, context=ssl.create_default_context()
        )
    else:
        client = smtplib.SMTP(host, parts.port or 25, timeout=timeout)
    with client:
        if parts.scheme == "smtp+starttls":
            client.starttls(context=ssl.create_default_context())
        if parts.username:
            client.login(unquote(parts.username), unquote(parts.password or ""))
        client.send_message(message)


def erase_recipient(address: str, *, placeholder: str) -> int:
    """Erasure: messages sent to this address keep their kind and dates, not their text."""
    return db.session.execute(
        sa.update(Notification)
        .where(sa.func.lower(Notification.recipient) == address.lower())
        .values(recipient=placeholder, subject=placeholder, body=placeholder)
    ).rowcount
