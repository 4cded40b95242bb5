"""Signed links: made by services, stored as a digest, spent once where they submit a decision,
revoked when a new one is sent; the CLI prints the URL alone on its last line."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from console.audit.models import AuditEvent
from console.db import db, utcnow
from console.notifications.models import Notification
from portal import services
from portal.models import PortalLink
from portal.workflow import LinkRefused, LinkState
from tests.factories import make_client, make_provider, make_staff
from tests.portal.helpers import complaint_in


def test_a_link_stores_only_the_digest_of_a_long_random_token():
    provider = make_provider()
    link, token = services.create_link("certificate", provider, actor="system:tests", now=utcnow())
    assert len(token) >= 32  # 192 bits, URL-safe
    assert link.token_digest != token and token not in link.token_digest
    assert services.find_link(token) is link
    assert services.find_link(token + "x") is None and services.find_link("") is None
    assert link.person_kind.value == "provider" and link.person_id == provider.id
    assert link.expires_at - link.created_at == timedelta(days=30)
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "portal.link_create"))
    assert event.object_id == str(link.id) and token not in str(event.changes)


def test_a_client_purpose_is_refused_for_a_provider():
    with pytest.raises(LinkRefused):
        services.create_link("satisfaction", make_provider(), actor="system:tests", now=utcnow())


def test_a_single_use_link_is_spent_once():
    link, _ = services.create_link("certificate", make_provider(), actor="system:tests", now=utcnow())
    now = utcnow()
    services.spend(link, now=now)
    assert services.state_of(link, now) == LinkState.USED
    with pytest.raises(LinkRefused):
        services.spend(link, now=now)


def test_sending_a_new_link_revokes_the_earlier_one_and_queues_an_email():
    agent = make_staff("support_agent")
    complaint = complaint_in("waiting_on_client", agent=agent)
    client = complaint.client
    first, _ = services.create_link("complaint_reply", client, complaint, actor=agent, now=utcnow())
    second, token = services.send_link("complaint_reply", client, complaint, actor=agent, now=utcnow())
    assert first.revoked_at is not None and second.revoked_at is None
    note = db.session.scalar(sa.select(Notification).where(Notification.template == "portal_link"))
    assert note.recipient == client.email and services.url_of(token) in note.body
    assert "Utilisez ce lien personnel" in note.body  # the client's language, French


def test_the_open_record_is_found_for_each_purpose():
    complaint = complaint_in("waiting_on_client")
    assert services.open_record("complaint_reply", complaint.client) == complaint
    assert services.open_record("complaint_answer", complaint.provider) == complaint
    with pytest.raises(LinkRefused):
        services.open_record("satisfaction", complaint.client)  # not resolved yet
    with pytest.raises(LinkRefused):
        services.open_record("complaint_reply", make_client())


def test_ask_again_sends_only_to_the_address_of_the_person(app):
    provider = make_provider()
    old, token = services.create_link("certificate", provider, actor="system:tests", now=utcnow())
    assert services.ask_again("someone-else@example.fr", token=token, now=utcnow()) is False
    assert services.ask_again("nobody@example.fr", token=None, now=utcnow()) is False
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PortalLink)) == 1
    assert services.ask_again(provider.email.upper(), token=None, now=utcnow()) is True
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PortalLink)) == 2
    note = db.session.scalar(sa.select(Notification).where(Notification.template == "portal_link"))
    assert note.recipient == provider.email


def test_cli_prints_the_url_alone_on_its_last_line(app):
    complaint = complaint_in("waiting_on_client")
    db.session.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["portal", "link", complaint.client.reference, "--purpose", "complaint_reply"]
    )
    assert result.exit_code == 0, result.output
    url = result.output.strip().splitlines()[-1]
    assert re.fullmatch(r"http://[^ ]+/portal/[A-Za-z0-9_-]{32,}", url)
    link = services.find_link(url.rsplit("/", 1)[1])
    assert link.record_id == complaint.id and link.record_type == "Complaint"
    named = runner.invoke(
        args=["portal", "link", complaint.provider.reference, "--purpose", "complaint_answer",
              "--record", complaint.reference]
    )  # fmt: skip
    assert named.exit_code == 0 and "/portal/" in named.output.splitlines()[-1]
    bad = runner.invoke(args=["portal", "link", "PRV-999999", "--purpose", "certificate"])
    assert bad.exit_code != 0 and "no provider or client" in bad.output
    wrong = runner.invoke(args=["portal", "link", complaint.client.reference, "--purpose", "certificate"])
    assert wrong.exit_code != 0


def test_a_link_to_a_policy_change_names_the_latest_notice_and_a_link_without_its_record_is_refused(
    app, client
):
    from policy import campaign
    from tests.policy.test_campaign import significant_version

    someone = make_client()
    with pytest.raises(LinkRefused):
        services.open_record("policy_ack", someone)  # told of nothing yet
    version, manager = significant_version()
    started = campaign.start_campaign(version, actor=manager, now=utcnow())
    campaign.run_chunk(started.id, now=utcnow())
    notice = services.open_record("policy_ack", someone)
    assert notice.client_id == someone.id and notice.policy_version_id == version.id
    orphan, token = services.create_link(
        "complaint_reply", someone, ("Complaint", 999_999), actor="system:tests", now=utcnow()
    )  # a record that does not exist
    db.session.commit()
    assert client.get(f"/portal/{token}").status_code == 410
