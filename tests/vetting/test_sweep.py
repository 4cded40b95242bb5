"""The vetting sweep and the retention purge: services, then the jobs on a real Redis and RQ worker."""

from __future__ import annotations

import io
import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa
from rq import Queue
from rq.job import Job

from console.db import db, utcnow
from console.notifications.models import Notification
from marketplace.models import Provider, VettingStatus
from restrictions.models import RestrictionProposal
from restrictions.workflow import ProposalStatus
from tests.conftest import InProcessWorker
from tests.factories import make_applicant
from tests.vetting.conftest import pass_all_checks
from vetting import checks, services, sweep
from vetting import jobs as vetting_jobs
from vetting.models import Reference, VettingCase, VettingSweep
from vetting.workflow import CaseStatus, CheckKind, Round


def _chases(provider):
    return db.session.scalars(
        sa.select(Notification).where(
            Notification.recipient == provider.email, Notification.template == "vetting_chase"
        )
    ).all()


@pytest.fixture
def awaiting(officer, now):
    provider, case = make_applicant()
    services.await_provider(case, request="Votre attestation URSSAF", actor=officer, now=now)
    return provider, case


def test_chasing_at_two_five_and_eight_days_once_each(awaiting, now):
    provider, case = awaiting
    provider.language = "en"  # the e-mails checked in English
    assert sweep.chase_providers(now=now + timedelta(days=1)) == 0
    assert sweep.chase_providers(now=now + timedelta(days=2)) == 1
    assert sweep.chase_providers(now=now + timedelta(days=3)) == 0  # a re-run sends nothing
    assert sweep.chase_providers(now=now + timedelta(days=5, hours=1)) == 1
    assert sweep.chase_providers(now=now + timedelta(days=8)) == 1
    assert sweep.chase_providers(now=now + timedelta(days=20)) == 0
    notes = _chases(provider)
    assert len(notes) == 3 and "Votre attestation URSSAF" in notes[0].body
    assert "may be closed" in notes[-1].body
    assert case.chases_sent == 3


def test_a_late_sweep_sends_only_the_latest_due_reminder(awaiting, now):
    provider, case = awaiting
    assert sweep.chase_providers(now=now + timedelta(days=6)) == 1
    assert case.chases_sent == 2 and len(_chases(provider)) == 1


def test_withdrawal_is_proposed_after_thirty_days_never_decided(awaiting, now):
    provider, case = awaiting
    assert sweep.propose_withdrawals(now=now + timedelta(days=29)) == 0
    assert sweep.propose_withdrawals(now=now + timedelta(days=30)) == 1
    assert sweep.propose_withdrawals(now=now + timedelta(days=31)) == 0
    db.session.refresh(case)
    assert case.withdrawal_proposed_at is not None and case.status == CaseStatus.AWAITING_PROVIDER


@pytest.fixture
def approved(officer, second_officer, applicant, now):
    provider, case = applicant
    pass_all_checks(case, officer)
    services.approve_case(case, actor=second_officer, now=utcnow())
    return provider, case


def test_a_renewal_opens_sixty_days_before_the_revetting_date(approved, now):
    provider, case = approved
    due = case.revetting_due_on
    assert sweep.open_renewals(today=due - timedelta(days=61), now=now) == 0
    assert sweep.open_renewals(today=due - timedelta(days=60), now=now) == 1
    assert sweep.open_renewals(today=due - timedelta(days=59), now=now) == 0
    renewal = services.active_case(provider.id)
    assert renewal.round == Round.RENEWAL and provider.vetting_status == VettingStatus.APPROVED


def test_overdue_revetting_opens_one_restriction_proposal_never_a_restriction(approved, now):
    provider, case = approved
    day = case.revetting_due_on + timedelta(days=1)
    assert sweep.propose_overdue(today=case.revetting_due_on, now=now) == 0
    assert sweep.propose_overdue(today=day, now=now) == 1
    assert sweep.propose_overdue(today=day + timedelta(days=1), now=now) == 0
    (proposal,) = db.session.scalars(
        sa.select(RestrictionProposal).where(RestrictionProposal.provider_id == provider.id)
    ).all()
    assert proposal.source.value == "vetting" and proposal.status == ProposalStatus.OPEN
    assert proposal.reason_code == "revetting_overdue" and not provider.active_restrictions


def _rejected_applicant(officer, now, with_document=True):
    provider, case = make_applicant()
    from insurance import services as insurance

    insurance.register_policy(
        provider,
        fields={
            "insurer": "Hiscox",
            "policy_number": f"HX-{provider.id}",
            "insured_name": provider.legal_name,
            "insured_siret": provider.siret,
            "activities": ["regular_cleaning"],
            "coverage_per_claim_cents": 150_000_000,
            "deductible_cents": 20_000,
            "starts_on": now.date(),
            "ends_on": now.date() + timedelta(days=364),
        },
        certificate=(io.BytesIO(b"%PDF-1.4 attestation"), "attestation.pdf"),
        actor="system:tests",
        now=now,
    )
    checks.start_check(case.check(CheckKind.REFERENCES), actor=officer, now=now)
    checks.add_reference(
        case,
        fields={"name": "Jean Témoin", "relationship": "voisin", "phone": "0611223344"},
        actor=officer,
        now=now,
    )
    if with_document:
        checks.upload_document(
            case, kind="identity", upload=(io.BytesIO(b"%PDF-1.4 cni"), "cni.pdf"), actor=officer, now=now
        )
    services.reject_case(
        case, reason="references_insufficient", statement="Références insuffisantes.", actor=officer, now=now
    )
    return provider, case


