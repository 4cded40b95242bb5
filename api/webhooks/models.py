"""Webhook endpoints of the marketplace and the deliveries of events to them."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from api.webhooks.workflow import DeliveryStatus
from console.db import UTCDateTime, db, enum_type, utcnow
from console.events import IntegrationEvent


class WebhookEndpoint(db.Model):
    __tablename__ = "webhook_endpoint"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(sa.String(2000))
    description: Mapped[str | None] = mapped_column(sa.String(200))
    event_types: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    # The Standard Webhooks secret (whsec_...), encrypted with a key derived from SECRET_KEY.
    secret_encrypted: Mapped[str] = mapped_column(sa.String(500))
    secret_prefix: Mapped[str] = mapped_column(sa.String(16))  # whsec_ and 4 characters, to recognise it
    active: Mapped[bool] = mapped_column(default=True)
    failing_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    disabled_reason: Mapped[str | None] = mapped_column(sa.String(500))
    # The API client that registered it (None: registered by staff in the console).
    api_client_id: Mapped[int | None] = mapped_column(sa.ForeignKey("api_client.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(sa.String(254))

    def __str__(self) -> str:
        return f"WHE-{self.id:05d} {self.url}"


class WebhookDelivery(db.Model):
    __tablename__ = "webhook_delivery"

    id: Mapped[int] = mapped_column(primary_key=True)
    endpoint_id: Mapped[int] = mapped_column(sa.ForeignKey("webhook_endpoint.id", ondelete="CASCADE"))
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("integration_event.id", ondelete="CASCADE"))
    # Copied from the event: deliveries of one provider to one endpoint go in this order.
    provider_id: Mapped[int | None]
    sequence: Mapped[int | None]
    status: Mapped[DeliveryStatus] = mapped_column(
        enum_type(DeliveryStatus, "webhook_delivery_status"), default=DeliveryStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_response_code: Mapped[int | None]
    last_duration_ms: Mapped[int | None]
    last_error: Mapped[str | None] = mapped_column(sa.String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)  # a list sort
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    endpoint: Mapped[WebhookEndpoint] = relationship(lazy="joined", innerjoin=True)
    event: Mapped[IntegrationEvent] = relationship()

    __table_args__ = (
        sa.UniqueConstraint("endpoint_id", "event_id", name="uq_webhook_delivery_endpoint_event"),
        sa.Index("ix_webhook_delivery_chain", "endpoint_id", "provider_id", "sequence"),
        sa.Index("ix_webhook_delivery_status_next", "status", "next_attempt_at"),
    )

    @property
    def webhook_id(self) -> str:
        return f"evt_{self.event_id}"

    def __str__(self) -> str:
        return f"{self.webhook_id} → WHE-{self.endpoint_id:05d}"
