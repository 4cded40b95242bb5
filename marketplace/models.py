"""Providers, clients and bookings (reviews live in reviews/models.py).

Public references (`PRV-000123`, `CLI-0001234`, `BKG-0001234`) are derived from
the primary key, so looking one up is a primary-key lookup.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, column_property, mapped_column, relationship

from console.db import UTCDateTime, db, enum_type, partial_index, utcnow
from console.domain import _, translated_label
from console.formatting import format_money
from console.privacy import RedactedText


class ServiceKind(StrEnum):
    REGULAR_CLEANING = "regular_cleaning"
    DEEP_CLEANING = "deep_cleaning"
    END_OF_TENANCY = "end_of_tenancy"
    WINDOWS = "windows"
    IRONING = "ironing"
    OFFICE_CLEANING = "office_cleaning"

    @translated_label
    def label(self) -> str:
        return {
            ServiceKind.REGULAR_CLEANING: _("Regular cleaning"),
            ServiceKind.DEEP_CLEANING: _("Deep cleaning"),
            ServiceKind.END_OF_TENANCY: _("End of tenancy"),
            ServiceKind.WINDOWS: _("Windows"),
            ServiceKind.IRONING: _("Ironing"),
            ServiceKind.OFFICE_CLEANING: _("Office cleaning"),
        }[self]


class VettingStatus(StrEnum):
    """Outcome of the provider's latest vetting decision.

    Written only by the vetting services, in the same transaction as the decision on the case
    (never by a form); `not_vetted` until a first case is decided.
    """

    NOT_VETTED = "not_vetted"
    APPROVED = "approved"
    REJECTED = "rejected"

    @translated_label
    def label(self) -> str:
        return {
            VettingStatus.NOT_VETTED: _("not vetted"),
            VettingStatus.APPROVED: _("approved"),
            VettingStatus.REJECTED: _("rejected"),
        }[self]


class BookingStatus(StrEnum):
    SCHEDULED = "scheduled"
    COMPLETED = "completed"
    CANCELLED = "cancelled"

    @translated_label
    def label(self) -> str:
        return {
            BookingStatus.SCHEDULED: _("scheduled"),
            BookingStatus.COMPLETED: _("completed"),
            BookingStatus.CANCELLED: _("cancelled"),
        }[self]


class CancelledBy(StrEnum):
    CLIENT = "client"
    PROVIDER = "provider"
    PLATFORM = "platform"

    @property
    def label(self) -> str:
        return {
            CancelledBy.CLIENT: _("the client"),
            CancelledBy.PROVIDER: _("the provider"),
            CancelledBy.PLATFORM: _("the platform"),
        }[self]


def _reference(prefix: str, width: int):
    def reference(self) -> str:
        return f"{prefix}-{self.id:0{width}d}" if self.id is not None else f"{prefix}-(new)"

    return property(reference)


# The restrictions table, named here without importing the restrictions package (which builds on
# this one): a restriction is active until it has an end.
_RESTRICTION = sa.table("restriction", sa.column("provider_id"), sa.column("ended_at"))
# The cancellation-terms versions (policy/ builds on this package): a booking names its version by key.
TERMS = sa.table("cancellation_terms", sa.column("id"), sa.column("label"))


class Provider(db.Model):
    __tablename__ = "provider"
    REFERENCE_PREFIX, REFERENCE_WIDTH = "PRV", 6

    id: Mapped[int] = mapped_column(primary_key=True)
    legal_name: Mapped[str] = mapped_column(RedactedText(200))
    trade_name: Mapped[str | None] = mapped_column(RedactedText(200))
    siret: Mapped[str] = mapped_column(sa.String(14), unique=True)
    email: Mapped[str] = mapped_column(sa.String(254), index=True)
    phone: Mapped[str] = mapped_column(sa.String(16))
    address_line: Mapped[str] = mapped_column(RedactedText(200))
    postcode: Mapped[str] = mapped_column(sa.String(5), index=True)
    city: Mapped[str] = mapped_column(RedactedText(100), index=True)
    services: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    joined_on: Mapped[date]
    vetting_status: Mapped[VettingStatus] = mapped_column(
        enum_type(VettingStatus, "vetting_status"), default=VettingStatus.NOT_VETTED, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    personal_data_purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    language: Mapped[str] = mapped_column(sa.String(2), default="fr", server_default="fr")  # of e-mails
    version: Mapped[int] = mapped_column(default=1)

    active_restrictions: Mapped[list[Restriction]] = relationship(  # noqa: F821
        "Restriction",
        primaryjoin="and_(Restriction.provider_id == Provider.id, Restriction.ended_at.is_(None))",
        viewonly=True,
        order_by="Restriction.started_at",
    )

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        sa.CheckConstraint("length(siret) = 14", name="siret_length"),
        sa.CheckConstraint("email = lower(email)", name="email_lowercase"),
        # Every sort the providers list offers has its index (a page never sorts the whole table).
        sa.Index("ix_provider_legal_name", "legal_name"),
        sa.Index("ix_provider_joined_on", "joined_on"),
    )

    reference = _reference(REFERENCE_PREFIX, REFERENCE_WIDTH)

    @property
    def display_name(self) -> str:
        return self.trade_name or self.legal_name

    RESTRICTED_PREFIX = "restricted:"

    @property
    def not_bookable_codes(self) -> list[str]:
        """Why clients cannot book this provider now, as stable codes (empty when bookable):
        `not_vetted`, `vetting_rejected`, `restricted:<reason code>`. The API sends these."""
        codes = []
        if self.vetting_status != VettingStatus.APPROVED:
            codes.append(
                "not_vetted" if self.vetting_status == VettingStatus.NOT_VETTED else "vetting_rejected"
            )
        codes += [f"{self.RESTRICTED_PREFIX}{r.reason_code}" for r in self.active_restrictions]
        return codes

    @property
    def not_bookable_reasons(self) -> list[str]:
        """Why clients cannot book this provider now, in the reader's words (empty when bookable)."""
        return [self.not_bookable_text(code) for code in self.not_bookable_codes]

    @classmethod
    def not_bookable_text(cls, code: str) -> str:
        """A reason code in the reader's language."""
        if code == "not_vetted":
            return _("not vetted yet")
        if code == "vetting_rejected":
            return _("vetting rejected")
        reason = code.removeprefix(cls.RESTRICTED_PREFIX)
        return _("restricted: %(reason)s", reason=cls.restriction_reason_text(reason))

    # Set by restrictions/models.py: a restriction's reason code in a few words, translated.
    restriction_reason_text = staticmethod(lambda code: code.replace("_", " "))

    @hybrid_property
    def is_bookable(self) -> bool:
        """Bookable exactly when the latest vetting is approved and no restriction is active."""
        return not self.not_bookable_codes

    @is_bookable.inplace.expression
    @classmethod
    def _is_bookable_expression(cls) -> sa.ColumnElement[bool]:
        """The same rule in SQL, for lists, filters and figures: a set expression (the restricted
        providers read once, hashed), not a lookup per approved provider."""
        restricted = sa.select(_RESTRICTION.c.provider_id).where(_RESTRICTION.c.ended_at.is_(None))
        return sa.and_(cls.vetting_status == VettingStatus.APPROVED, cls.id.not_in(restricted))

    def __str__(self) -> str:
        return f"{self.reference} {self.display_name}"


