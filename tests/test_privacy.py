"""The RedactedText column type: card numbers never reach the database, each redaction is audited."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from console.audit.models import AuditEvent
from console.db import db, utcnow
from console.privacy import REDACTION_ACTION, RedactedText, redaction_count
from reviews.models import Review
from tests.factories import make_booking

CARD = "5555 5555 5555 4444"  # a Mastercard test number


def _review(text: str) -> Review:
    booking = make_booking()
    review = Review(
        booking=booking,
        provider_id=booking.provider_id,
        client_id=booking.client_id,
        rating=3,
        text=text,
        submitted_at=utcnow(),
    )
    db.session.add(review)
    return review


def test_every_free_text_column_uses_the_redacting_type():
    free_text = {
        (table.name, column.name)
        for table in db.metadata.sorted_tables
        for column in table.columns
        if isinstance(column.type, sa.Text | RedactedText) or column.name in {"statement", "text", "note"}
    }
    plain = {
        (t, c) for t, c in free_text if not isinstance(db.metadata.tables[t].columns[c].type, RedactedText)
    }
    assert plain == set(), plain


def test_the_value_is_redacted_on_assignment_and_in_the_database():
    review = _review(f"carte {CARD} merci")
    assert review.text == "carte [card ••••4444] merci"
    db.session.commit()
    assert db.session.scalar(sa.select(Review.text).where(Review.id == review.id)) == review.text


def test_core_inserts_are_redacted_too():
    booking = make_booking()
    db.session.execute(
        sa.insert(Review).values(
            booking_id=booking.id,
            provider_id=booking.provider_id,
            client_id=booking.client_id,
            rating=4,
            text=f"n° {CARD}",
            submitted_at=utcnow(),
            moderation_status="pending",
        )
    )
    assert (
        db.session.scalar(sa.select(Review.text).where(Review.booking_id == booking.id))
        == "n° [card ••••4444]"
    )


def test_each_redaction_is_audited_without_the_number_and_counted():
    start = utcnow() - timedelta(seconds=1)
    first = _review(f"{CARD} et 4111-1111-1111-1111")
    _review("rien à signaler, SIRET 73282932000074, tél 06 12 34 56 78")
    db.session.commit()
    events = list(db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == REDACTION_ACTION)))
    assert len(events) == 1
    assert events[0].object_type == "Review" and events[0].object_id == str(first.id)
    assert events[0].changes == {"field": "text", "count": 2}
    assert "5555" not in str(events[0].changes) and "4444" not in str(events[0].changes)
    assert redaction_count(since=start, until=utcnow() + timedelta(seconds=1)) == 2


def test_a_rolled_back_change_leaves_no_redaction_event():
    _review(CARD)
    db.session.flush()
    db.session.rollback()
    db.session.commit()
    assert (
        db.session.scalar(
            sa.select(sa.func.count()).select_from(AuditEvent).where(AuditEvent.action == REDACTION_ACTION)
        )
        == 0
    )
