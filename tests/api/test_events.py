"""Domain events: written once per change, in its transaction, with a sequence per provider; the
eligibility change published once, computed from the one bookable rule."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa

from api.eligibility import reporting
from api.eligibility.models import ProviderEligibility
from console import events
from console.business_time import paris_today
from console.db import db, utcnow
from console.events import IntegrationEvent
from disputes.complaints import services as complaints
from insurance import services as insurance
from insurance import sweep as insurance_sweep
from restrictions import services as restrictions
from reviews import services as reviews
from tests.factories import make_booking, make_complaint, make_policy, make_provider, make_staff
from tests.vetting.conftest import pass_all_checks
from vetting import services as vetting

JOB_ACTOR = "system:tests"


def _events(provider_id=None, type=None) -> list[IntegrationEvent]:
    query = sa.select(IntegrationEvent).order_by(IntegrationEvent.id)
    if provider_id is not None:
        query = query.where(IntegrationEvent.provider_id == provider_id)
    if type is not None:
        query = query.where(IntegrationEvent.type == type)
    return list(db.session.scalars(query))


def _types(provider_id) -> list[str]:
    return [e.type for e in _events(provider_id)]


@pytest.fixture
def manager():
    return make_staff("manager")


def test_a_confirmed_restriction_makes_the_provider_not_bookable_once_and_lifting_it_bookable(manager, now):
    provider = make_provider()
    proposal = restrictions.propose_restriction(
        provider, reason_code="insurance_lapsed", actor=JOB_ACTOR, now=now
    )
    assert _events(provider.id) == []  # a proposal decides nothing
    restriction = restrictions.confirm_proposal(proposal, actor=manager, now=now)
    assert _types(provider.id) == [events.RESTRICTION_CONFIRMED, events.ELIGIBILITY_CHANGED]
    change = _events(provider.id, events.ELIGIBILITY_CHANGED)[0]
    assert change.payload == {
        "provider": provider.reference,
        "bookable": False,
        "reasons": ["restricted:insurance_lapsed"],
        "since": now.isoformat(),
    }
    later = now + timedelta(hours=3)
    restrictions.lift_restriction(restriction, reason="Policy verified.", actor=manager, now=later)
    assert _types(provider.id)[2:] == [events.RESTRICTION_LIFTED, events.ELIGIBILITY_CHANGED]
    lifted = _events(provider.id, events.ELIGIBILITY_CHANGED)[1].payload
    assert lifted["bookable"] is True and lifted["reasons"] == []
    assert [e.sequence for e in _events(provider.id)] == [1, 2, 3, 4]
    assert reporting.eligibility_of(provider.id) == reporting.Eligibility(provider.reference, True, [], later)


def test_a_second_restriction_changes_the_reasons_but_lifting_one_keeps_the_provider_not_bookable(
    manager, now
):
    provider = make_provider()
    first = restrictions.restrict_provider(
        provider, reason_code="terms_breach", statement="Breach of the terms.", actor=manager, now=now
    )
    restrictions.restrict_provider(
        provider, reason_code="insurance_lapsed", statement="No insurance.", actor=manager, now=now
    )
    restrictions.lift_restriction(first, reason="Settled.", actor=manager, now=now)
    changes = [e.payload["reasons"] for e in _events(provider.id, events.ELIGIBILITY_CHANGED)]
    assert changes == [
        ["restricted:terms_breach"],
        ["restricted:terms_breach", "restricted:insurance_lapsed"],
        ["restricted:insurance_lapsed"],
    ]
    assert not reporting.eligibility_of(provider.id).bookable


def test_an_approval_publishes_vetting_approved_and_the_provider_becomes_bookable():
    from tests.factories import make_applicant, make_verified_policy

    now = utcnow()  # the policy covers the real today
    provider, case = make_applicant()
    make_verified_policy(provider)
    pass_all_checks(case, make_staff("vetting_officer"))
    vetting.approve_case(case, actor=make_staff("vetting_officer"), now=now)
    assert _types(provider.id) == [events.VETTING_APPROVED, events.ELIGIBILITY_CHANGED]
    approved = _events(provider.id)[0].payload
    assert approved["case"] == case.reference and approved["provider"] == provider.reference
    eligibility = db.session.get(ProviderEligibility, provider.id)
    assert (eligibility.bookable, eligibility.reasons, eligibility.since) == (True, [], now)


def test_a_rejection_publishes_vetting_rejected_without_the_reason(now):
    from tests.factories import make_applicant

    provider, case = make_applicant()
    pass_all_checks(case, make_staff("vetting_officer"))
    vetting.reject_case(
        case, reason="criminal_record", statement=None, actor=make_staff("vetting_officer"), now=now
    )
    assert _types(provider.id) == [events.VETTING_REJECTED, events.ELIGIBILITY_CHANGED]
    assert "criminal" not in str(_events(provider.id)[0].payload)
    assert _events(provider.id)[1].payload["reasons"] == ["vetting_rejected"]


def test_the_insurance_sweep_publishes_a_lapse_once_and_a_verified_policy_restores(now):
    provider = make_provider()
    today = paris_today(now)
    make_policy(provider, starts_on=today - timedelta(days=400), ends_on=today - timedelta(days=2),
                verified_by=make_staff("vetting_officer"))  # fmt: skip
    insurance_sweep.sweep_policies(today=today, now=now)
    insurance_sweep.sweep_policies(today=today, now=now + timedelta(hours=1))
    # The lapse opens a proposal only: the provider stays bookable, no eligibility change.
    assert _types(provider.id) == [events.INSURANCE_LAPSED]
    assert _events(provider.id)[0].payload == {"provider": provider.reference, "on": today.isoformat()}
    policy = make_policy(provider, starts_on=today - timedelta(days=1), ends_on=today + timedelta(days=364))
    insurance.verify_policy(policy, actor=make_staff("vetting_officer"), now=now)
    insurance_sweep.sweep_policies(today=today, now=now + timedelta(hours=2))
    assert _types(provider.id) == [events.INSURANCE_LAPSED, events.INSURANCE_RESTORED]


def test_a_successor_verified_ahead_restores_on_its_first_day_through_the_sweep(now):
    provider, officer = make_provider(), make_staff("vetting_officer")
    today = paris_today(now)
    make_policy(provider, starts_on=today - timedelta(days=400), ends_on=today - timedelta(days=3),
                verified_by=officer)  # fmt: skip
    make_policy(
        provider,
        starts_on=today + timedelta(days=2),
        ends_on=today + timedelta(days=366),
        verified_by=officer,
    )  # fmt: skip  (verified now, starts in two days)
    lapsed = insurance_sweep.sweep_policies(today=today, now=now)
    assert lapsed.counts["lapsed"] == 1 and _types(provider.id) == [events.INSURANCE_LAPSED]
    insurance_sweep.sweep_policies(today=today + timedelta(days=1), now=now + timedelta(days=1))
    assert _types(provider.id) == [events.INSURANCE_LAPSED]  # still not covered
    restored = insurance_sweep.sweep_policies(today=today + timedelta(days=2), now=now + timedelta(days=2))
    assert restored.counts["lapsed"] == 0 and restored.counts["proposals_closed"] == 1
    assert _types(provider.id) == [events.INSURANCE_LAPSED, events.INSURANCE_RESTORED]
    insurance_sweep.sweep_policies(today=today + timedelta(days=3), now=now + timedelta(days=3))
    assert _types(provider.id) == [events.INSURANCE_LAPSED, events.INSURANCE_RESTORED]  # once


def test_a_complaint_status_change_and_a_hidden_review_are_published(now):
    provider = make_provider()
    booking = make_booking(provider=provider)
    agent = make_staff("support_agent")
    complaint = make_complaint(booking=booking, actor=agent, now=now)
    complaints.transition(complaint, "triage", actor=agent, now=now)
    status = _events(provider.id, events.COMPLAINT_STATUS_CHANGED)
    assert [e.payload["complaint"] for e in status] == [complaint.reference]
    assert status[0].payload["previous_status"] == "new"
    review = reviews.record_review(booking=booking, rating=1, text="Bof.", actor=JOB_ACTOR, now=now)
    reviews.moderate(review, "publish", actor=agent, now=now)
    reviews.moderate(review, "hide", actor=agent, now=now, reason_code="off_topic")
    hidden = _events(provider.id, events.REVIEW_HIDDEN)
    assert [e.payload for e in hidden] == [
        {"review": review.reference, "provider": provider.reference, "reason_code": "off_topic"}
    ]


def test_a_rolled_back_change_leaves_no_event(manager, now):
    provider = make_provider()
    db.session.commit()
    restrictions.restrict_provider(
        provider, reason_code="terms_breach", statement="Breach.", actor=manager, now=now
    )
    db.session.rollback()
    assert _events(provider.id) == []


def test_the_changes_feed_pages_by_cursor_in_order(manager, now):
    providers = [make_provider() for _ in range(3)]
    for n, provider in enumerate(providers):
        restrictions.restrict_provider(
            provider,
            reason_code="terms_breach",
            statement="Breach.",
            actor=manager,
            now=now + timedelta(minutes=n),
        )
    first = reporting.changes_after(None, limit=2)
    assert [c.provider for c in first.items] == [providers[0].reference, providers[1].reference]
    second = reporting.changes_after(first.next_cursor, limit=2)
    assert [c.provider for c in second.items] == [providers[2].reference]
    assert [c.bookable for c in first.items + second.items] == [False, False, False]
    empty = reporting.changes_after(second.next_cursor, limit=2)
    assert empty.items == [] and empty.next_cursor == second.next_cursor


@pytest.mark.parametrize("cursor", ["nonsense!", "ZXZpbA", "e"])
def test_a_cursor_the_feed_did_not_give_is_refused(cursor):
    from api.eligibility.workflow import BadCursor

    with pytest.raises(BadCursor):
        reporting.changes_after(cursor)


def test_eligibility_of_an_unknown_provider_is_none():
    assert reporting.eligibility_of(999_999) is None


@pytest.mark.committed
def test_concurrent_events_of_one_provider_get_distinct_consecutive_sequences(app, queue_redis):
    provider = make_provider()
    db.session.commit()
    provider_id, errors = provider.id, []

    def publish_some() -> None:
        try:
            with app.app_context():
                for _ in range(5):
                    events.publish(
                        events.VETTING_APPROVED, provider_id=provider_id, payload={"case": "x"}, now=utcnow()
                    )
                    db.session.commit()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=publish_some) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    db.session.commit()  # a fresh snapshot
    assert len(_events(provider_id, events.VETTING_APPROVED)) == 30
    assert len(_events(provider_id, events.ELIGIBILITY_CHANGED)) == 1  # not vetted -> bookable, once
    assert sorted(e.sequence for e in _events(provider_id)) == list(range(1, 32))