class Client(db.Model):
    __tablename__ = "client"
    REFERENCE_PREFIX, REFERENCE_WIDTH = "CLI", 7

    id: Mapped[int] = mapped_column(primary_key=True)
    full_name: Mapped[str] = mapped_column(RedactedText(200))
    email: Mapped[str] = mapped_column(sa.String(254), index=True)
    phone: Mapped[str | None] = mapped_column(sa.String(16))
    postcode: Mapped[str | None] = mapped_column(sa.String(5))
    city: Mapped[str | None] = mapped_column(RedactedText(100), index=True)
    consent_marketing_email: Mapped[bool] = mapped_column(default=False)
    consent_marketing_sms: Mapped[bool] = mapped_column(default=False)
    consent_partner_sharing: Mapped[bool] = mapped_column(default=False)
    language: Mapped[str] = mapped_column(sa.String(2), default="fr", server_default="fr")  # of e-mails
    consents_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        sa.CheckConstraint("email = lower(email)", name="email_lowercase"),
        sa.Index("ix_client_full_name", "full_name"),  # the sorts the clients list offers
        sa.Index("ix_client_created_at", "created_at"),
    )

    reference = _reference(REFERENCE_PREFIX, REFERENCE_WIDTH)

    def __str__(self) -> str:
        return f"{self.reference} {self.full_name}"


