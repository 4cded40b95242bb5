"""Policy register, verification and the daily sweep against the real database and Redis."""

from __future__ import annotations

import io
import threading
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from rq import Queue
from rq.job import Job

from console import jobs
from console import validation as v
from console.audit.models import AuditEvent
from console.db import db
from console.domain import DomainError
from console.notifications.models import Notification
from insurance import jobs as insurance_jobs
from insurance import services
from insurance import sweep as insurance_sweep
from insurance.models import InsurancePolicy, InsuranceSweep, PolicyReminder
from insurance.workflow import InsuranceStatus, Verification
from restrictions import services as restrictions
from restrictions.models import RestrictionProposal
from restrictions.workflow import ProposalStatus
from tests.conftest import InProcessWorker
from tests.factories import make_provider, make_staff

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
TODAY = date(2026, 11, 2)


def _fields(provider, **overrides):
    return {
        "insurer": "AXA France",
        "policy_number": f"RCP-{provider.id:07d}",
        "insured_name": provider.legal_name,
        "insured_siret": provider.siret,
        "activities": ["regular_cleaning"],
        "coverage_per_claim_cents": 200_000_000,
        "deductible_cents": 30_000,
        "starts_on": TODAY - timedelta(days=300),
        "ends_on": TODAY + timedelta(days=65),
    } | overrides


def _certificate():
    """An uploaded certificate: a policy is verified against it."""
    return (io.BytesIO(PDF), "attestation.pdf")


def _policy(provider, officer, *, verified=True, now, **overrides):
    policy = services.register_policy(
        provider,
        fields=_fields(provider, **overrides),
        certificate=_certificate(),
        actor="system:tests",
        now=now,
    )
    if verified:
        services.verify_policy(policy, actor=officer, now=now)
    return policy


@pytest.fixture
def officer():
    return make_staff("vetting_officer")


def test_a_policy_is_registered_with_its_certificate(now, app):
    provider = make_provider()
    policy = services.register_policy(
        provider,
        fields=_fields(provider),
        certificate=(io.BytesIO(PDF), "c.pdf"),
        actor="system:tests",
        now=now,
    )
    assert (
        policy.verification == Verification.PENDING and policy.certificate.content_type == "application/pdf"
    )
    assert services.provider_status(provider.id, TODAY) == InsuranceStatus.NONE  # not verified yet


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"insured_siret": "73282932000074"}, "differs"),
        ({"insured_siret": "123"}, "SIRET"),
        ({"ends_on": TODAY - timedelta(days=400)}, "end date is before"),
        ({"coverage_per_claim_cents": 0}, "coverage"),
        ({"coverage_per_claim_cents": -5}, "coverage"),
        ({"coverage_per_claim_cents": 1.5}, "coverage"),
        ({"deductible_cents": -1}, "deductible"),
        ({"policy_number": "  "}, "policy number"),
        ({"starts_on": "2026-01-01"}, "dates"),
    ],
)
def test_bad_policies_are_refused_and_nothing_is_saved(overrides, message, now):
    provider = make_provider()
    with pytest.raises(DomainError, match=message):
        services.register_policy(
            provider, fields=_fields(provider, **overrides), certificate=None, actor="system:tests", now=now
        )
    assert db.session.scalar(sa.select(sa.func.count()).select_from(InsurancePolicy)) == 0


def test_a_policy_number_belongs_to_one_provider(now):
    first, second = make_provider(), make_provider()
    services.register_policy(
        first, fields=_fields(first, policy_number="RCP 42"), certificate=None, actor="system:tests", now=now
    )
    with pytest.raises(v.InvalidField, match="another provider"):
        services.register_policy(
            second,
            fields=_fields(second, policy_number="rcp42"),
            certificate=None,
            actor="system:tests",
            now=now,
        )


def test_a_fake_pdf_is_refused_and_no_file_is_left(now, app, tmp_path):
    from pathlib import Path

    provider = make_provider()
    before = {p for p in Path(app.config["FILES_DIR"]).rglob("*") if p.is_file()}
    with pytest.raises(DomainError, match="PDF, JPEG or PNG"):
        services.register_policy(
            provider,
            fields=_fields(provider),
            actor="system:tests",
            now=now,
            certificate=(io.BytesIO(b"<html><script>alert(1)</script>"), "cert.pdf"),
        )
    assert {p for p in Path(app.config["FILES_DIR"]).rglob("*") if p.is_file()} == before


