"""API clients and their keys (the key itself is never stored: its prefix and SHA-256 are)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from console.db import UTCDateTime, db


class ApiClient(db.Model):
    __tablename__ = "api_client"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(60), unique=True)
    scopes: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(sa.String(254))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(default=1)

    keys: Mapped[list[ApiKey]] = relationship(back_populates="client", order_by="ApiKey.id")

    __mapper_args__ = {"version_id_col": version}

    @property
    def active_keys(self) -> list[ApiKey]:
        return [k for k in self.keys if k.revoked_at is None]

    @property
    def last_used_at(self) -> datetime | None:
        return max((k.last_used_at for k in self.keys if k.last_used_at), default=None)

    def __str__(self) -> str:
        return self.name


class ApiKey(db.Model):
    __tablename__ = "api_key"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(sa.ForeignKey("api_client.id"), index=True)
    prefix: Mapped[str] = mapped_column(sa.String(12), unique=True)
    digest: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(sa.String(254))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by: Mapped[str | None] = mapped_column(sa.String(254))
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    client: Mapped[ApiClient] = relationship(back_populates="keys")

    __table_args__ = (sa.CheckConstraint("length(digest) = 64", name="digest_length"),)

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    def __str__(self) -> str:
        return f"ek_{self.prefix}_…"
