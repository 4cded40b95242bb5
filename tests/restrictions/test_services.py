"""Restriction use cases against the real database, and jobs on a real RQ worker."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa
from rq import Queue
from rq.job import Job
from rq.registry import FailedJobRegistry

from console import jobs
from console.audit.models import AuditEvent
from console.auth.models import StaffUser
from console.db import db, is_write_conflict
from console.domain import DomainError
from console.notifications.models import Notification
from marketplace.models import Provider
from restrictions import services
from restrictions.models import Restriction, RestrictionProposal
from restrictions.workflow import PersonRequired, ProposalStatus, ReviewOutcome, Source
from tests.conftest import InProcessWorker
from tests.factories import make_provider, make_staff

JOB_ACTOR = "system:insurance-sweep"


@jobs.job()
def propose_from_job(provider_id: int) -> int:
    provider = db.session.get(Provider, provider_id)
    return services.propose_restriction(
        provider,
        reason_code="insurance_lapsed",
        actor=jobs.system_actor("insurance-sweep"),
        now=jobs_now(),
    ).id


@jobs.job()
def confirm_from_job(proposal_id: int, staff_id: int) -> None:
    """A job that tries to restrict, even holding a real staff member: must be refused."""
    proposal = db.session.get(RestrictionProposal, proposal_id)
    services.confirm_proposal(proposal, actor=db.session.get(StaffUser, staff_id), now=jobs_now())


@jobs.job()
def restrict_from_job(provider_id: int, staff_id: int) -> None:
    services.restrict_provider(
        db.session.get(Provider, provider_id),
        reason_code="terms_breach",
        statement="by a job",
        actor=db.session.get(StaffUser, staff_id),
        now=jobs_now(),
    )


@jobs.job()
def lift_from_job(restriction_id: int, staff_id: int) -> None:
    services.lift_restriction(
        db.session.get(Restriction, restriction_id),
        reason="by a job",
        actor=db.session.get(StaffUser, staff_id),
        now=jobs_now(),
    )


def jobs_now():
    from console.db import utcnow

    return utcnow()


def _work(queue_redis):
    InProcessWorker([Queue("default", connection=queue_redis)], connection=queue_redis).work(burst=True)


@pytest.fixture
def manager():
    return make_staff("manager")


@pytest.fixture
def proposal(now):
    return services.propose_restriction(
        make_provider(), reason_code="insurance_lapsed", actor=JOB_ACTOR, now=now
    )


def _restrictions(provider) -> list[Restriction]:
    return list(db.session.scalars(sa.select(Restriction).where(Restriction.provider_id == provider.id)))


def test_a_job_may_propose_with_a_prewritten_statement_and_deadline(queue_redis, now):
    provider = make_provider()
    db.session.commit()
    job = jobs.enqueue(propose_from_job, provider.id)
    _work(queue_redis)
    assert Job.fetch(job.id, connection=queue_redis).get_status() == "finished"
    proposal = db.session.scalar(
        sa.select(RestrictionProposal).where(RestrictionProposal.provider_id == provider.id)
    )
    assert proposal.status == ProposalStatus.OPEN and proposal.source == Source.INSURANCE
    assert "RC Pro" in proposal.statement and proposal.created_by == "system:insurance-sweep"
    assert proposal.due_at > proposal.created_at
    assert provider.is_bookable  # a proposal alone changes nothing for the provider


def test_proposing_twice_keeps_one_open_proposal(proposal, now):
    again = services.propose_restriction(
        proposal.provider, reason_code="insurance_lapsed", actor=JOB_ACTOR, now=now
    )
    assert again.id == proposal.id


@pytest.mark.parametrize("job_fn", [confirm_from_job, restrict_from_job])
def test_a_job_cannot_restrict_even_with_a_staff_member_in_hand(queue_redis, proposal, manager, job_fn):
    db.session.commit()
    args = (proposal.id, manager.id) if job_fn is confirm_from_job else (proposal.provider_id, manager.id)
    job = jobs.enqueue(job_fn, *args)
    _work(queue_redis)
    fetched = Job.fetch(job.id, connection=queue_redis)
    assert fetched.get_status() == "failed"
    assert job.id in FailedJobRegistry("default", connection=queue_redis)
    assert "PersonRequired" in fetched.latest_result().exc_string
    db.session.expire_all()
    assert _restrictions(proposal.provider) == []
    assert db.session.get(RestrictionProposal, proposal.id).status == ProposalStatus.OPEN


def test_a_job_cannot_lift(queue_redis, proposal, manager, now):
    restriction = services.confirm_proposal(proposal, actor=manager, now=now)
    db.session.commit()
    job = jobs.enqueue(lift_from_job, restriction.id, manager.id)
    _work(queue_redis)
    assert Job.fetch(job.id, connection=queue_redis).get_status() == "failed"
    db.session.expire_all()
    assert db.session.get(Restriction, restriction.id).active


@pytest.mark.parametrize("actor", [None, "system:sweep", "manager@ekoklean.fr"])
def test_no_person_no_restriction(proposal, actor, now):
    with pytest.raises(PersonRequired):
        services.confirm_proposal(proposal, actor=actor, now=now)
    with pytest.raises(PersonRequired):
        services.restrict_provider(
            proposal.provider, reason_code="other", statement="x", actor=actor, now=now
        )


def test_a_deactivated_manager_cannot_restrict(proposal, manager, now):
    manager.active = False
    with pytest.raises(PersonRequired):
        services.confirm_proposal(proposal, actor=manager, now=now)


def test_the_running_job_marker_refuses_inside_a_job(proposal, manager, now):
    token = jobs.running_job.set("some_sweep")
    try:
        with pytest.raises(PersonRequired, match="job"):
            services.confirm_proposal(proposal, actor=manager, now=now)
    finally:
        jobs.running_job.reset(token)


def test_confirming_restricts_notifies_and_audits(proposal, manager, now):
    provider = proposal.provider
    assert provider.is_bookable
    restriction = services.confirm_proposal(proposal, actor=manager, now=now + timedelta(minutes=5))
    db.session.flush()
    assert proposal.status == ProposalStatus.CONFIRMED and proposal.decided_by_id == manager.id
    assert proposal.restriction_id == restriction.id
    assert restriction.decided_by_id == manager.id and restriction.statement == proposal.statement
    assert not provider.is_bookable
    assert provider.not_bookable_reasons == ["restricted: insurance lapsed"]
    note = db.session.scalar(sa.select(Notification).where(Notification.template == "restriction_started"))
    assert note.recipient == provider.email
    assert proposal.statement in note.body and "réexamen" in note.body  # in the provider's French
    actions = list(db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.seq)))
    assert {"restriction.propose", "restriction.proposal_confirmed", "restriction.start"} <= set(actions)


def test_a_confirmed_proposal_cannot_be_confirmed_or_dismissed_again(proposal, manager, now):
    services.confirm_proposal(proposal, actor=manager, now=now)
    other = make_staff("manager", name="Other Manager")
    with pytest.raises(DomainError, match=f"already confirmed by {manager.full_name}"):
        services.confirm_proposal(proposal, actor=other, now=now)
    with pytest.raises(DomainError, match="already confirmed"):
        services.dismiss_proposal(proposal, actor=other, now=now)
    assert len(_restrictions(proposal.provider)) == 1


def test_a_stale_form_version_is_refused(proposal, manager, now):
    with pytest.raises(DomainError, match="changed by someone else"):
        services.confirm_proposal(proposal, actor=manager, now=now, expected_version=proposal.version + 1)


def test_dismissing_keeps_the_provider_bookable(proposal, manager, now):
    services.dismiss_proposal(proposal, actor=manager, now=now, note="certificate received by e-mail")
    assert proposal.status == ProposalStatus.DISMISSED and proposal.decision_note.startswith("certificate")
    assert proposal.provider.is_bookable and _restrictions(proposal.provider) == []


def test_roles_decide_by_source(now):
    officer, agent = make_staff("vetting_officer"), make_staff("support_agent")
    provider = make_provider()
    vetting = services.propose_restriction(
        provider, reason_code="revetting_overdue", actor=JOB_ACTOR, now=now
    )
    insurance = services.propose_restriction(
        provider, reason_code="insurance_lapsed", actor=JOB_ACTOR, now=now
    )
    with pytest.raises(PersonRequired, match="insurance"):
        services.confirm_proposal(insurance, actor=officer, now=now)
    with pytest.raises(PersonRequired):
        services.confirm_proposal(vetting, actor=agent, now=now)
    assert services.confirm_proposal(vetting, actor=officer, now=now).decided_by_id == officer.id


def test_review_is_decided_by_another_person(proposal, manager, now):
    restriction = services.confirm_proposal(proposal, actor=manager, now=now)
    agent, other = make_staff("support_agent"), make_staff("manager")
    with pytest.raises(DomainError, match="no review waiting"):
        services.decide_review(restriction, outcome=ReviewOutcome.LIFTED, reasons="x", actor=other, now=now)
    services.request_review(restriction, text="My new policy started on the 1st.", actor=agent, now=now)
    with pytest.raises(DomainError, match="already requested"):
        services.request_review(restriction, text="again", actor=agent, now=now)
    with pytest.raises(DomainError, match="someone other"):
        services.decide_review(restriction, outcome=ReviewOutcome.LIFTED, reasons="x", actor=manager, now=now)
    services.decide_review(
        restriction, outcome=ReviewOutcome.LIFTED, reasons="Policy verified.", actor=other, now=now
    )
    db.session.flush()
    assert not restriction.active and restriction.ended_by_id == other.id
    assert restriction.review_decided_by_id == other.id
    assert proposal.provider.is_bookable
    templates = set(db.session.scalars(sa.select(Notification.template)))
    assert "restriction_review_decided" in templates


def test_the_database_refuses_a_review_by_the_decider(proposal, manager, now):
    restriction = services.confirm_proposal(proposal, actor=manager, now=now)
    restriction.review_requested_at, restriction.review_request = now, "please"
    restriction.review_decided_by_id, restriction.review_decided_at = manager.id, now
    with pytest.raises(sa.exc.IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_lifting_ends_the_restriction_and_tells_the_provider(proposal, manager, now):
    restriction = services.confirm_proposal(proposal, actor=manager, now=now)
    services.lift_restriction(restriction, reason="A verified policy covers today.", actor=manager, now=now)
    db.session.flush()
    assert proposal.provider.is_bookable and restriction.ended_by_id == manager.id
    with pytest.raises(DomainError, match="already ended"):
        services.lift_restriction(restriction, reason="again", actor=manager, now=now)
    assert db.session.scalar(sa.select(Notification).where(Notification.template == "restriction_lifted"))


def test_manual_restriction_needs_a_manager_and_a_statement(manager, now):
    provider = make_provider()
    officer = make_staff("vetting_officer")
    with pytest.raises(PersonRequired):
        services.restrict_provider(
            provider, reason_code="terms_breach", statement="x", actor=officer, now=now
        )
    with pytest.raises(DomainError, match="statement of reasons"):
        services.restrict_provider(
            provider, reason_code="terms_breach", statement="  ", actor=manager, now=now
        )
    restriction = services.restrict_provider(
        provider,
        reason_code="terms_breach",
        statement="<script>alert(1)</script> Subcontracting.",
        actor=manager,
        now=now,
    )
    assert restriction.statement.startswith("<script>")  # stored as typed, escaped on screens
    assert not provider.is_bookable


def test_a_card_number_in_a_statement_is_redacted(manager, now):
    provider = make_provider()
    restriction = services.restrict_provider(
        provider,
        reason_code="other",
        statement="Paid outside the platform with 4970 1012 3456 7893.",
        actor=manager,
        now=now,
    )
    db.session.commit()
    assert "4970" not in restriction.statement and "[card ••••7893]" in restriction.statement
    stored = db.session.scalar(sa.select(Restriction.statement).where(Restriction.id == restriction.id))
    assert stored == restriction.statement
    note = db.session.scalar(
        sa.select(Notification.body).where(Notification.template == "restriction_started")
    )
    assert "4970 1012" not in note and "[card ••••7893]" in note
    event = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "privacy.card_number_redacted")
    )
    assert event.object_type == "Restriction" and event.object_id == str(restriction.id)
    assert event.changes == {"field": "statement", "count": 1} and event.actor == manager.email


@pytest.mark.committed
def test_two_managers_confirm_at_once_one_wins(app, now):
    with app.app_context():
        proposal = services.propose_restriction(
            make_provider(), reason_code="insurance_lapsed", actor=JOB_ACTOR, now=now
        )
        first, second = make_staff("manager"), make_staff("manager")
        db.session.commit()
        ids = proposal.id, first.id, second.id
    barrier, outcomes = threading.Barrier(2), []

    def decide(staff_id: int) -> None:
        with app.app_context():
            proposal = db.session.get(RestrictionProposal, ids[0])
            staff = db.session.get(StaffUser, staff_id)
            barrier.wait()
            try:
                services.confirm_proposal(proposal, actor=staff, now=now)
                db.session.commit()
                outcomes.append("won")
            except Exception as exc:  # noqa: BLE001 - classified below
                db.session.rollback()
                conflict = isinstance(exc, DomainError) or is_write_conflict(exc)
                outcomes.append("conflict" if conflict else repr(exc))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=decide, args=(staff_id,)) for staff_id in ids[1:]]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["conflict", "won"]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Restriction)) == 1


def test_a_review_of_an_ended_restriction_cannot_be_decided(proposal, manager, now):
    restriction = services.confirm_proposal(proposal, actor=manager, now=now)
    agent, other = make_staff("support_agent"), make_staff("manager")
    services.request_review(restriction, text="please", actor=agent, now=now)
    services.lift_restriction(restriction, reason="Policy verified.", actor=manager, now=now)
    with pytest.raises(DomainError, match="already ended"):
        services.decide_review(restriction, outcome=ReviewOutcome.LIFTED, reasons="x", actor=other, now=now)
    assert restriction.ended_by_id == manager.id


def test_evidence_and_notes_never_keep_card_numbers(manager, now):
    proposal = services.propose_restriction(
        make_provider(),
        reason_code="safety_complaint",
        actor=JOB_ACTOR,
        now=now,
        evidence=["complaint CPL-12: client paid with 4111 1111 1111 1111"],
    )
    assert proposal.evidence == ["complaint CPL-12: client paid with [card ••••1111]"]
    with pytest.raises(DomainError, match="too long"):
        services.dismiss_proposal(proposal, actor=manager, now=now, note="n" * 1990 + " 4111111111111111")
    services.dismiss_proposal(proposal, actor=manager, now=now, note="paid by 4111111111111111")
    assert proposal.decision_note == "paid by [card ••••1111]"


def test_every_decision_is_audited_with_before_and_after(proposal, manager, now):
    restriction = services.confirm_proposal(proposal, actor=manager, now=now)
    services.lift_restriction(restriction, reason="Policy verified.", actor=manager, now=now)
    events = {e.action: e.shown_changes for e in db.session.scalars(sa.select(AuditEvent))}
    assert events["restriction.proposal_confirmed"]["status"] == {"before": "open", "after": "confirmed"}
    assert events["restriction.start"]["statement"] == proposal.statement
    assert events["restriction.lift"]["end_reason"]["after"] == "Policy verified."