def test_a_stored_file_is_removed_when_the_transaction_rolls_back(now, app):
    from pathlib import Path

    from console.files import services as files

    stored = files.store_upload(io.BytesIO(PDF), "c.pdf", actor="system:tests", now=now)
    path = Path(app.config["FILES_DIR"]) / stored.storage_name[:2] / stored.storage_name
    assert path.read_bytes() == PDF
    db.session.rollback()
    assert not path.exists()


@pytest.mark.parametrize(("data", "message"), [(b"", "empty"), (b"x" * (10 * 1024 * 1024 + 1), "larger")])
def test_empty_and_oversized_uploads_are_refused(data, message, now):
    from console.files import services as files

    with pytest.raises(DomainError, match=message):
        files.store_upload(io.BytesIO(data), "c.pdf", actor="system:tests", now=now)


def test_verification_is_by_a_person_and_only_once(officer, now):
    provider = make_provider()
    policy = _policy(provider, officer, verified=False, now=now)
    with pytest.raises(DomainError, match="named staff member"):
        services.verify_policy(policy, actor="system:sweep", now=now)
    services.verify_policy(policy, actor=officer, now=now)
    with pytest.raises(DomainError, match="already verified"):
        services.reject_policy(policy, reason="bad", actor=make_staff("manager"), now=now)
    assert services.provider_status(provider.id, TODAY) == InsuranceStatus.VALID


def test_a_rejection_needs_a_reason(officer, now):
    policy = _policy(make_provider(), officer, verified=False, now=now)
    with pytest.raises(DomainError, match="reason"):
        services.reject_policy(policy, reason=" ", actor=officer, now=now)
    services.reject_policy(policy, reason="Certificate unreadable.", actor=officer, now=now)
    assert policy.verification == Verification.REJECTED


def _sweep(day, now):
    """One day's sweep, then its reminders written (the job the sweep enqueues)."""
    sweep = insurance_sweep.sweep_policies(today=day, now=now)
    insurance_sweep.write_reminders(now=now)
    db.session.flush()
    return sweep.counts


def _reminders(policy):
    return sorted(
        db.session.scalars(sa.select(PolicyReminder.step).where(PolicyReminder.policy_id == policy.id))
    )


def test_reminders_go_out_once_per_step_and_a_late_run_sends_only_the_latest(officer, now):
    provider = make_provider()
    provider.language = "en"  # the subject checked in English (tests/insurance/test_french.py: French)
    policy = _policy(provider, officer, now=now, ends_on=TODAY + timedelta(days=30))
    assert _sweep(TODAY, now)["reminders"] == 1 and _reminders(policy) == [-30]
    assert _sweep(TODAY, now)["reminders"] == 0  # a re-run the same day
    # The sweep missed the -14 and -7 days: running at -5 sends -7 only.
    assert _sweep(TODAY + timedelta(days=25), now)["reminders"] == 1 and _reminders(policy) == [-30, -7]
    assert _sweep(TODAY + timedelta(days=29), now)["reminders"] == 1 and _reminders(policy) == [-30, -7, -1]
    notes = db.session.scalars(
        sa.select(Notification).where(Notification.template == "insurance_reminder")
    ).all()
    assert len(notes) == 3 and all(n.recipient == provider.email for n in notes)
    assert "ends on" in notes[0].subject


def test_after_expiry_reminders_every_two_days_and_one_proposal(officer, now):
    provider = make_provider()
    policy = _policy(provider, officer, now=now, ends_on=TODAY - timedelta(days=2))
    counts = _sweep(TODAY, now)
    assert counts["proposals"] == 1 and counts["reminders"] == 1 and _reminders(policy) == [2]
    assert _sweep(TODAY + timedelta(days=2), now)["proposals"] == 0  # one open proposal is enough
    assert _reminders(policy) == [2, 4]
    proposal = db.session.scalar(
        sa.select(RestrictionProposal).where(RestrictionProposal.provider_id == provider.id)
    )
    assert proposal.reason_code == "insurance_lapsed" and proposal.created_by == "system:insurance-sweep"
    assert provider.is_bookable  # the sweep never restricts by itself


def test_a_verified_successor_stops_reminders_and_closes_the_proposal(officer, now):
    provider = make_provider()
    old = _policy(provider, officer, now=now, ends_on=TODAY - timedelta(days=1))
    _sweep(TODAY, now)
    successor = _policy(
        provider,
        officer,
        now=now,
        policy_number="RCP-NEW",
        starts_on=TODAY,
        ends_on=TODAY + timedelta(days=365),
    )
    proposal = db.session.scalar(
        sa.select(RestrictionProposal).where(RestrictionProposal.provider_id == provider.id)
    )
    assert proposal.status == ProposalStatus.DISMISSED and "Closed automatically" in proposal.decision_note
    assert _sweep(TODAY + timedelta(days=3), now)["reminders"] == 0
    assert _reminders(old) == [-1] and _reminders(successor) == []


