"""Announcing a significant policy version to every active client: chunks written by jobs.

Each chunk is one transaction: it claims the next clients by id (keyset), one `PolicyNotice` per
(version, client) under a unique key, writes their outbox rows with send slots spread at the
SMTP rate, and moves the campaign's cursor. A worker killed mid-chunk commits nothing; the
minute sweep restarts a campaign that stopped moving, and the unique key keeps every client to
one message whatever runs twice.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.dialects import postgresql, sqlite

from console import links
from console.audit import services as audit
from console.db import db
from console.domain import DomainError, _
from console.notifications.models import Notification, NotificationStatus
from console.notifications.services import render_in, retry_window
from marketplace.models import Client
from policy import reporting, workflow
from policy.models import PolicyCampaign, PolicyNotice, PolicyVersion
from policy.workflow import CampaignStatus, VersionStatus

TEMPLATE = "policy_version_changed"
ACK_MARK = "\x00acknowledge-url\x00"  # rendered once per language, replaced by each client's link
STALE_AFTER = timedelta(minutes=2)  # a running campaign that has not moved for this long is restarted


def start_campaign(version: PolicyVersion, *, actor: Any, now: datetime) -> PolicyCampaign:
    """Announce a published significant version to every active client, before it takes effect."""
    from console.jobs import enqueue_after_commit
    from policy import jobs

    if version.status != VersionStatus.PUBLISHED or not version.significant:
        raise DomainError(_("Only a published significant version is announced to clients."))
    if now >= version.effective_at:
        raise DomainError(_("This version is already in effect: announce it before its effective date."))
    if db.session.scalar(sa.select(PolicyCampaign.id).where(PolicyCampaign.policy_version_id == version.id)):
        raise DomainError(_("This version is already being announced."))
    campaign = PolicyCampaign(
        policy_version_id=version.id,
        status=CampaignStatus.RUNNING,
        started_by_id=getattr(actor, "id", None),
        started_at=now,
        progressed_at=now,
        next_slot_at=now,
        audience=reporting.active_client_count(),
    )
    db.session.add(campaign)
    db.session.flush()
    audit.record(actor, "policy.announce", version, now=now, changes={"audience": campaign.audience})
    enqueue_after_commit(jobs.run_campaign_chunk, campaign.id)
    return campaign


def run_chunk(campaign_id: int, *, now: datetime, chunk_size: int | None = None) -> bool:
    """Write the next chunk of a campaign; True when more remain (the caller enqueues the next)."""
    size = chunk_size or current_app.config["POLICY_CAMPAIGN_CHUNK"]
    campaign = db.session.scalar(
        sa.select(PolicyCampaign).where(PolicyCampaign.id == campaign_id).with_for_update()
    )
    if campaign is None or campaign.status == CampaignStatus.DONE:
        return False
    recipients = db.session.execute(
        sa.select(Client.id, Client.email, Client.language)
        .where(reporting.active_client(), Client.id > campaign.cursor_client_id)
        .order_by(Client.id)
        .limit(size)
    ).all()
    claimed = _claim(campaign, recipients, now=now) if recipients else {}
    if claimed:
        _write_outbox(campaign, recipients, claimed, now=now)
    more = len(recipients) == size
    campaign.queued += len(claimed)
    campaign.chunks += 1
    campaign.progressed_at = now
    if recipients:
        campaign.cursor_client_id = max(campaign.cursor_client_id, recipients[-1].id)
    if not more:
        campaign.status, campaign.finished_at = CampaignStatus.DONE, now
        audit.record("system:policy.campaign", "policy.announced", campaign.policy_version, now=now,
                     changes={"queued": campaign.queued})  # fmt: skip
    db.session.flush()
    return more


def _claim(campaign: PolicyCampaign, recipients: list, *, now: datetime) -> dict[int, int]:
    """Claim (version, client) for the chunk's clients: {client id: notice id} of those claimed now."""
    insert = (postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite).insert
    source = sa.select(
        sa.literal(campaign.policy_version_id),
        Client.id,
        sa.literal(campaign.id),
        sa.literal(now, PolicyNotice.queued_at.type),
    ).where(
        reporting.active_client(),
        Client.id > campaign.cursor_client_id,
        Client.id <= recipients[-1].id,
    )
    statement = (
        insert(PolicyNotice)
        .from_select(["policy_version_id", "client_id", "campaign_id", "queued_at"], source)
        .on_conflict_do_nothing(index_elements=["policy_version_id", "client_id"])
        .returning(PolicyNotice.client_id, PolicyNotice.id)
    )
    return dict(db.session.execute(statement).all())


def _write_outbox(campaign: PolicyCampaign, recipients: list, claimed: dict[int, int], *, now: datetime):
    """One outbox row per claimed client, in their language, each at its send slot."""
    version, config = campaign.policy_version, current_app.config
    context = {
        "number": version.number,
        "effective_at": version.effective_at,
        "summary": version.summary,
        "url": f"{config['PUBLIC_BASE_URL'].rstrip('/')}/policy/versions/{version.number}",
        "acknowledge_url": ACK_MARK,  # each client's own signed link replaces the mark
    }
    messages: dict[str, tuple[str, str]] = {}
    rate = config["SMTP_MESSAGES_PER_MINUTE"]
    first = max(now, campaign.next_slot_at)  # after the previous chunk's last slot, never in the past
    retry_until = now + retry_window()
    rows = []
    wanted = [
        (client_id, claimed[client_id]) for client_id, _email, _language in recipients if client_id in claimed
    ]
    acknowledge = dict(
        zip(
            (notice_id for _client, notice_id in wanted),
            links.signed_links(
                "policy_ack", [(("client", c), ("PolicyNotice", n)) for c, n in wanted], now=now,
                actor="system:policy.campaign",
            ),
            strict=True,
        )
    )  # fmt: skip
    for client_id, email, language in recipients:
        notice_id = claimed.get(client_id)
        if notice_id is None:
            continue
        if language not in messages:
            messages[language] = render_in(TEMPLATE, context, language)
        subject, body = messages[language]
        body = body.replace(ACK_MARK, acknowledge.get(notice_id) or "")
        slot = first + timedelta(seconds=workflow.send_slot_seconds(len(rows), per_minute=rate))
        rows.append({
            "created_at": now, "recipient": email, "template": TEMPLATE, "subject": subject, "body": body,
            "related_type": "PolicyNotice", "related_id": str(notice_id),
            "status": NotificationStatus.PENDING, "attempts": 0, "next_attempt_at": slot,
            "retry_until": max(retry_until, slot + retry_window()),
        })  # fmt: skip
    db.session.execute(sa.insert(Notification), rows)
    campaign.next_slot_at = first + timedelta(seconds=workflow.send_slot_seconds(len(rows), per_minute=rate))


def resume_stalled(*, now: datetime) -> list[int]:
    """Campaigns still running that have not moved for a while (their worker died): their ids,
    marked as moving again, for the caller to enqueue their next chunk."""
    stalled = list(
        db.session.scalars(
            sa.select(PolicyCampaign)
            .where(
                PolicyCampaign.status == CampaignStatus.RUNNING,
                PolicyCampaign.progressed_at < now - STALE_AFTER,
            )
            .with_for_update(skip_locked=True)
        )
    )
    for campaign in stalled:
        campaign.progressed_at = now
    db.session.flush()
    return [campaign.id for campaign in stalled]
