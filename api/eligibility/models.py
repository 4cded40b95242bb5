"""The last known eligibility of each provider, so a change is published once."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from console.db import UTCDateTime, db


class ProviderEligibility(db.Model):
    __tablename__ = "provider_eligibility"

    provider_id: Mapped[int] = mapped_column(
        sa.ForeignKey("provider.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    bookable: Mapped[bool]
    reasons: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    since: Mapped[datetime] = mapped_column(UTCDateTime)
    event_id: Mapped[int | None] = mapped_column(sa.ForeignKey("integration_event.id", ondelete="SET NULL"))
