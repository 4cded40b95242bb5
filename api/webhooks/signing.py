"""Endpoint secrets (Standard Webhooks `whsec_` base64 keys) and the signed headers.

Secrets are kept encrypted at rest (Fernet, with a key derived from SECRET_KEY): a copy of the
database alone does not let anyone forge our webhooks. Changing SECRET_KEY means registering the
endpoints again.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from datetime import datetime
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from standardwebhooks import Webhook

SECRET_BYTES = 24
PREFIX = "whsec_"


def new_secret() -> str:
    return PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def _fernet(secret_key: str) -> Fernet:
    key = hashlib.sha256(b"ekoklean webhook secrets\0" + secret_key.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def encrypt(secret: str, *, secret_key: str) -> str:
    return _fernet(secret_key).encrypt(secret.encode()).decode()


def decrypt(token: str, *, secret_key: str) -> str:
    try:
        return _fernet(secret_key).decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise RuntimeError("the webhook secret cannot be read with this SECRET_KEY") from exc


def body(event_type: str, occurred_at: datetime, data: dict[str, Any]) -> bytes:
    """The JSON body as Standard Webhooks suggests: type, timestamp, data."""
    document = {"type": event_type, "timestamp": occurred_at.isoformat(), "data": data}
    return json.dumps(document, separators=(",", ":"), sort_keys=True).encode()


def headers(secret: str, message_id: str, payload: bytes, *, signed_at: datetime) -> dict[str, str]:
    """The webhook-id, webhook-timestamp and webhook-signature (v1) headers of one send."""
    return {
        "content-type": "application/json",
        "user-agent": "Ekoklean-Console-Webhooks/1",
        "webhook-id": message_id,
        "webhook-timestamp": str(int(signed_at.timestamp())),
        "webhook-signature": Webhook(secret).sign(message_id, signed_at, payload),
    }
