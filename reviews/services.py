"""Reviews: intake of a client's review; moderation: publish, hide (author told why) or restore,
never edit the text. Flags from users and simple rules; a quality proposal when a provider's last
10 published ratings average below 3.5 (a proposal for a manager, never a restriction)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import LazyString

from console import events
from console import validation as v
from console.audit import services as audit
from console.auth.models import StaffUser
from console.db import db
from console.domain import DomainError, Role, _
from console.formatting import format_number
from console.notifications.services import queue_notification
from console.redaction import clean_text
from marketplace.models import Booking, BookingStatus, Provider
from restrictions import services as restrictions
from reviews import workflow as wf
from reviews.models import ModerationDecision, Review, ReviewFlag, ReviewScan
from reviews.workflow import FlagRule, ModerationStatus

SCAN_ACTOR = "system:review-scan"
MODERATORS = frozenset({Role.SUPPORT_AGENT, Role.MANAGER})


def require_staff(actor: Any) -> StaffUser:
    """A named, active support agent or manager (never a job) moderates."""
    if not isinstance(actor, StaffUser) or not actor.has_any_role(MODERATORS):
        raise DomainError(_("Only an active support agent or manager can do this."))
    return actor


def record_review(*, booking: Booking, rating: int, text: str, actor: Any, now: datetime) -> Review:
    """Take in a client's review of a completed booking (one per booking)."""
    if booking.status != BookingStatus.COMPLETED:
        raise DomainError(
            _("%(booking)s is not completed: only completed bookings are reviewed.", booking=booking)
        )
    if db.session.scalar(sa.select(Review.id).where(Review.booking_id == booking.id)) is not None:
        raise DomainError(_("%(booking)s already has a review.", booking=booking))
    review = Review(
        booking=booking,
        provider_id=booking.provider_id,
        client_id=booking.client_id,
        rating=v.rating(rating),
        text=v.text("text", text, limit=10_000, required=False) or "",
        submitted_at=now,
        moderation_status=ModerationStatus.PENDING,
    )
    db.session.add(review)
    db.session.flush()
    audit.record(actor, "review.record", review, changes={"rating": review.rating}, now=now)
    return review


class AlreadyModerated(DomainError):
    """Someone else moderated the review first."""


def moderate(
    review: Review,
    event: str,
    *,
    actor: Any,
    now: datetime,
    reason_code: str | None = None,
    note: str | None = None,
    expected_status: ModerationStatus | str | None = None,
) -> ModerationDecision:
    """Publish, hide or restore a review. Hiding needs a reason code, sent to the review's author.

    The change is a conditional UPDATE on the status the moderator saw, so two moderators acting
    at once cannot both win: the second is told someone else decided.
    """
    person = require_staff(actor)
    before = ModerationStatus(review.moderation_status)
    if expected_status is not None and _status(expected_status) != before:
        raise AlreadyModerated(_already(review))
    after = wf.next_moderation(before, event)
    reason_code = wf.hide_reason(reason_code) if event == "hide" else None
    note = clean_text(note, limit=wf.REASON_MAX, what=_("note"), required=False)
    updated = db.session.execute(
        sa.update(Review)
        .where(Review.id == review.id, Review.moderation_status == before)
        .values(moderation_status=after)
        .execution_options(synchronize_session=False)
    ).rowcount
    if updated != 1:
        raise AlreadyModerated(_already(review))
    db.session.expire(review, ["moderation_status"])
    decision = ModerationDecision(
        review_id=review.id,
        event=event,
        before=before,
        after=after,
        reason_code=reason_code,
        note=note,
        decided_by_id=person.id,
        decided_at=now,
    )
    db.session.add(decision)
    if event == "hide":
        decision.notification_id = _tell_author(review, reason_code, now).id
    _resolve_flags(review, person, now)
    db.session.flush()
    audit.record(
        person,
        f"review.{event}",
        review,
        changes={"moderation_status": {"before": before.value, "after": after.value}, "reason": reason_code},
        now=now,
    )
    if event == "hide":
        payload = {
            "review": review.reference,
            "provider": review.provider.reference,
            "reason_code": reason_code,
        }
        events.publish(events.REVIEW_HIDDEN, provider_id=review.provider_id, payload=payload, now=now)
    check_rating(review.provider_id, actor=person, now=now)
    return decision


def _already(review: Review) -> str:
    db.session.expire(review, ["moderation_status"])
    last = db.session.scalar(
        sa.select(ModerationDecision)
        .where(ModerationDecision.review_id == review.id)
        .order_by(ModerationDecision.id.desc())
        .limit(1)
    )
    who = last.decided_by.full_name if last else _("someone")
    return _(
        "%(review)s was already %(status)s by %(name)s; nothing was changed.",
        review=review,
        status=review.moderation_status.label.lower(),
        name=who,
    )


def _tell_author(review: Review, reason_code: str, now: datetime):
    client = review.client
    return queue_notification(
        recipient=client.email,
        template="review_hidden",
        related=review,
        now=now,
        language=client.language,
        # the reason is read when the message is written, in the author's language
        context={
            "client": client.full_name,
            "review": review,
            "reason": LazyString(lambda: wf.hide_reasons()[reason_code]),
        },
    )


def dismiss_flags(review: Review, *, actor: Any, now: datetime, note: str | None = None) -> int:
    """The review stays as it is: its open flags are closed (recorded, not a status change)."""
    person = require_staff(actor)
    note = clean_text(note, limit=wf.REASON_MAX, what=_("note"), required=False)
    closed = _resolve_flags(review, person, now)
    if not closed:
        raise DomainError(_("%(review)s has no open flag.", review=review))
    audit.record(person, "review.flags_dismissed", review, changes={"flags": closed, "note": note}, now=now)
    return closed


