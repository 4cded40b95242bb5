"""A provider with 2,000 bookings for timing the provider page (budget: p95 < 250 ms).

The large data set's busiest provider has under 1,000 bookings, so the busiest one is topped up
once, in the database itself: bookings over the last three years (and a few to come), a published
review for every fifth completed one, and a complaint for every fortieth. A later bench finds it
already at 2,000 and adds nothing.
"""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

BUSY_BOOKINGS = 2_000
REVIEW_EVERY, COMPLAINT_EVERY = 5, 40


def busy_provider_id(actor_email: str) -> int:
    """The provider with the most bookings, topped up to BUSY_BOOKINGS (committed)."""
    from console.db import db
    from marketplace.models import Booking

    pid, count = db.session.execute(
        sa.select(Booking.provider_id, sa.func.count())
        .group_by(Booking.provider_id)
        .order_by(sa.func.count().desc(), Booking.provider_id)
        .limit(1)
    ).one()
    if count < BUSY_BOOKINGS:
        _top_up(pid, BUSY_BOOKINGS - count, actor_email)
        db.session.commit()
    return pid


def _top_up(provider_id: int, missing: int, actor_email: str) -> None:
    from console.auth import services as staff
    from console.db import db, utcnow
    from disputes.complaints import services as complaints
    from marketplace import services as marketplace
    from marketplace.models import Booking, Client
    from reviews.models import Review
    from reviews.workflow import ModerationStatus

    now = utcnow()
    actor = staff.get_staff_by_email(actor_email)
    clients = db.session.scalars(sa.select(Client.id).order_by(Client.id).limit(500)).all()
    terms_id = db.session.scalar(sa.select(sa.func.max(Booking.cancellation_terms_id)))
    items = []
    for n in range(missing):
        start = now - timedelta(hours=13 * n + 7) if n % 50 else now + timedelta(days=1 + n // 50)
        done = start < now
        items.append(
            {
                "client_id": clients[n % len(clients)],
                "provider_id": provider_id,
                "service": "regular_cleaning",
                "scheduled_start": start,
                "duration_minutes": 180,
                "price_cents": 4500 + 250 * (n % 9),
                "currency": "EUR",
                "status": "completed" if done else "scheduled",
                "cancellation_terms_id": terms_id,
                "completed_at": start + timedelta(hours=3) if done else None,
            }
        )
    ids = marketplace.insert_bookings(items, actor="system:bench", now=now)
    done = [(i, item) for i, item in zip(ids, items, strict=True) if item["status"] == "completed"]
    db.session.add_all(
        Review(
            booking_id=booking_id,
            provider_id=provider_id,
            client_id=item["client_id"],
            rating=5 - (n // REVIEW_EVERY) % 3,
            text="Prestation soignée, ponctuelle et agréable.",
            submitted_at=item["scheduled_start"] + timedelta(days=1),
            moderation_status=ModerationStatus.PUBLISHED,
        )
        for n, (booking_id, item) in enumerate(done)
        if n % REVIEW_EVERY == 0
    )
    for n, (booking_id, _item) in enumerate(done[::COMPLAINT_EVERY]):
        booking = db.session.get(Booking, booking_id)
        complaints.create_complaint(
            client=booking.client,
            booking=booking,
            channel="email",
            category="quality" if n % 3 else "lateness",
            subject="Prestation incomplète",
            description="Le client signale des pièces oubliées.",
            actor=actor,
            now=now,
        )
