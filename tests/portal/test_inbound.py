"""Inbound e-mail: the parser on real-world shapes, threading into the complaint (the paused clock
restarts), the triage queue, duplicates, auto-replies, the signed endpoint and the CLI."""

from __future__ import annotations

import time
from email.message import EmailMessage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText

import sqlalchemy as sa

from console.db import db, utcnow
from disputes.complaints.models import ComplaintEntry, EntryKind
from disputes.complaints.workflow import Status
from portal import inbound
from portal.models import InboundEmail, PortalAttachment
from tests.portal.helpers import PDF, complaint_in

CARD = "4111 1111 1111 1111"


def _message(text=None, *, html=None, sender="client@example.fr", to="support@ekoklean.fr", **headers):
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = f"Claire <{sender}>", to, "Re: votre réclamation"
    message["Message-ID"] = headers.pop("message_id", f"<{time.time_ns()}@mail.example.fr>")
    for key, value in headers.items():
        message[key.replace("_", "-")] = value
    if text is not None:
        message.set_content(text)
    if html is not None:
        if text is None:
            message.set_content(html, subtype="html")
        else:
            message.add_alternative(html, subtype="html")
    return message


def test_multipart_alternative_takes_the_text_part_and_strips_the_quoted_history():
    raw = _message(
        "Bonjour,\nLe vase est réparé finalement.\n\n"
        "Le 3 déc. 2026 à 10:02, Ekoklean <support@ekoklean.fr> a écrit :\n> Pouvez-vous préciser ?\n",
        html="<p>Bonjour,<br>Le vase est réparé finalement.</p>"
        "<blockquote>Pouvez-vous préciser ?</blockquote>",
    ).as_bytes()
    parsed = inbound.parse(raw)
    assert parsed.text == "Bonjour,\nLe vase est réparé finalement."
    assert parsed.auto is False and parsed.sender == "client@example.fr"


def test_html_only_is_turned_into_text_without_quotes():
    raw = _message(
        html="<html><head><style>p{}</style></head><body><div>Merci &amp; bonne journée</div>"
        "<blockquote>old</blockquote><script>x()</script></body></html>"
    ).as_bytes()
    assert inbound.parse(raw).text == "Merci & bonne journée"


def test_quoted_printable_and_iso_8859_1():
    part = MIMEText("Réponse: le ménage était très bien fait, merci à l'équipe.\n", "plain", "iso-8859-1")
    outer = MIMEMultipart()
    outer["From"], outer["To"], outer["Subject"] = (
        "client@example.fr",
        "support@ekoklean.fr",
        "=?iso-8859-1?q?R=E9ponse?=",
    )
    outer["Message-ID"] = "<qp-latin1@example.fr>"
    outer.attach(part)
    raw = outer.as_bytes()
    parsed = inbound.parse(raw)
    assert parsed.text == "Réponse: le ménage était très bien fait, merci à l'équipe."
    assert parsed.subject == "Réponse"
    qp = (
        b"From: client@example.fr\r\nTo: support@ekoklean.fr\r\nSubject: qp\r\n"
        b"Message-ID: <qp@example.fr>\r\n"
        b"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=iso-8859-1\r\n"
        b"Content-Transfer-Encoding: quoted-printable\r\n\r\nLe vase =E9tait d=E9j=E0 f=EAl=E9, une tr=\r\n"
        b"=E8s longue ligne coup=E9e.\r\n"
    )
    assert inbound.parse(qp).text == "Le vase était déjà fêlé, une très longue ligne coupée."


def test_a_forwarded_message_keeps_what_was_forwarded():
    text = (
        "Voici l'échange avec le prestataire.\n\n---------- Forwarded message ---------\n"
        "From: Prestataire <p@example.fr>\nDate: 2 déc. 2026\nSubject: vase\n\nJe rembourserai le vase.\n"
    )
    parsed = inbound.parse(_message(text).as_bytes())
    assert "Voici l'échange" in parsed.text and "Je rembourserai le vase." in parsed.text


def test_auto_replies_are_recognised():
    assert inbound.parse(_message("Je suis absent.", Auto_Submitted="auto-replied").as_bytes()).auto
    assert inbound.parse(_message("Absent", Precedence="bulk").as_bytes()).auto
    assert not inbound.parse(_message("Bonjour", Auto_Submitted="no").as_bytes()).auto


