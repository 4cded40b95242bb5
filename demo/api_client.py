"""The demo's API client, with a fixed key printed beside the staff accounts (local demos only)."""

from __future__ import annotations

from api.clients import services
from api.clients.workflow import SCOPES, NewKey, digest
from console.db import utcnow
from demo.staff import DEMO_ACTOR

DEMO_CLIENT = "demo-marketplace"
# Documented in the README like the demo passwords; never use it outside a local demo.
DEMO_KEY = "ek_de0000000001_demo-key-for-local-demos-only-0000000000000"


def seed_api_client() -> tuple[str, str, bool]:
    """The demo API client (every scope) and its key; created unless it exists."""
    if services.client_named(DEMO_CLIENT) is not None:
        return DEMO_CLIENT, DEMO_KEY, False
    key = NewKey(DEMO_KEY, DEMO_KEY[3:15], digest(DEMO_KEY))
    services.create_client(name=DEMO_CLIENT, scopes=list(SCOPES), actor=DEMO_ACTOR, now=utcnow(), key=key)
    return DEMO_CLIENT, DEMO_KEY, True
