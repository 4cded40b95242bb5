"""One-time submission tokens: a form that creates a record is saved once, however often it is sent.

Each create form carries a hidden `submission_token`, new on every rendering. Saving claims the
token (a row in `form_submission`) in the same transaction as the record; a second POST of the same
form finds the token used and is sent to the record the first one saved, and two POSTs at the same
moment meet at the primary key (the second waits for the first and then finds it used). A failed
save rolls the claim back with everything else, so the person can correct the form and send it again.

A POST without a token (an older page, a script) is not protected, and not refused.

Used tokens are kept a day (`KEEP`), well past the hour after which the form's CSRF token refuses
a replay anyway; a daily job deletes older ones in batches (`purge_used`).
"""

from __future__ import annotations

import re
import secrets
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Mapped, Session, mapped_column
from wtforms import HiddenField

from console.db import UTCDateTime, db, utcnow
from console.domain import DomainError, _
from console.jobs import job

TOKEN_FIELD = "submission_token"  # noqa: S105 - a field name, not a secret
TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{20,64}")
_WATCH = "form_submission_watch"
_FOUND = "form_submission_found"
KEEP = timedelta(days=1)  # longer than a form's CSRF token lives (WTF_CSRF_TIME_LIMIT, one hour)
PURGE_BATCH = 5000


class FormSubmission(db.Model):
    __tablename__ = "form_submission"

    token: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    used_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    object_type: Mapped[str | None] = mapped_column(sa.String(60))
    object_id: Mapped[str | None] = mapped_column(sa.String(60))


class AlreadySubmitted(DomainError):
    """The form was already saved; `submission` says what it created."""

    def __init__(self, submission: FormSubmission | None):
        super().__init__(_("This form was already saved; it was not saved a second time."))
        self.submission = submission


class InvalidToken(DomainError):
    """The hidden token is not one the console wrote."""


def new_token() -> str:
    return secrets.token_urlsafe(24)


def token_field() -> HiddenField:
    """The hidden field a create form carries (a new token on each rendering)."""
    return HiddenField(default=new_token)


def claim(token: str | None, *, record_type: type | None = None, now: datetime) -> FormSubmission | None:
    """Mark `token` used in the current transaction; the first `record_type` row flushed after
    it becomes the record a replay is sent to. None when the form carries no token.

    Raises AlreadySubmitted when the token was used (or is being used by a request that commits
    first), InvalidToken when it is not a token at all.
    """
    if token is None or token == "":
        return None
    if not TOKEN_PATTERN.fullmatch(token):
        raise InvalidToken(_("The form expired; reload the page and try again."))
    used = db.session.get(FormSubmission, token)
    if used is not None:
        raise AlreadySubmitted(used)
    submission = FormSubmission(token=token, used_at=now)
    try:
        with db.session.begin_nested():
            db.session.add(submission)
            db.session.flush()
    except sa.exc.IntegrityError:  # the same form, sent at the same moment, saved first
        raise AlreadySubmitted(db.session.get(FormSubmission, token)) from None
    if record_type is not None:
        db.session.info[_WATCH] = (submission, record_type)
    return submission


def record(submission: FormSubmission | None, obj: Any) -> None:
    """Say explicitly which record the submission saved (before the commit)."""
    if submission is None:
        return
    db.session.info.pop(_WATCH, None)
    db.session.flush()
    submission.object_type = type(obj).__name__
    submission.object_id = str(sa.inspect(obj).identity[0])


def purge_used(*, now: datetime, batch: int = PURGE_BATCH) -> int:
    """Delete the tokens used before `now - KEEP`, `batch` rows per statement; return how many.

    The caller commits (one transaction); each statement stays bounded however many are due.
    """
    cutoff = now - KEEP
    deleted = 0
    while True:
        due = sa.select(FormSubmission.token).where(FormSubmission.used_at < cutoff).limit(batch)
        tokens = list(db.session.scalars(due))
        if not tokens:
            return deleted
        db.session.execute(
            sa.delete(FormSubmission).where(FormSubmission.token.in_(tokens)),
            execution_options={"synchronize_session": False},
        )
        deleted += len(tokens)
        if len(tokens) < batch:
            return deleted


@job(timeout=600)
def purge_used_tokens() -> int:
    """Daily: forget the submission tokens used more than a day ago."""
    return purge_used(now=utcnow())


@event.listens_for(Session, "after_flush")
def _note_new_record(session: Session, flush_context: Any) -> None:
    watch = session.info.get(_WATCH)
    if watch is None:
        return
    submission, record_type = watch
    for obj in session.new:
        if isinstance(obj, record_type):
            session.info.pop(_WATCH)
            session.info[_FOUND] = (submission, obj)
            return


@event.listens_for(Session, "after_flush_postexec")
def _point_at_record(session: Session, flush_context: Any) -> None:
    found = session.info.pop(_FOUND, None)
    if found is not None:
        submission, obj = found
        submission.object_type = type(obj).__name__
        submission.object_id = str(sa.inspect(obj).identity[0])


@event.listens_for(Session, "after_transaction_end")
def _forget(session: Session, transaction: Any) -> None:
    if transaction.parent is None:  # the request's transaction, not a savepoint
        session.info.pop(_WATCH, None)
        session.info.pop(_FOUND, None)
