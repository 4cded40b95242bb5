"""The demo seed's complaints, disputes and flagged reviews agree with the rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from console.db import db, utcnow
from demo.complaints import ComplaintGenerator
from disputes.complaints import queues as queries
from disputes.complaints import services
from disputes.complaints.models import Complaint, ComplaintStatusChange
from disputes.complaints.workflow import Severity, Status, TimerState, sla
from disputes.disputes.models import Dispute
from disputes.disputes.workflow import DisputeKind, DisputeStatus
from marketplace.models import Booking
from reviews.models import Review, ReviewFlag, ReviewScan


def _count(model, *where) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def test_the_small_seed_fills_every_support_queue_consistently(app):
    result = app.test_cli_runner().invoke(args=["demo", "seed", "--scale", "small"])
    assert result.exit_code == 0, result.output
    assert _count(Complaint) == 400
    statuses = {status for (status,) in db.session.execute(sa.select(Complaint.status).distinct())}
    assert statuses == set(Status)
    assert _count(ComplaintStatusChange) > 400
    now = utcnow()
    for queue in ("unassigned", "at_risk", "breached", "waiting"):
        assert queries.count_complaints(queries.queue_condition(queue, user_id=None, now=now)), queue

    # The stored SLA columns are what the clock computes from the loaded history.
    open_ones = db.session.scalars(sa.select(Complaint).where(Complaint.status.in_(["new", "in_progress"])))
    for complaint in open_ones:
        due, met = complaint.resolution_due_at, complaint.resolution_met
        services.refresh_sla(complaint, now=now)
        assert complaint.resolution_met == met
        assert abs(complaint.resolution_due_at - due) < timedelta(seconds=1), complaint

    # A complaint about a booking is the booking's client's; refunds stay within the price.
    wrong_client = (
        sa.select(sa.func.count())
        .select_from(Complaint)
        .join(Booking, Booking.id == Complaint.booking_id)
        .where(sa.or_(Booking.client_id != Complaint.client_id, Booking.provider_id != Complaint.provider_id))
    )
    assert db.session.scalar(wrong_client) == 0
    too_much = (
        sa.select(sa.func.count())
        .select_from(Dispute)
        .join(Booking, Booking.id == Dispute.booking_id)
        .where(Dispute.kind == DisputeKind.REFUND, Dispute.amount_claimed_cents > Booking.price_cents)
    )
    assert db.session.scalar(too_much) == 0
    assert _count(Dispute, Dispute.status == DisputeStatus.DECIDED) and _count(
        Dispute, Dispute.status != "decided"
    )

    # Flagged reviews wait for moderation; loaded reviews are marked read by the rules, so the
    # scan job only reads new ones (the three the seed records through the service).
    assert _count(ReviewFlag) >= 10
    assert _count(Review) - _count(ReviewScan) == 3


@pytest.mark.parametrize(
    "now",
    [
        datetime(2026, 12, 8, 3, 19, tzinfo=UTC),  # a Tuesday night
        datetime(2026, 12, 12, 14, 0, tzinfo=UTC),  # a Saturday afternoon
        datetime(2026, 12, 13, 22, 30, tzinfo=UTC),  # a Sunday night
        datetime(2026, 12, 25, 10, 0, tzinfo=UTC),  # Christmas Day
        datetime(2026, 3, 29, 1, 30, tzinfo=UTC),  # the night the clocks go forward
    ],
)
@pytest.mark.parametrize("severity", list(Severity))
def test_the_seed_finds_at_risk_and_breached_complaints_at_any_hour(now, severity):
    """The demo's at-risk and breached queues are filled whatever the hour and day of seeding."""
    generator = ComplaintGenerator.__new__(ComplaintGenerator)
    generator.now = now
    for state in (TimerState.AT_RISK, TimerState.BREACHED):
        created = generator._created_in_state(severity, state)
        timer = sla(severity, [(created, Status.NEW)], first_response_at=None, now=now).first_response
        assert timer.state == state and created < now
