"""What other code may read of webhooks: endpoints as plain values (for the API's listing)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from api.webhooks.models import WebhookEndpoint
from console.db import db


@dataclass(frozen=True)
class Endpoint:
    id: int
    url: str
    description: str | None
    event_types: list[str]
    active: bool
    failing_since: datetime | None
    secret_prefix: str  # never the secret: it was shown once, at registration
    created_at: datetime


def endpoints_of(api_client_id: int | None) -> list[Endpoint]:
    """The endpoints an API client registered (those registered in the console: None), oldest first."""
    condition = (
        WebhookEndpoint.api_client_id.is_(None)
        if api_client_id is None
        else WebhookEndpoint.api_client_id == api_client_id
    )
    rows = db.session.scalars(sa.select(WebhookEndpoint).where(condition).order_by(WebhookEndpoint.id))
    return [
        Endpoint(
            e.id,
            e.url,
            e.description,
            list(e.event_types),
            e.active,
            e.failing_since,
            e.secret_prefix,
            e.created_at,
        )  # fmt: skip
        for e in rows
    ]
