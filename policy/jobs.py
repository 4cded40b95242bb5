"""RQ entry points of policy announcements: take ids, safe to run twice."""

from __future__ import annotations

from console.db import utcnow
from console.jobs import enqueue_after_commit, job
from policy import campaign


@job(timeout=600)
def run_campaign_chunk(campaign_id: int) -> bool:
    """Write one chunk of a campaign, then queue the next (after commit)."""
    more = campaign.run_chunk(campaign_id, now=utcnow())
    if more:
        enqueue_after_commit(run_campaign_chunk, campaign_id)
    return more


@job(timeout=120)
def resume_campaigns() -> int:
    """Every minute: restart campaigns whose worker died mid-chunk."""
    ids = campaign.resume_stalled(now=utcnow())
    for campaign_id in ids:
        enqueue_after_commit(run_campaign_chunk, campaign_id)
    return len(ids)
