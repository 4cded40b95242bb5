"""API clients and keys: create (the key is returned once), rotate, revoke, authenticate.

The acting person (a staff member, or `system:cli`) is a parameter; services flush, never commit.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from api.clients import workflow as wf
from api.clients.models import ApiClient, ApiKey
from console.audit import services as audit
from console.db import db
from console.domain import DomainError, _


@dataclass(frozen=True)
class IssuedKey:
    """A key just made: `secret` is shown to the person once and never stored."""

    client: ApiClient
    key: ApiKey
    secret: str


def _issue(client: ApiClient, actor: Any, now: datetime, made: wf.NewKey | None = None) -> IssuedKey:
    made = made or wf.new_key()
    key = ApiKey(
        client=client,
        prefix=made.prefix,
        digest=made.digest,
        created_at=now,
        created_by=audit.actor_label(actor)[1],
    )
    db.session.add(key)
    db.session.flush()
    return IssuedKey(client, key, made.secret)


def create_client(
    *, name: str, scopes: list[str], actor: Any, now: datetime, key: wf.NewKey | None = None
) -> IssuedKey:
    """Register an integration with its scopes and its first key (`key`: the demo's fixed one)."""
    name, scopes = wf.clean_name(name), wf.clean_scopes(list(scopes))
    if db.session.scalar(sa.select(ApiClient.id).where(ApiClient.name == name)) is not None:
        raise DomainError(_("An API client named %(name)s already exists.", name=name))
    client = ApiClient(name=name, scopes=scopes, created_at=now, created_by=audit.actor_label(actor)[1])
    db.session.add(client)
    db.session.flush()
    issued = _issue(client, actor, now, key)
    audit.record(
        actor,
        "api_client.create",
        client,
        changes={"scopes": scopes, "key_prefix": issued.key.prefix},
        now=now,
    )
    return issued


def rotate_key(client: ApiClient, *, actor: Any, now: datetime) -> IssuedKey:
    """A second active key, so the integration can switch before the old one is revoked."""
    if not client.active:
        raise DomainError(_("%(name)s is revoked.", name=client.name))
    wf.ensure_rotation_allowed(len(client.active_keys))
    issued = _issue(client, actor, now)
    audit.record(actor, "api_client.rotate", client, changes={"key_prefix": issued.key.prefix}, now=now)
    return issued


def revoke_key(key: ApiKey, *, actor: Any, now: datetime) -> ApiKey:
    """The key stops working with the next request."""
    if key.revoked_at is not None:
        raise DomainError(_("This key is already revoked."))
    key.revoked_at, key.revoked_by = now, audit.actor_label(actor)[1]
    db.session.flush()
    audit.record(actor, "api_client.revoke_key", key.client, changes={"key_prefix": key.prefix}, now=now)
    return key


def revoke_client(client: ApiClient, *, actor: Any, now: datetime) -> ApiClient:
    """The client and all its keys stop working with the next request."""
    if not client.active:
        raise DomainError(_("%(name)s is already revoked.", name=client.name))
    client.active, client.revoked_at = False, now
    for key in client.active_keys:
        key.revoked_at, key.revoked_by = now, audit.actor_label(actor)[1]
    db.session.flush()
    audit.record(actor, "api_client.revoke", client, now=now)
    return client


def change_scopes(client: ApiClient, *, scopes: list[str], actor: Any, now: datetime) -> ApiClient:
    client.scopes = wf.clean_scopes(list(scopes))
    changes = audit.diff(client)
    if changes:
        db.session.flush()
        audit.record(actor, "api_client.scopes", client, changes=changes, now=now)
    return client


def client_named(name: str) -> ApiClient | None:
    return db.session.scalar(sa.select(ApiClient).where(ApiClient.name == (name or "").strip().lower()))


def only_client() -> ApiClient | None:
    """The one active API client, when there is exactly one."""
    found = db.session.scalars(sa.select(ApiClient).where(ApiClient.active.is_(True)).limit(2)).all()
    return found[0] if len(found) == 1 else None


def authenticate(secret: str, *, now: datetime) -> ApiKey | None:
    """The active key (of an active client) that `secret` is, or None. Digests are compared in
    constant time; the key's last use is written at most once a minute."""
    prefix = wf.key_prefix(secret)
    if prefix is None:
        return None
    key = db.session.scalar(
        sa.select(ApiKey)
        .join(ApiClient)
        .where(ApiKey.prefix == prefix)
        .options(sa.orm.contains_eager(ApiKey.client))
    )
    if key is None or not hmac.compare_digest(key.digest, wf.digest(secret)):
        return None
    if key.revoked_at is not None or not key.client.active:
        return None
    if wf.last_used_is_stale(key.last_used_at, now):
        key.last_used_at = now
    return key
