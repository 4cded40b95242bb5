"""API test helpers: a real HTTP receiver that checks Standard Webhooks signatures."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from rq import Queue, SimpleWorker
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError


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
