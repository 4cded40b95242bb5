"""The subject access export and erasure include what the portal holds: the links made for the
person and the e-mails they sent (registered by the portal, read by privacy)."""

from __future__ import annotations

from console.db import db, utcnow
from portal import inbound, services
from portal.models import InboundEmail
from privacy import services as privacy
from tests import factories
from tests.portal.helpers import complaint_in
from tests.portal.test_inbound import _message


def test_the_export_and_erasure_cover_links_and_inbound_e_mails(app):
    complaint = complaint_in("waiting_on_client")
    client = complaint.client
    services.make_link("complaint_reply", client, complaint, now=utcnow())
    sent = inbound.receive(
        _message("Mon numéro de porte est le 12 bis, Zéphyrine-Unique.", sender=client.email,
                 to=inbound.reply_address_for(complaint.reference)).as_bytes(),
        now=utcnow(),
    )  # fmt: skip
    db.session.flush()
    data = privacy.export("client", client.id, now=utcnow())
    assert [link["purpose"] for link in data["portal_links"]] == ["complaint_reply"]
    assert "token_digest" not in data["portal_links"][0]
    assert "Zéphyrine-Unique" in data["inbound_emails"][0]["body"]

    manager, other = factories.make_staff("manager"), factories.make_staff("manager")
    request = privacy.open_request(kind="erasure", reference=client.reference, requested_by="La cliente",
                                   identity_check="pièce d'identité", received_at=utcnow(), actor=manager,
                                   now=utcnow())  # fmt: skip
    counts = privacy.erase(request, actor=other, now=utcnow())
    assert counts["inbound_emails_erased"] == 1
    db.session.expire_all()
    row = db.session.get(InboundEmail, sent.id)
    assert "Zéphyrine" not in row.body and client.email not in row.sender
