"""API test helpers: an API client with a key, and JSON calls with its bearer key."""

from __future__ import annotations

import itertools

import pytest

from api.clients import services
from api.clients.workflow import SCOPES
from console.db import utcnow

_names = itertools.count(1)


def make_api_client(*scopes: str, name: str | None = None):
    """An API client (all scopes unless given) and its key's secret; flushed."""
    return services.create_client(
        name=name or f"market-{next(_names)}",
        scopes=list(scopes or SCOPES),
        actor="system:tests",
        now=utcnow(),
    )


class Api:
    """Calls /api/v1 with a bearer key, as the marketplace does."""

    def __init__(self, http, secret: str):
        self.http, self.secret = http, secret

    def headers(self, **extra):
        return {"Authorization": f"Bearer {self.secret}", **extra}

    def get(self, path, **kw):
        return self.http.get(f"/api/v1{path}", headers=self.headers(**kw.pop("headers", {})), **kw)

    def post(self, path, body, **kw):
        return self.http.post(
            f"/api/v1{path}", json=body, headers=self.headers(**kw.pop("headers", {})), **kw
        )

    def patch(self, path, body, **kw):
        return self.http.patch(
            f"/api/v1{path}", json=body, headers=self.headers(**kw.pop("headers", {})), **kw
        )


@pytest.fixture
def api(client):
    issued = make_api_client()
    wrapper = Api(client, issued.secret)
    wrapper.issued = issued
    return wrapper


@pytest.fixture
def api_as(client):
    def make(*scopes):
        return Api(client, make_api_client(*scopes).secret)

    return make