def _resolve_flags(review: Review, person: Any, now: datetime) -> int:
    """Close the review's open flags; it leaves the flag queue. Returns how many were open."""
    review.has_open_flag = False
    return db.session.execute(
        sa.update(ReviewFlag)
        .where(ReviewFlag.review_id == review.id, ReviewFlag.resolved_at.is_(None))
        .values(resolved_at=now, resolved_by_id=person.id)
        .execution_options(synchronize_session=False)
    ).rowcount


def report_review(review: Review, *, detail: str, actor: Any, now: datetime) -> ReviewFlag | None:
    """Record a report about a review (passed on by support); None if one is already open."""
    person = require_staff(actor)
    detail = clean_text(detail, limit=500, what=_("reason given for the report"))
    return _flag(review, FlagRule.USER_REPORT, detail, person, now)


def receive_review_report(review_id: int, *, detail: str, actor: Any, now: datetime) -> ReviewFlag | None:
    """A report about a review sent by the marketplace's apps: it joins the flag queue (None if a
    report is already open)."""
    review = db.session.get(Review, review_id)
    if review is None:
        raise DomainError(_("There is no such review."))
    detail = clean_text(detail, limit=500, what=_("reason given for the report"))
    return _flag(review, FlagRule.USER_REPORT, detail, actor, now)


def review_id_of_booking(booking_id: int) -> int | None:
    return db.session.scalar(sa.select(Review.id).where(Review.booking_id == booking_id))


def review_exists(review_id: int) -> bool:
    return db.session.get(Review, review_id) is not None


def _flag(review: Review, rule: FlagRule, detail: str | None, actor: Any, now: datetime) -> ReviewFlag | None:
    existing = db.session.scalar(
        sa.select(ReviewFlag.id).where(
            ReviewFlag.review_id == review.id, ReviewFlag.rule == rule, ReviewFlag.resolved_at.is_(None)
        )
    )
    if existing is not None:
        return None
    flag = ReviewFlag(
        review_id=review.id,
        rule=rule,
        detail=detail,
        created_at=now,
        created_by=audit.actor_label(actor)[1],
    )
    db.session.add(flag)
    review.has_open_flag = True  # in the flag queue until a moderator acts
    db.session.flush()
    audit.record(actor, "review.flag", review, changes={"rule": rule.value}, now=now)
    return flag


def scan_reviews(*, now: datetime, actor: str = SCAN_ACTOR, limit: int = 2000) -> dict[str, int]:
    """Run the flag rules over reviews not read yet (each review is read once)."""
    reviews = db.session.scalars(
        sa.select(Review)
        .where(~sa.exists().where(ReviewScan.review_id == Review.id))
        .order_by(Review.id)
        .limit(limit)
    ).all()
    flagged = 0
    for review in reviews:
        for rule, detail in wf.flag_rules(review.text).items():
            flagged += _flag(review, rule, detail, actor, now) is not None
        db.session.add(ReviewScan(review_id=review.id, scanned_at=now))
    db.session.flush()
    return {"scanned": len(reviews), "flagged": flagged}


def check_rating(provider_id: int, *, actor: Any, now: datetime):
    """A quality proposal when the provider's last 10 published ratings average below 3.5."""
    ratings = db.session.scalars(
        sa.select(Review.rating)
        .where(Review.provider_id == provider_id, Review.moderation_status == ModerationStatus.PUBLISHED)
        .order_by(Review.submitted_at.desc(), Review.id.desc())
        .limit(wf.RATING_WINDOW)
    ).all()
    if not wf.rating_alert(ratings):
        return None
    provider = db.session.get(Provider, provider_id)
    mean = sum(ratings) / len(ratings)
    return restrictions.propose_restriction(
        provider,
        reason_code="low_rating",
        actor=actor,
        now=now,
        evidence=[
            _(
                "Mean of the last %(count)s published ratings: %(mean)s (alert below %(limit)s)",
                count=len(ratings),
                mean=format_number(round(mean, 1)),
                limit=format_number(wf.RATING_ALERT_BELOW),
            )
        ],
    )


def moderation_history(review_id: int) -> list[ModerationDecision]:
    return list(
        db.session.scalars(
            sa.select(ModerationDecision)
            .where(ModerationDecision.review_id == review_id)
            .order_by(ModerationDecision.id)
        )
    )


def open_flags(review_id: int) -> list[ReviewFlag]:
    return list(
        db.session.scalars(
            sa.select(ReviewFlag)
            .where(ReviewFlag.review_id == review_id, ReviewFlag.resolved_at.is_(None))
            .order_by(ReviewFlag.id)
        )
    )


def _status(value: ModerationStatus | str) -> ModerationStatus:
    """The status the moderator saw, as the page sent it; an unknown one is a stale page."""
    try:
        return ModerationStatus(value)
    except ValueError:
        raise DomainError(_("Reload the page and try again.")) from None


def parse_event(event: str) -> str:
    if event not in wf.MODERATION_EVENTS:
        raise DomainError(_("Choose publish, hide or restore."))
    return event


def erase_review_texts(review_ids: list[int], *, placeholder: str) -> int:
    """Erasure: the reviews' text replaced; ratings stay (the provider's average)."""
    if not review_ids:
        return 0
    return db.session.execute(
        sa.update(Review).where(Review.id.in_(review_ids)).values(text=placeholder)
    ).rowcount