def test_rejected_applicants_are_anonymised_after_three_months_once(officer, now):
    provider, case = _rejected_applicant(officer, now)
    siret, email = provider.siret, provider.email
    early = sweep.purge_retention(now=now + timedelta(days=80))
    assert early.counts == {"identity_documents_purged": 0, "applicants_purged": 0}
    first = sweep.purge_retention(now=now + timedelta(days=93))
    assert first.counts == {"identity_documents_purged": 1, "applicants_purged": 1}
    db.session.refresh(provider)
    assert provider.legal_name == "(purged)" and provider.siret != siret and provider.email != email
    assert provider.postcode.endswith("000") and provider.personal_data_purged_at is not None
    assert (
        db.session.scalar(
            sa.select(sa.func.count()).select_from(Reference).where(Reference.case_id == case.id)
        )
        == 0
    )
    kept = db.session.get(VettingCase, case.id)  # the anonymous statistical row
    assert kept.status == CaseStatus.REJECTED and kept.rejection_reason.value == "references_insufficient"
    assert kept.decision_note is None and kept.documents[0].file.purged_at is not None
    from insurance.models import InsurancePolicy

    (policy,) = db.session.scalars(
        sa.select(InsurancePolicy).where(InsurancePolicy.provider_id == provider.id)
    )
    assert policy.insured_name == "(purged)" and policy.insured_siret == provider.siret
    assert policy.certificate.purged_at is not None and policy.coverage_per_claim_cents == 150_000_000
    again = sweep.purge_retention(now=now + timedelta(days=94))
    assert again.counts == {"identity_documents_purged": 0, "applicants_purged": 0}


def test_identity_documents_of_approved_providers_are_purged_but_the_provider_kept(
    officer, second_officer, now
):
    provider, case = make_applicant()
    from tests.factories import make_verified_policy

    make_verified_policy(provider)
    checks.upload_document(
        case, kind="identity", upload=(io.BytesIO(b"%PDF-1.4 id"), "id.pdf"), actor=officer, now=now
    )
    checks.upload_document(
        case, kind="certification", upload=(io.BytesIO(b"%PDF-1.4 cert"), "cert.pdf"), actor=officer, now=now
    )
    pass_all_checks(case, officer)
    services.approve_case(case, actor=second_officer, now=utcnow())
    result = sweep.purge_retention(now=utcnow() + timedelta(days=100))
    assert result.counts["identity_documents_purged"] == 1 and result.counts["applicants_purged"] == 0
    kinds = {d.kind.value: d.file.purged_at is not None for d in case.documents}
    assert kinds == {"identity": True, "certification": False}
    assert db.session.get(Provider, provider.id).legal_name != "(purged)"


def test_the_sweep_records_its_counts(awaiting, now):
    result = sweep.sweep_cases(now=now + timedelta(days=2))
    assert result.counts["chases"] == 1 and db.session.get(VettingSweep, result.id) is not None


# --- jobs on a real worker ---------------------------------------------------------------------------


def _work(queue_redis):
    InProcessWorker([Queue("default", connection=queue_redis)], connection=queue_redis).work(burst=True)


def test_the_sweep_job_runs_on_a_worker_and_twice_sends_nothing_more(queue_redis, officer):
    long_ago = utcnow() - timedelta(days=9)
    provider, case = make_applicant()
    services.await_provider(case, request="Le justificatif", actor=officer, now=long_ago)
    db.session.commit()
    queue = Queue("default", connection=queue_redis)
    first = queue.enqueue(vetting_jobs.sweep_cases)
    _work(queue_redis)
    assert Job.fetch(first.id, connection=queue_redis).get_status() == "finished", first.latest_result()
    assert first.latest_result().return_value["chases"] == 1
    second = queue.enqueue(vetting_jobs.sweep_cases)
    _work(queue_redis)
    assert second.latest_result().return_value["chases"] == 0
    assert len(_chases(provider)) == 1


def test_the_retention_job_runs_on_a_worker(queue_redis, officer):
    long_ago = utcnow() - timedelta(days=120)
    provider, case = _rejected_applicant(officer, long_ago)
    db.session.commit()
    job = Queue("default", connection=queue_redis).enqueue(vetting_jobs.purge_retention)
    _work(queue_redis)
    assert job.latest_result().return_value == {"identity_documents_purged": 1, "applicants_purged": 1}


@pytest.mark.committed
def test_two_sweeps_at_once_chase_once(app, officer):
    long_ago = utcnow() - timedelta(days=3)
    provider, case = make_applicant()
    services.await_provider(case, request="Le justificatif", actor=officer, now=long_ago)
    db.session.commit()
    email = provider.email
    barrier, results = threading.Barrier(2), []

    def run():
        with app.app_context():
            barrier.wait()
            try:
                results.append(sweep.chase_providers(now=utcnow()))
                db.session.commit()
            except Exception as exc:  # SQLite: the loser may find the database locked
                db.session.rollback()
                results.append(type(exc).__name__)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    db.session.rollback()  # end this test's own read snapshot before looking
    sent = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Notification)
        .where(Notification.recipient == email, Notification.template == "vetting_chase")
    )
    assert sent == 1, results


def test_approving_the_renewal_closes_the_overdue_proposal(approved, officer, second_officer, now):
    from tests.factories import make_verified_policy

    provider, case = approved
    sweep.propose_overdue(today=case.revetting_due_on + timedelta(days=1), now=now)
    renewal = services.open_case(provider, round=Round.RENEWAL, actor=officer, now=utcnow())
    make_verified_policy(provider)
    pass_all_checks(renewal, officer)
    services.approve_case(renewal, actor=second_officer, now=utcnow())
    (proposal,) = db.session.scalars(
        sa.select(RestrictionProposal).where(RestrictionProposal.provider_id == provider.id)
    ).all()
    assert proposal.status == ProposalStatus.DISMISSED and "re-vetting was approved" in proposal.decision_note
