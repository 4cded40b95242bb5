from __future__ import annotations

import socket
from datetime import timedelta

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from rq import Queue

from console.db import db
from console.domain import DomainError
from console.notifications import services
from console.notifications.jobs import deliver_pending
from console.notifications.models import Notification, NotificationStatus
from tests.conftest import InProcessWorker


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        return "250 OK"


@pytest.fixture
def smtp_server():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    yield controller, inbox
    controller.stop()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _queue(now, **context):
    return services.queue_notification(
        recipient="client@example.com",
        template="message",
        context={"subject": "Your complaint", "body": "We are on it.", **context},
        now=now,
    )


def test_without_smtp_the_notification_stays_visible_as_not_sent(app, now, client_as):
    note = _queue(now)
    assert services.deliver(note, now=now) == NotificationStatus.NOT_SENT
    assert note.last_error == services.NO_SMTP
    db.session.commit()
    page = client_as("manager").get("/outbox/").get_data(as_text=True)
    assert "not sent: no SMTP configured" in page


def test_delivers_over_a_real_smtp_server(app, now, smtp_server):
    controller, inbox = smtp_server
    app.config["SMTP_URL"] = f"smtp://{controller.hostname}:{controller.port}"
    try:
        note = _queue(now)
        assert services.deliver(note, now=now) == NotificationStatus.SENT
        assert services.deliver(note, now=now) == NotificationStatus.SENT  # a second run sends nothing
    finally:
        app.config["SMTP_URL"] = ""
    assert len(inbox.messages) == 1
    message = inbox.messages[0]
    assert message.rcpt_tos == ["client@example.com"]
    assert b"Subject: Your complaint" in message.content and b"We are on it." in message.content


def test_failures_back_off_up_to_a_cap_and_keep_trying(app, now):
    app.config["SMTP_URL"] = f"smtp://127.0.0.1:{_free_port()}"  # nobody listens there
    try:
        note = _queue(now)
        moment = now
        for attempt in range(1, 9):
            assert services.deliver(note, now=moment) == NotificationStatus.PENDING
            assert note.attempts == attempt and "Connection refused" in note.last_error
            wait = min(60 * 2 ** (attempt - 1), 30 * 60)  # 1, 2, 4 ... 30 minutes at most
            assert note.next_attempt_at == moment + timedelta(seconds=wait)
            moment = note.next_attempt_at
    finally:
        app.config["SMTP_URL"] = ""


def test_unknown_template_is_refused(now):
    with pytest.raises(DomainError, match="No notification template"):
        services.queue_notification(
            recipient="a@example.com", template="../../etc/passwd", context={}, now=now
        )


def test_queueing_enqueues_delivery_after_commit_and_the_sweep_catches_up(queue_redis, now):
    note = _queue(now)
    db.session.commit()
    queue = Queue("default", connection=queue_redis)
    assert queue.count == 1
    queue.empty()  # as if Redis had lost the job
    result = deliver_pending()
    assert result == 1
    assert db.session.get(Notification, note.id).status == NotificationStatus.NOT_SENT


def test_delivery_job_on_a_real_worker(queue_redis, now):
    note = _queue(now)
    db.session.commit()
    InProcessWorker([Queue("default", connection=queue_redis)], connection=queue_redis).work(burst=True)
    db.session.expire_all()
    assert db.session.scalar(sa.select(Notification.status).where(Notification.id == note.id)) == "not_sent"
