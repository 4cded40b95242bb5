"""A complaint message goes out over a real SMTP server with its Reply-To and its link; the client's
e-mail reply to that Reply-To comes back through the inbound endpoint into the same complaint."""

from __future__ import annotations

import time
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
import sqlalchemy as sa

from console.db import db, utcnow
from console.notifications import services as outbox
from console.notifications.models import Notification, NotificationStatus
from disputes.complaints import services as complaints
from disputes.complaints.models import ComplaintEntry, EntryKind
from disputes.complaints.workflow import Status
from portal import inbound
from tests.factories import make_staff
from tests.notifications.test_outbox import smtp_server  # noqa: F401 - the fixture
from tests.portal.helpers import complaint_in

pytestmark = pytest.mark.committed


def test_the_reply_to_of_a_sent_message_threads_the_reply_back(app, client, smtp_server):  # noqa: F811
    controller, inbox = smtp_server
    agent = make_staff("support_agent")
    complaint = complaint_in("in_progress", agent=agent)
    entry = complaints.send_message(
        complaint, to="to_client", body="Une photo du vase ?", actor=agent, now=utcnow()
    )
    complaints.transition(complaint, "wait_on_client", actor=agent, now=utcnow())
    note = db.session.get(Notification, entry.notification_id)
    assert note.reply_to == inbound.reply_address_for(complaint.reference)
    assert note.reply_to.startswith(f"support+{complaint.reference}.")
    assert "/portal/" in note.body and "répondre à cet e-mail" in note.body
    app.config["SMTP_URL"] = f"smtp://{controller.hostname}:{controller.port}"
    try:
        assert outbox.deliver(note, now=utcnow()) == NotificationStatus.SENT
    finally:
        app.config["SMTP_URL"] = ""
    sent = message_from_bytes(inbox.messages[0].content, policy=policy.default)
    assert sent["Reply-To"] == note.reply_to
    db.session.commit()

    reply = EmailMessage()
    reply["From"], reply["To"] = complaint.client.email, sent["Reply-To"]
    reply["Subject"], reply["Message-ID"] = "Re: " + sent["Subject"], f"<{time.time_ns()}@client.example.fr>"
    reply["In-Reply-To"] = sent["Message-ID"]
    reply.set_content("La voici.\n\n> Une photo du vase ?\n")
    raw = reply.as_bytes()
    stamp = int(time.time())
    signature = inbound.sign(raw, stamp, inbound.secret())
    response = client.post(
        "/inbound/email", data=raw, content_type="message/rfc822",
        headers={"X-Inbound-Timestamp": str(stamp), "X-Inbound-Signature": signature},
    )  # fmt: skip
    assert response.get_data(as_text=True) == "threaded\n"
    db.session.rollback()
    received = db.session.scalar(
        sa.select(ComplaintEntry).where(
            ComplaintEntry.complaint_id == complaint.id, ComplaintEntry.kind == EntryKind.FROM_CLIENT
        )
    )
    assert received.body == "La voici."
    assert db.session.get(type(complaint), complaint.id).status == Status.IN_PROGRESS
