"""Review moderation against the real database: publish, hide, restore, flags, rating alerts."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from console.db import db
from console.domain import DomainError
from console.notifications.models import Notification
from restrictions.models import Restriction, RestrictionProposal
from restrictions.workflow import Source
from reviews import services
from reviews.models import ModerationDecision, ReviewFlag, ReviewScan
from reviews.workflow import FlagRule, ModerationStatus
from tests.factories import make_booking, make_provider, make_staff


@pytest.fixture
def agent():
    return make_staff("support_agent")


def _review(now, *, rating=4, text="Très bien, ponctuelle.", provider=None, minutes=0):
    booking = make_booking(provider=provider)
    return services.record_review(
        booking=booking, rating=rating, text=text, actor="system:tests", now=now + timedelta(minutes=minutes)
    )


def test_publish_hide_and_restore_never_touch_the_text(agent, now):
    review = _review(now, text="Correct <b>mais</b> en retard")
    services.moderate(review, "publish", actor=agent, now=now)
    assert review.moderation_status == ModerationStatus.PUBLISHED
    with pytest.raises(DomainError, match="reason"):
        services.moderate(review, "hide", actor=agent, now=now)
    services.moderate(review, "hide", reason_code="off_topic", actor=agent, now=now)
    services.moderate(review, "restore", actor=agent, now=now)
    assert review.moderation_status == ModerationStatus.PUBLISHED
    assert review.text == "Correct <b>mais</b> en retard"
    events = db.session.scalars(sa.select(ModerationDecision.event).order_by(ModerationDecision.id)).all()
    assert events == ["publish", "hide", "restore"]


def test_hiding_tells_the_author_why(agent, now):
    review = _review(now)
    decision = services.moderate(review, "hide", reason_code="contact_details", actor=agent, now=now)
    note = db.session.get(Notification, decision.notification_id)
    assert note.recipient == review.client.email and note.template == "review_hidden"
    assert "coordonnées" in note.body and review.reference in note.subject  # the author reads French


def test_the_workflow_refuses_restoring_a_pending_review(agent, now):
    with pytest.raises(DomainError, match="cannot be restored"):
        services.moderate(_review(now), "restore", actor=agent, now=now)


def test_a_second_moderator_is_told_someone_else_decided(agent, now):
    review = _review(now)
    other = make_staff("support_agent", name="Camille Other")
    services.moderate(review, "publish", actor=other, now=now)
    with pytest.raises(services.AlreadyModerated, match="already published by Camille Other"):
        services.moderate(
            review, "hide", reason_code="insulting", actor=agent, now=now, expected_status="pending"
        )
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ModerationDecision)) == 1


def test_the_scan_flags_rule_matches_once(agent, now):
    clean = _review(now)
    contact = _review(now, text="Appelez-la au 06 12 34 56 78, moins cher sans la plateforme")
    rude = _review(now, text="Quelle arnaque, un vrai escroc")
    assert services.scan_reviews(now=now) == {"scanned": 3, "flagged": 2}
    rules = dict(db.session.execute(sa.select(ReviewFlag.review_id, ReviewFlag.rule)).all())
    assert rules == {contact.id: FlagRule.CONTACT_DETAILS, rude.id: FlagRule.INSULT}
    assert services.scan_reviews(now=now) == {"scanned": 0, "flagged": 0}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ReviewScan)) == 3
    assert clean.id not in rules


def test_a_user_report_and_moderation_close_the_flags(agent, now):
    review = _review(now)
    assert services.report_review(review, detail="Ce n'est pas moi qui ai écrit ça", actor=agent, now=now)
    assert services.report_review(review, detail="again", actor=agent, now=now) is None  # one open per rule
    services.moderate(review, "hide", reason_code="conflict_of_interest", actor=agent, now=now)
    assert services.open_flags(review.id) == []


def test_keeping_a_flagged_review_closes_its_flags(agent, now):
    review = _review(now)
    services.moderate(review, "publish", actor=agent, now=now)
    services.report_review(review, detail="Je n'aime pas", actor=agent, now=now)
    assert services.dismiss_flags(review, actor=agent, now=now) == 1
    with pytest.raises(DomainError, match="no open flag"):
        services.dismiss_flags(review, actor=agent, now=now)
    assert review.moderation_status == ModerationStatus.PUBLISHED


def test_a_low_average_over_the_last_ten_published_opens_a_quality_proposal(agent, now):
    provider = make_provider()
    reviews = [_review(now, rating=r, provider=provider, minutes=n) for n, r in enumerate([3] * 5 + [4] * 4)]
    for review in reviews:
        services.moderate(review, "publish", actor=agent, now=now)
    assert db.session.scalar(sa.select(RestrictionProposal)) is None  # only nine published
    last = _review(now, rating=3, provider=provider, minutes=20)
    services.moderate(last, "publish", actor=agent, now=now)  # 3.4 over the last ten
    proposal = db.session.scalar(sa.select(RestrictionProposal))
    assert proposal.provider_id == provider.id and proposal.source == Source.QUALITY
    assert proposal.reason_code == "low_rating" and "3.4" in proposal.evidence[0]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Restriction)) == 0
