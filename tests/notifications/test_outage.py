"""An SMTP outage loses no message: delivery is retried for 72 hours, then the message is shown to
managers as failed, and a manager's resend sends it."""

from __future__ import annotations

import re
import socket
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email import policy as email_policy
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller

from console.audit.models import AuditEvent
from console.db import db, utcnow
from console.notifications import services
from console.notifications.jobs import deliver_due
from console.notifications.models import Notification, NotificationStatus
from tests.conftest import csrf_token


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        return "250 OK"


# the outbox's card on the home page: failed messages waiting for a manager
FAILED_CARD = r'data-testid="card-outbox".*?data-testid="queue-count">%d<'


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp(app, queue_redis):
    """A real SMTP server on a free port that the test stops and starts again."""
    server = SmtpServer(_free_port())
    app.config["SMTP_URL"] = f"smtp://127.0.0.1:{server.port}"
    yield server
    app.config["SMTP_URL"] = ""
    server.stop()


class SmtpServer:
    def __init__(self, port: int):
        self.port, self.inbox, self.controller = port, Inbox(), None

    def start(self) -> None:
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


def _queue(now, template="message"):
    note = services.queue_notification(
        recipient="provider@example.com",
        template=template,
        context={"subject": "Décision", "body": "Motifs de la décision."},
        now=now,
    )
    db.session.commit()
    return note


def _run_deliveries_until(end, *, start, step=timedelta(minutes=1)):
    """The every-minute delivery job, run at each minute from `start` to `end` (no sleeping)."""
    moment = start
    while moment <= end:
        deliver_due(now=moment)
        moment += step


def test_a_30_minute_outage_delays_the_message_and_it_is_sent_once(smtp, now):
    note = _queue(now)  # the SMTP server is down from the start
    _run_deliveries_until(now + timedelta(minutes=30), start=now)
    db.session.expire_all()
    assert note.status == NotificationStatus.PENDING and note.attempts >= 5
    assert "Connection refused" in note.last_error
    smtp.start()
    _run_deliveries_until(now + timedelta(hours=2), start=now + timedelta(minutes=31))
    db.session.expire_all()
    assert note.status == NotificationStatus.SENT and note.sent_at <= now + timedelta(minutes=31 + 30)
    assert len(smtp.inbox.messages) == 1
    assert b"Motifs de la d" in smtp.inbox.messages[0].content


def test_after_72_hours_it_fails_visibly_and_a_manager_resends_it(smtp, now, client_as):
    note = _queue(now, template="message")
    moment = _retry_until_it_gives_up(note, now)
    assert note.status == NotificationStatus.FAILED
    assert moment > now + timedelta(hours=71)  # about 72 hours of tries, not 15 minutes

    manager = client_as("manager")
    assert re.search(FAILED_CARD % 1, manager.get("/").get_data(as_text=True), re.S)
    listing = manager.get("/outbox/?flt0_0=failed").get_data(as_text=True)
    assert "provider@example.com" in listing

    support = client_as("support_agent")  # sees the outbox, may not resend
    token = csrf_token(support, "/outbox/")
    support.post("/outbox/action/", data={"action": "resend", "rowid": [note.id], "csrf_token": token})
    db.session.expire_all()
    assert note.status == NotificationStatus.FAILED

    token = csrf_token(manager, "/outbox/")
    response = manager.post(
        "/outbox/action/",
        data={"action": "resend", "rowid": [note.id], "csrf_token": token},
        follow_redirects=True,
    )
    assert "Put back in the outbox: 1 of 1." in response.get_data(as_text=True)
    db.session.expire_all()
    assert note.status == NotificationStatus.PENDING
    resend = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "notification.resend")).one()
    assert resend.object_id == str(note.id)

    smtp.start()
    deliver_due(now=utcnow())  # the resend happened now, on the real clock
    db.session.expire_all()
    assert note.status == NotificationStatus.SENT
    assert len(smtp.inbox.messages) == 1
    assert re.search(FAILED_CARD % 0, manager.get("/").get_data(as_text=True), re.S)


def _retry_until_it_gives_up(note, now):
    """Run the delivery job at each next attempt until the outbox gives up; return that moment."""
    moment = now
    while note.status == NotificationStatus.PENDING:
        assert moment < now + timedelta(hours=73), "the outbox never gave up"
        deliver_due(now=moment)
        db.session.expire_all()
        moment = note.next_attempt_at or moment
    return moment


STATEMENT = "Trois annulations sans préavis en octobre."


@pytest.mark.parametrize(
    ("template", "context"),
    [
        (
            "restriction_started",
            {
                "reference": "R-1",
                "provider": "Marie",
                "reason": "cancellations",
                "restriction": SimpleNamespace(
                    started_at=datetime(2026, 11, 2, 10, tzinfo=UTC), statement=STATEMENT
                ),
            },
        ),
        (
            "vetting_rejected",
            {
                "reference": "V-1",
                "provider": "Marie",
                "case": SimpleNamespace(reference="V-1"),
                "statement": STATEMENT,
            },
        ),
    ],
)
def test_a_statement_of_reasons_outlives_a_long_outage(smtp, now, template, context):
    note = services.queue_notification(
        recipient="provider@example.com", template=template, context=context, now=now
    )
    db.session.commit()
    _retry_until_it_gives_up(note, now)
    assert services.failed_count() == 1  # on the managers' home page, not dropped
    services.resend(note, actor="system:test", now=utcnow())
    db.session.commit()
    smtp.start()
    deliver_due(now=utcnow())
    db.session.expire_all()
    assert note.status == NotificationStatus.SENT
    assert len(smtp.inbox.messages) == 1
    delivered = message_from_bytes(smtp.inbox.messages[0].content, policy=email_policy.default)
    assert STATEMENT in delivered.get_content()


def test_only_a_failed_message_can_be_resent(now, app):
    note = _queue(now)
    with pytest.raises(services.NotFailed):
        services.resend(note, actor="system:test", now=now)
    assert db.session.get(Notification, note.id).status == NotificationStatus.PENDING