def test_the_sweep_is_recorded(officer, now):
    _policy(make_provider(), officer, now=now)  # ends in 65 days: nothing to do
    _policy(make_provider(), officer, now=now, ends_on=TODAY + timedelta(days=20))
    _policy(make_provider(), officer, now=now, ends_on=TODAY - timedelta(days=4))
    _sweep(TODAY, now)
    sweep = db.session.scalar(sa.select(InsuranceSweep))
    assert sweep.day == TODAY
    assert {k: sweep.counts[k] for k in ("ending", "lapsed", "reminders", "proposals", "events")} == {
        "ending": 1,
        "lapsed": 1,
        "reminders": 2,
        "proposals": 1,
        "events": 1,
    }


def test_the_sweep_job_and_the_reminders_job_it_enqueues_run_on_a_real_worker(queue_redis, officer, now):
    _policy(make_provider(), officer, now=now, ends_on=date.today() + timedelta(days=7))
    db.session.commit()
    job = jobs.enqueue(insurance_jobs.sweep_policies)
    InProcessWorker([Queue("default", connection=queue_redis)], connection=queue_redis).work(burst=True)
    assert Job.fetch(job.id, connection=queue_redis).get_status() == "finished"
    reminder = db.session.scalar(sa.select(PolicyReminder))
    assert reminder.notification_id is not None  # written by the job the sweep enqueued


def test_the_sweep_job_chains_its_batches_on_a_real_worker(queue_redis, officer, now, monkeypatch):
    monkeypatch.setattr(insurance_sweep, "SWEEP_BATCH", 2)
    for _ in range(5):
        _policy(make_provider(), officer, now=now, ends_on=date.today() + timedelta(days=7))
    db.session.commit()
    jobs.enqueue(insurance_jobs.sweep_policies)
    InProcessWorker([Queue("default", connection=queue_redis)], connection=queue_redis).work(burst=True)
    sweep = db.session.scalar(sa.select(InsuranceSweep))
    assert sweep.resume_after is None and sweep.counts["reminders"] == 5
    assert (
        db.session.scalar(sa.select(sa.func.count()).where(AuditEvent.action == "insurance.sweep_batch")) == 3
    )  # 2 + 2 + 1: a batch short of full ends the day
    written = db.session.scalars(sa.select(PolicyReminder.notification_id)).all()
    assert len(written) == 5 and None not in written


def test_a_sweep_whose_chain_broke_is_resumed_by_the_periodic_job(queue_redis, officer, now, monkeypatch):
    from console.business_time import paris_today
    from console.db import utcnow

    monkeypatch.setattr(insurance_sweep, "SWEEP_BATCH", 2)
    for _ in range(3):
        _policy(make_provider(), officer, now=now, ends_on=date.today() + timedelta(days=7))
    started = utcnow() - timedelta(minutes=20)
    sweep = insurance_sweep.start_sweep(today=paris_today(utcnow()), now=started)
    insurance_sweep.sweep_batch(sweep, now=started)  # its next job never enqueued (Redis was away)
    db.session.commit()
    assert sweep.resume_after is not None and sweep.counts["reminders"] == 2
    stale = sweep.resume_after  # where the lost job would have started
    fresh = insurance_sweep.unfinished_sweeps(sweep.day, idle_since=started - timedelta(minutes=1))
    assert fresh == []  # a sweep still busy is left to its own chain
    jobs.enqueue(insurance_jobs.resume_sweeps)
    InProcessWorker([Queue("default", connection=queue_redis)], connection=queue_redis).work(burst=True)
    db.session.expire_all()
    sweep = db.session.get(InsuranceSweep, sweep.id)
    assert sweep.resume_after is None and sweep.counts["reminders"] == 3
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PolicyReminder)) == 3
    batches = sa.select(sa.func.count()).where(AuditEvent.action == "insurance.sweep_batch")
    done = db.session.scalar(batches)
    insurance_jobs.continue_sweep(sweep.id, stale)  # the lost job turning up late: its batch is taken
    assert db.session.scalar(batches) == done


def _at_once(app, work) -> list[Exception]:
    """Run `work` in two threads started together, each committing; the errors raised."""
    barrier, errors = threading.Barrier(2), []

    def run():
        with app.app_context():
            try:
                barrier.wait()
                work()
                db.session.commit()
            except Exception as exc:  # noqa: BLE001 - SQLite may refuse the second writer
                db.session.rollback()
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return errors


