"""What other packages may read of policy: plain, read-only queries and figures."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from console.db import db
from console.notifications.models import Notification, NotificationStatus
from marketplace.models import Booking, BookingStatus, Client
from policy import workflow
from policy.models import CancellationTerms, PolicyCampaign, PolicyNotice, PolicyVersion
from policy.workflow import VersionStatus


def active_client() -> ColumnElement[bool]:
    """SQL condition: a client the policy's announcements reach (every client with an e-mail
    address; erased clients will drop out here once erasure exists)."""
    return Client.email != ""


def active_client_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Client).where(active_client())) or 0


@dataclass(frozen=True)
class AllowedFee:
    terms: str
    allowed_cents: int
    cancelled_at: datetime | None


def allowed_cancellation_fee(booking_id: int) -> AllowedFee | None:
    """The most the booking's own terms allowed for its cancellation (None unless it was cancelled)."""
    row = db.session.execute(
        sa.select(Booking, CancellationTerms)
        .join(CancellationTerms, CancellationTerms.id == Booking.cancellation_terms_id)
        .where(Booking.id == booking_id)
    ).one_or_none()
    if row is None or row[0].status != BookingStatus.CANCELLED:
        return None
    booking, terms = row
    allowed = workflow.cancellation_fee_cents(
        price_cents=booking.price_cents,
        tiers=terms.tiers,
        no_show_percent=terms.no_show_percent,
        scheduled_start=booking.scheduled_start,
        cancelled_at=booking.cancelled_at,
    )
    return AllowedFee(terms.label, allowed, booking.cancelled_at)


@dataclass(frozen=True)
class CampaignCounts:
    audience: int
    queued: int
    sent: int
    pending: int
    failed: int
    not_sent: int


def campaign_counts(campaign: PolicyCampaign) -> CampaignCounts:
    """The campaign's outbox rows by status (bounces and refusals are `failed`)."""
    statuses = dict(
        db.session.execute(
            sa.select(Notification.status, sa.func.count())
            .join(PolicyNotice, Notification.related_id == sa.cast(PolicyNotice.id, sa.String))
            .where(Notification.related_type == "PolicyNotice", PolicyNotice.campaign_id == campaign.id)
            .group_by(Notification.status)
        ).all()
    )
    return CampaignCounts(
        audience=campaign.audience,
        queued=campaign.queued,
        sent=statuses.get(NotificationStatus.SENT, 0),
        pending=statuses.get(NotificationStatus.PENDING, 0),
        failed=statuses.get(NotificationStatus.FAILED, 0),
        not_sent=statuses.get(NotificationStatus.NOT_SENT, 0),
    )


def campaign_failures(
    campaign: PolicyCampaign, *, limit: int = 200
) -> list[tuple[int, str, str, str | None]]:
    """(client id, recipient, status, last error) of the campaign's messages that failed or were not sent."""
    return [
        tuple(row)
        for row in db.session.execute(
            sa.select(
                PolicyNotice.client_id, Notification.recipient, Notification.status, Notification.last_error
            )
            .join(PolicyNotice, Notification.related_id == sa.cast(PolicyNotice.id, sa.String))
            .where(
                Notification.related_type == "PolicyNotice",
                PolicyNotice.campaign_id == campaign.id,
                Notification.status.in_([NotificationStatus.FAILED, NotificationStatus.NOT_SENT]),
            )
            .order_by(PolicyNotice.client_id)
            .limit(limit)
        )
    ]


@dataclass(frozen=True)
class PolicyFigures:
    """Promise 8 for a period: versions published, significant ones announced in time, reach."""

    published: int
    significant: int
    announced_in_time: int
    latest_significant: int | None  # number of the latest significant version published by `until`
    clients_reached: int  # active clients holding a notice of that version
    active_clients: int


def policy_figures(since: datetime, until: datetime) -> PolicyFigures:
    published = PolicyVersion.status == VersionStatus.PUBLISHED
    versions = list(
        db.session.scalars(
            sa.select(PolicyVersion).where(
                published, PolicyVersion.published_at >= since, PolicyVersion.published_at < until
            )
        )
    )
    significant = [v for v in versions if v.significant]
    starts = dict(
        db.session.execute(
            sa.select(PolicyCampaign.policy_version_id, PolicyCampaign.started_at).where(
                PolicyCampaign.policy_version_id.in_([v.id for v in significant])
            )
        ).all()
    )
    in_time = sum(
        workflow.announced_in_time(started_at=starts.get(v.id), effective_at=v.effective_at)
        for v in significant
    )
    latest = db.session.execute(
        sa.select(PolicyVersion.id, PolicyVersion.number)
        .where(published, PolicyVersion.significant, PolicyVersion.published_at < until)
        .order_by(PolicyVersion.number.desc())
        .limit(1)
    ).one_or_none()
    reached = 0
    if latest is not None:
        reached = (
            db.session.scalar(
                sa.select(sa.func.count())
                .select_from(PolicyNotice)
                .join(Client, Client.id == PolicyNotice.client_id)
                .where(PolicyNotice.policy_version_id == latest.id, active_client())
            )
            or 0
        )
    return PolicyFigures(
        len(versions),
        len(significant),
        in_time,
        latest.number if latest else None,
        reached,
        active_client_count(),
    )


@dataclass(frozen=True)
class TermsFigures:
    """Promise 7 for a period: bookings under terms published before they were booked."""

    bookings: int
    under_published_terms: int


def terms_figures(since: datetime, until: datetime) -> TermsFigures:
    in_period = sa.and_(Booking.created_at >= since, Booking.created_at < until)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(Booking).where(in_period)) or 0
    good = (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Booking)
            .join(CancellationTerms, CancellationTerms.id == Booking.cancellation_terms_id)
            .where(
                in_period,
                CancellationTerms.published_at.is_not(None),
                CancellationTerms.published_at <= Booking.created_at,
            )
        )
        or 0
    )
    return TermsFigures(total, good)
