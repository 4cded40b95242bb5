"""API test helpers: an API client with a key, JSON calls with its bearer key, and a real HTTP receiver
that checks Standard Webhooks signatures."""

from __future__ import annotations

import itertools
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from rq import Queue, SimpleWorker
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from api.clients import services
from api.clients.workflow import SCOPES
from console.db import utcnow
from tests import factories

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

    def delete(self, path, **kw):
        return self.http.delete(f"/api/v1{path}", headers=self.headers(**kw.pop("headers", {})), **kw)

    def patch(self, path, body, **kw):
        return self.http.patch(
            f"/api/v1{path}", json=body, headers=self.headers(**kw.pop("headers", {})), **kw
        )


@pytest.fixture(autouse=True)
def _terms(request):
    """The cancellation terms the marketplace's bookings name (2026-03) exist; committed tests
    make their own."""
    if not request.node.get_closest_marker("committed"):
        factories.make_terms("2026-03")


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


class Receiver:
    """Records every POST; answers with the queued statuses, then 200."""

    def __init__(self) -> None:
        self.secret: str | None = None
        self.statuses: list[int] = []
        self.received: list[dict] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("content-length", "0")))
                headers = {k.lower(): v for k, v in self.headers.items()}
                try:
                    Webhook(receiver.secret).verify(body, headers)
                    verified = True
                except WebhookVerificationError:
                    verified = False
                with receiver.lock:
                    status = receiver.statuses.pop(0) if receiver.statuses else 200
                    receiver.received.append(
                        {"headers": headers, "body": json.loads(body), "verified": verified, "status": status}
                    )
                self.send_response(status)
                self.send_header("content-length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks/ekoklean"

    def sequences(self) -> list[int]:
        return [r["body"]["data"].get("sequence") for r in self.received]


@pytest.fixture
def receiver():
    server = Receiver()
    server.thread.start()
    yield server
    server.server.shutdown()
    server.server.server_close()


@pytest.fixture
def webhook_config(app, monkeypatch):
    """HTTP allowed and 127.0.0.1 allow-listed, as a development set-up would have it."""
    monkeypatch.setitem(app.config, "WEBHOOK_REQUIRE_HTTPS", False)
    monkeypatch.setitem(app.config, "WEBHOOK_ALLOWED_HOSTS", ["127.0.0.1"])


class BurstWorker(SimpleWorker):
    """RQ's in-process worker without its command channel (pubsub): with redis-py 8, a burst that
    ends before the channel's thread subscribed makes the worker's teardown wait 60 s for it."""

    def subscribe(self) -> None:
        self.pubsub_thread = None


def work_burst(connection) -> None:
    """Run the default queue's jobs in this process until it is empty (a real RQ worker)."""
    BurstWorker([Queue("default", connection=connection)], connection=connection).work(burst=True)