def test_a_reply_is_threaded_as_the_clients_message_and_restarts_the_clock(app):
    complaint = complaint_in("waiting_on_client")
    address = inbound.reply_address_for(complaint.reference)
    message = _message(f"Voici ma carte {CARD} et la photo.", sender=complaint.client.email, to=address)
    message.add_attachment(PDF, maintype="application", subtype="pdf", filename="facture.pdf")
    message.add_attachment(
        b"MZ\x90\x00evil", maintype="application", subtype="octet-stream", filename="x.exe"
    )
    row = inbound.receive(message.as_bytes(), now=utcnow())
    assert row.status == "threaded" and row.complaint_id == complaint.id
    entry = db.session.get(ComplaintEntry, row.entry_id)
    assert entry.kind == EntryKind.FROM_CLIENT
    assert CARD not in entry.body and "[card ••••1111]" in entry.body and CARD not in row.body
    assert complaint.status == Status.IN_PROGRESS  # the paused clock runs again
    files = db.session.scalars(sa.select(PortalAttachment).where(PortalAttachment.entry_id == entry.id)).all()
    assert len(files) == 1  # the executable was refused by the upload checks, the PDF kept
    assert inbound.receive(message.as_bytes(), now=utcnow()) is None  # same Message-ID: nothing changes
    assert (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(ComplaintEntry)
            .where(ComplaintEntry.complaint_id == complaint.id, ComplaintEntry.kind == EntryKind.FROM_CLIENT)
        )
        == 1
    )


def test_the_provider_reply_is_the_providers_message():
    complaint = complaint_in("waiting_on_provider")
    address = inbound.reply_address_for(complaint.reference)
    row = inbound.receive(
        _message("Je passe demain.", sender=complaint.provider.email, to=address).as_bytes(), now=utcnow()
    )
    assert db.session.get(ComplaintEntry, row.entry_id).kind == EntryKind.FROM_PROVIDER
    assert complaint.status == Status.IN_PROGRESS


def test_what_does_not_match_goes_to_triage_and_is_never_lost():
    complaint = complaint_in("waiting_on_client")
    good = inbound.reply_address_for(complaint.reference)
    forged = good.replace(good.split(".")[1][:10], "0" * 10)
    cases = {
        "no_reference": _message("Bonjour", sender=complaint.client.email),
        "bad_tag": _message("Bonjour", sender=complaint.client.email, to=forged),
        "unknown_sender": _message("Bonjour", sender="stranger@example.fr", to=good),
        "no_text": _message(None, sender=complaint.client.email, to=good),
    }
    cases["no_text"].add_attachment(PDF, maintype="application", subtype="pdf", filename="a.pdf")
    for reason, message in cases.items():
        row = inbound.receive(message.as_bytes(), now=utcnow())
        assert (row.status, row.reason) == ("triage", reason), reason
    big = _message("x" * 200, sender=complaint.client.email, to=good).as_bytes() + b"y" * inbound.MAX_BYTES
    row = inbound.receive(big, now=utcnow())
    assert (row.status, row.reason) == ("triage", "too_large") and row.size > inbound.MAX_BYTES
    assert {r.id for r in inbound.triage_queue()} >= {row.id}
    assert complaint.status == Status.WAITING_ON_CLIENT  # nothing was threaded
    auto = inbound.receive(
        _message("Absent", sender=complaint.client.email, to=good, Auto_Submitted="auto-replied").as_bytes(),
        now=utcnow(),
    )
    assert auto.status == "ignored" and auto not in inbound.triage_queue()


def _post(client, raw: bytes, *, key=None, timestamp=None):
    timestamp = int(time.time()) if timestamp is None else timestamp
    signature = inbound.sign(raw, timestamp, key or inbound.secret())
    return client.post(
        "/inbound/email",
        data=raw,
        content_type="message/rfc822",
        headers={"X-Inbound-Timestamp": str(timestamp), "X-Inbound-Signature": signature},
    )


def test_the_endpoint_needs_the_shared_secret_signature(app, client):
    complaint = complaint_in("waiting_on_client")
    db.session.commit()
    raw = _message(
        "Réponse signée", sender=complaint.client.email, to=inbound.reply_address_for(complaint.reference)
    ).as_bytes()
    with app.app_context():
        assert _post(client, raw, key=b"wrong").status_code == 401
        assert _post(client, raw, timestamp=int(time.time()) - 3600).status_code == 401
        assert client.post("/inbound/email", data=raw).status_code == 401
        assert db.session.scalar(sa.select(sa.func.count()).select_from(InboundEmail)) == 0
        response = _post(client, raw)
        assert response.status_code == 202 and response.get_data(as_text=True) == "threaded\n"
        assert _post(client, raw).get_data(as_text=True) == "duplicate\n"


def test_flask_inbound_eml_feeds_a_file(app, tmp_path):
    complaint = complaint_in("waiting_on_client")
    db.session.commit()
    path = tmp_path / "reply.eml"
    path.write_bytes(
        _message(
            "Par fichier", sender=complaint.client.email, to=inbound.reply_address_for(complaint.reference)
        ).as_bytes()
    )
    result = app.test_cli_runner().invoke(args=["inbound", "eml", str(path)])
    assert result.exit_code == 0 and f"threaded into {complaint.reference}" in result.output
    again = app.test_cli_runner().invoke(args=["inbound", "eml", str(path)])
    assert "duplicate" in again.output
