"""The audit head sent to an external sink: a real HTTP receiver on a free port, up, failing, slow."""

from __future__ import annotations

import json
import logging
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from console.audit import services as audit
from console.audit import sink
from console.audit.jobs import anchor_head
from console.config import ConfigError, from_environment


class Receiver:
    """An HTTP server that records the JSON it is sent, answers `status`, or waits `delay` first."""

    def __init__(self):
        self.received: list[dict] = []
        self.headers: list[dict] = []
        self.status = 204
        self.delay = 0.0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - the name http.server calls
                body = self.rfile.read(int(self.headers["Content-Length"]))
                time.sleep(receiver.delay)
                if receiver.status < 300:
                    receiver.received.append(json.loads(body))
                    receiver.headers.append(dict(self.headers))
                self.send_response(receiver.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/heads"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.close()


@pytest.fixture
def sink_config(app, tmp_path, receiver):
    saved = {
        k: app.config.get(k) for k in ("AUDIT_HEAD_FILE", "AUDIT_HEAD_SINK_URL", "AUDIT_HEAD_SINK_TOKEN")
    }
    app.config.update(
        AUDIT_HEAD_FILE=str(tmp_path / "audit-head.log"),
        AUDIT_HEAD_SINK_URL=receiver.url,
        AUDIT_HEAD_SINK_TOKEN="sink-token-for-tests",
    )
    yield app.config
    app.config.update(saved)


def test_each_anchor_posts_sequence_digest_and_time_to_the_sink(sink_config, receiver, now):
    audit.record("system:tests", "test.one", now=now)
    head = anchor_head()
    (sent,) = receiver.received
    recorded = audit.Head.parse(head)
    assert sent["sequence"] == recorded.seq and sent["digest"] == recorded.hash
    assert sent["at"] == Path(sink_config["AUDIT_HEAD_FILE"]).read_text().split()[0]
    assert receiver.headers[0]["Authorization"] == "Bearer sink-token-for-tests"
    assert receiver.headers[0]["Content-Type"] == "application/json"


def test_heads_the_sink_refused_are_sent_again_after_the_next_anchor_in_order(
    sink_config, receiver, now, caplog
):
    receiver.status = 503
    audit.record("system:tests", "test.one", now=now)
    with caplog.at_level(logging.WARNING, logger="console.audit.sink"):
        first = audit.Head.parse(anchor_head())  # the anchor itself succeeds
    assert "not accepted" in caplog.text
    assert audit.last_anchor(sink_config["AUDIT_HEAD_FILE"]) == first
    assert receiver.received == []

    receiver.status = 200
    audit.record("system:tests", "test.two", now=now)
    second = audit.Head.parse(anchor_head())
    assert [(r["sequence"], r["digest"]) for r in receiver.received] == [
        (first.seq, first.hash),
        (second.seq, second.hash),
    ]
    anchor_head()
    assert len(receiver.received) == 3  # nothing sent twice


def test_a_sink_that_does_not_answer_in_time_does_not_hold_the_anchor(sink_config, receiver, now, caplog):
    sink_config["AUDIT_HEAD_SINK_TIMEOUT"] = 0.2
    receiver.delay = 2
    try:
        with caplog.at_level(logging.WARNING, logger="console.audit.sink"):
            head = audit.Head.parse(anchor_head())
    finally:
        sink_config["AUDIT_HEAD_SINK_TIMEOUT"] = 5.0
        receiver.delay = 0
    assert "not accepted" in caplog.text
    assert audit.last_anchor(sink_config["AUDIT_HEAD_FILE"]) == head
    assert sink.deliver_pending(sink_config["AUDIT_HEAD_FILE"], receiver.url) == 1  # sent once it answers


def test_a_sink_that_is_gone_is_logged_and_the_heads_wait(sink_config, receiver, now, caplog):
    receiver.close()  # nothing listens on the port any more
    with caplog.at_level(logging.WARNING, logger="console.audit.sink"):
        anchor_head()
        anchor_head()
    assert caplog.text.count("not accepted") == 2
    back = Receiver()
    try:
        assert sink.deliver_pending(sink_config["AUDIT_HEAD_FILE"], back.url) == 2
        assert len(back.received) == 2
    finally:
        back.close()
    receiver.server = _Closed()  # already closed above


class _Closed:
    def shutdown(self):
        pass

    def server_close(self):
        pass


def test_the_anchor_command_sends_to_the_sink_too(app, sink_config, receiver):
    result = app.test_cli_runner().invoke(args=["audit", "anchor"])
    assert result.exit_code == 0, result.output
    assert len(receiver.received) == 1


def test_without_a_sink_nothing_is_sent(app, sink_config, receiver):
    sink_config["AUDIT_HEAD_SINK_URL"] = ""
    anchor_head()
    assert receiver.received == []


def test_the_sink_url_must_be_https_in_production(tmp_path):
    production = {"CONSOLE_ENV": "production", "SECRET_KEY": "x" * 40}
    with pytest.raises(ConfigError, match="AUDIT_HEAD_SINK_URL"):
        from_environment(str(tmp_path), production | {"AUDIT_HEAD_SINK_URL": "http://sink.example/heads"})
    with pytest.raises(ConfigError, match="AUDIT_HEAD_SINK_URL"):
        from_environment(str(tmp_path), {"AUDIT_HEAD_SINK_URL": "file:///etc/passwd"})
    config = from_environment(
        str(tmp_path), production | {"AUDIT_HEAD_SINK_URL": "https://sink.example/heads"}
    )
    assert config["AUDIT_HEAD_SINK_URL"] == "https://sink.example/heads"
    assert from_environment(str(tmp_path), {})["AUDIT_HEAD_SINK_URL"] == ""