@pytest.mark.committed
def test_two_sweeps_and_two_writers_at_once_send_each_reminder_once(app, now):
    from console.db import is_write_conflict

    with app.app_context():
        officer = make_staff("vetting_officer")
        providers = [make_provider() for _ in range(3)]
        for provider in providers:
            _policy(provider, officer, now=now, ends_on=TODAY + timedelta(days=7))
        db.session.commit()
    errors = _at_once(app, lambda: insurance_sweep.sweep_policies(today=TODAY, now=now))
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(PolicyReminder)) == 3
    # two writers of two messages each: on PostgreSQL the second skips the rows the first holds
    errors += _at_once(app, lambda: insurance_sweep.write_reminders(now=now, limit=2))
    with app.app_context():
        insurance_sweep.write_reminders(now=now)  # what is left, as the next periodic pass writes it
        db.session.commit()
        notes = db.session.scalars(
            sa.select(Notification.id).where(Notification.template == "insurance_reminder")
        ).all()
        linked = db.session.scalars(sa.select(PolicyReminder.notification_id)).all()
        assert len(notes) == 3 and sorted(linked) == sorted(notes)
        assert all(is_write_conflict(e) for e in errors), errors


def test_a_verified_successor_prompts_managers_but_never_lifts(officer, now):
    provider, manager = make_provider(), make_staff("manager")
    _policy(provider, officer, now=now, ends_on=TODAY - timedelta(days=1))
    _sweep(TODAY, now)
    proposal = db.session.scalar(
        sa.select(RestrictionProposal).where(RestrictionProposal.provider_id == provider.id)
    )
    restriction = restrictions.confirm_proposal(proposal, actor=manager, now=now)
    _policy(
        provider,
        officer,
        now=now,
        policy_number="RCP-NEXT",
        starts_on=TODAY,
        ends_on=TODAY + timedelta(days=365),
    )
    prompt = db.session.scalar(
        sa.select(Notification).where(Notification.template == "insurance_restriction_liftable")
    )
    assert prompt.recipient == manager.email and f"#{restriction.id}" in prompt.subject
    assert restriction.active and not provider.is_bookable  # lifting stays a person's decision


def test_the_sweep_summary_is_shown_in_the_console(client_as, officer, now):
    _policy(make_provider(), officer, now=now, ends_on=TODAY + timedelta(days=7))
    _sweep(TODAY, now)
    db.session.commit()
    body = client_as("manager").get("/sweeps/").get_data(as_text=True)
    assert "reminders: 1" in body and TODAY.isoformat() in body
    assert client_as("support_agent").get("/sweeps/").status_code == 403


# --- verification needs the certificate ---------------------------------------------------------


def _uncertified(provider, now):
    return services.register_policy(
        provider, fields=_fields(provider), certificate=None, actor="system:tests", now=now
    )


def test_verifying_a_policy_without_its_certificate_is_refused(officer, now):
    policy = _uncertified(make_provider(), now)
    with pytest.raises(DomainError, match="No certificate was uploaded"):
        services.verify_policy(policy, actor=officer, now=now)
    with pytest.raises(DomainError, match="Say where you saw the certificate"):
        services.verify_policy(
            policy,
            actor=officer,
            now=now,
            without_certificate="certificate_seen_elsewhere",
            seen_elsewhere=" ",
        )
    assert policy.verification == Verification.PENDING and policy.verified_by_id is None
    assert services.provider_status(policy.provider_id, TODAY) == InsuranceStatus.NONE


def test_a_certificate_seen_elsewhere_verifies_and_the_reason_is_audited(officer, now):
    from console.audit.models import AuditEvent

    policy = _uncertified(make_provider(), now)
    services.verify_policy(
        policy,
        actor=officer,
        now=now,
        without_certificate="certificate_seen_elsewhere",
        seen_elsewhere="Original shown in person at the agency on 2 November.",
    )
    assert policy.verification == Verification.VERIFIED and policy.verified_by_id == officer.id
    (event,) = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "insurance.verify")).all()
    changes = event.shown_changes
    assert changes["without_certificate"] == "certificate_seen_elsewhere"
    assert changes["seen_elsewhere"] == "Original shown in person at the agency on 2 November."
    assert event.actor_id == officer.id


def test_an_uploaded_certificate_needs_no_reason_and_the_event_says_none(officer, now):
    from console.audit.models import AuditEvent

    policy = _policy(make_provider(), officer, now=now)
    assert policy.verification == Verification.VERIFIED
    (event,) = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "insurance.verify")).all()
    assert "without_certificate" not in (event.shown_changes or {})
