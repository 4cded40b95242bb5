"""What the API keeps besides the domains' records: the marketplace's own ids, mapped to ours, and
the answers to POST requests by idempotency key."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from api.workflow import ResourceKind
from console.db import UTCDateTime, db, enum_type
from console.privacy import RedactedText


class ApiExternalRef(db.Model):
    """The marketplace's id of one of our records: unique per API client and kind of record."""

    __tablename__ = "api_external_ref"

    id: Mapped[int] = mapped_column(primary_key=True)
    api_client_id: Mapped[int] = mapped_column(sa.ForeignKey("api_client.id"))
    kind: Mapped[ResourceKind] = mapped_column(enum_type(ResourceKind, "api_resource_kind"))
    external_id: Mapped[str] = mapped_column(sa.String(100))
    object_id: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (
        sa.UniqueConstraint("api_client_id", "kind", "external_id", name="uq_api_external_ref_external_id"),
        sa.Index("ix_api_external_ref_object", "kind", "object_id"),
    )


class ApiIdempotencyKey(db.Model):
    """The first answer to a POST with an `Idempotency-Key`, kept 24 hours to answer replays."""

    __tablename__ = "api_idempotency_key"

    id: Mapped[int] = mapped_column(primary_key=True)
    api_client_id: Mapped[int] = mapped_column(sa.ForeignKey("api_client.id"))
    key: Mapped[str] = mapped_column(sa.String(200))
    method: Mapped[str] = mapped_column(sa.String(10))
    path: Mapped[str] = mapped_column(sa.String(500))
    request_digest: Mapped[str] = mapped_column(sa.String(64))
    status_code: Mapped[int] = mapped_column(sa.SmallInteger)
    response_body: Mapped[str] = mapped_column(RedactedText())  # our answer: card numbers already masked
    location: Mapped[str | None] = mapped_column(sa.String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)

    __table_args__ = (sa.UniqueConstraint("api_client_id", "key", name="uq_api_idempotency_key_client_key"),)