class Booking(db.Model):
    """A booking as sold on the marketplace: read-only in the console."""

    __tablename__ = "booking"
    REFERENCE_PREFIX, REFERENCE_WIDTH = "BKG", 7

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(sa.ForeignKey("client.id"))
    provider_id: Mapped[int] = mapped_column(sa.ForeignKey("provider.id"))
    service: Mapped[ServiceKind] = mapped_column(enum_type(ServiceKind, "service_kind"))
    scheduled_start: Mapped[datetime] = mapped_column(UTCDateTime)
    duration_minutes: Mapped[int]
    price_cents: Mapped[int]
    currency: Mapped[str] = mapped_column(sa.String(3), default="EUR")
    status: Mapped[BookingStatus] = mapped_column(enum_type(BookingStatus, "booking_status"))
    # The cancellation terms in force when it was booked (policy.models.CancellationTerms).
    cancellation_terms_id: Mapped[int] = mapped_column(sa.ForeignKey("cancellation_terms.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_by: Mapped[CancelledBy | None] = mapped_column(enum_type(CancelledBy, "booking_cancelled_by"))
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    client: Mapped[Client] = relationship()
    provider: Mapped[Provider] = relationship()

    __table_args__ = (
        sa.CheckConstraint("price_cents >= 0", name="price_not_negative"),
        sa.CheckConstraint("duration_minutes > 0 AND duration_minutes <= 1440", name="duration_range"),
        sa.CheckConstraint("length(currency) = 3", name="currency_code"),
        sa.Index("ix_booking_provider_start", "provider_id", "scheduled_start"),
        sa.Index("ix_booking_client_start", "client_id", "scheduled_start"),
        sa.Index("ix_booking_status_start", "status", "scheduled_start"),
        sa.Index("ix_booking_start", "scheduled_start"),
        # Upcoming work of a given provider (the uninsured-exposure list): a small partial index.
        partial_index(
            "ix_booking_scheduled_provider",
            "provider_id",
            "scheduled_start",
            where="status = 'scheduled'",
        ),
    )

    reference = _reference(REFERENCE_PREFIX, REFERENCE_WIDTH)

    @property
    def price(self) -> str:
        """`1 234,50 €` in the reader's language."""
        return format_money(self.price_cents, self.currency)

    def __str__(self) -> str:
        return self.reference


# The terms' label as the marketplace names it (2026-03), read with the booking.
Booking.cancellation_terms_version = column_property(
    sa.select(TERMS.c.label).where(TERMS.c.id == Booking.cancellation_terms_id).scalar_subquery()
)


class ConsentRecord(db.Model):
    """A client's consent to one recipient for one purpose (DESIGN §7): where it was given (the app,
    support, an import), the wording the client saw, when, and when it was withdrawn. A new consent
    after a withdrawal is a new record; at most one record per client, recipient and purpose is open."""

    __tablename__ = "consent_record"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(sa.ForeignKey("client.id", ondelete="CASCADE"), index=True)
    recipient: Mapped[str] = mapped_column(sa.String(20))
    purpose: Mapped[str] = mapped_column(sa.String(30))
    source: Mapped[str] = mapped_column(sa.String(10))
    wording_version: Mapped[str] = mapped_column(sa.String(20))
    given_at: Mapped[datetime] = mapped_column(UTCDateTime)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    recorded_by: Mapped[str] = mapped_column(sa.String(254))

    client: Mapped[Client] = relationship()

    __table_args__ = (
        partial_index(
            "uq_consent_record_open",
            "client_id",
            "recipient",
            "purpose",
            unique=True,
            where="withdrawn_at IS NULL",
        ),
        sa.CheckConstraint("source IN ('app', 'support', 'import')", name="source_known"),
        sa.CheckConstraint("withdrawn_at IS NULL OR withdrawn_at >= given_at", name="withdrawn_after_given"),
    )
