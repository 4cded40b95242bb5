"""A check in one submission (vetting/check_entry.py) and what a queue says about approving
(vetting/outcomes.py), against the real database."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from console.audit.models import AuditEvent
from console.db import db, utcnow
from console.domain import DomainError
from console.notifications.models import Notification
from tests.factories import make_applicant, make_staff
from tests.vetting.conftest import RUBRIC_MARKS, pass_all_checks, today
from vetting import check_entry, checks, services
from vetting.check_entry import BackgroundEntry, SkillsEntry
from vetting.outcomes import ApprovalHint, approval_hint
from vetting.workflow import CaseStatus, CheckKind, CheckStatus


def _background(**overrides) -> BackgroundEntry:
    values = {
        "document_type": "id_card",
        "document_expiry": today() + timedelta(days=900),
        "last4": "7x2b",
        "siret_active": True,
        "b3_issue_date": today() - timedelta(days=20),
        "b3_outcome": "compatible",
    }
    return BackgroundEntry(**(values | overrides))


def _actions(check) -> list[str]:
    query = sa.select(AuditEvent.action).where(
        AuditEvent.object_type == "VettingCheck", AuditEvent.object_id == str(check.id)
    )
    return list(db.session.scalars(query.order_by(AuditEvent.seq)))


def test_the_background_check_passes_in_one_submission(applicant, officer):
    provider, case = applicant
    check = case.check(CheckKind.BACKGROUND)
    check_entry.submit_check(check, outcome="pass", evidence=_background(), actor=officer, now=utcnow())
    assert check.status == CheckStatus.PASSED and check.completed_by_id == officer.id
    assert check.assignee_id == officer.id  # an unassigned check goes to whoever does it
    assert (check.document_last4, check.siret_active, check.b3_viewed) == ("7X2B", True, True)
    assert case.status == CaseStatus.IN_REVIEW
    # Each part is audited as before, in order: started, identity, SIRET, extract viewed, passed.
    assert _actions(check) == [
        "vetting.check_start",
        "vetting.identity_verified",
        "vetting.siret_checked",
        "vetting.b3_viewed",
        "vetting.check_passed",
    ]


def test_a_missing_part_refuses_the_pass_and_says_what(applicant, officer):
    provider, case = applicant
    check = case.check(CheckKind.BACKGROUND)
    with pytest.raises(DomainError, match="criminal-record extract not viewed"):
        check_entry.submit_check(
            check,
            outcome="pass",
            evidence=_background(b3_issue_date=None, b3_outcome=None),
            actor=officer,
            now=utcnow(),
        )


def test_skills_fail_needs_notes_and_passes_with_the_whole_form(applicant, officer):
    provider, case = applicant
    check = case.check(CheckKind.SKILLS)
    low = SkillsEntry(score=40, trial_passed=True, rubric=RUBRIC_MARKS)
    with pytest.raises(DomainError, match="Say in the notes why the skills check failed"):
        check_entry.submit_check(check, outcome="fail", evidence=low, actor=officer, now=utcnow())
    good = SkillsEntry(score=85, trial_passed=True, rubric=RUBRIC_MARKS)
    check_entry.submit_check(check, outcome="pass", evidence=good, actor=officer, now=utcnow())
    assert (check.status, check.score, check.rubric) == (CheckStatus.PASSED, 85, RUBRIC_MARKS)


def test_references_log_their_attempts_and_pass_in_the_same_submission(applicant, officer):
    provider, case = applicant
    now = utcnow()
    refs = [
        checks.add_reference(
            case,
            fields={"name": f"Réf {n}", "relationship": "client", "phone": "0612345678"},
            actor=officer,
            now=now,
        )  # fmt: skip
        for n in range(2)
    ]
    check = case.check(CheckKind.REFERENCES)
    attempts = {refs[0].id: "positive", refs[1].id: "positive"}
    check_entry.submit_check(check, outcome="pass", attempts=attempts, actor=officer, now=now)
    assert check.status == CheckStatus.PASSED
    assert [(r.status.value, len(r.attempts)) for r in refs] == [("verified_positive", 1)] * 2


def test_an_attempt_for_another_case_s_reference_is_refused(applicant, officer):
    provider, case = applicant
    other_provider, other_case = make_applicant()
    stranger = checks.add_reference(
        other_case, fields={"name": "X", "relationship": "client", "phone": "0612345678"}, actor=officer,
        now=utcnow(),
    )  # fmt: skip
    with pytest.raises(DomainError, match="not one of the case's"):
        check_entry.submit_check(
            case.check(CheckKind.REFERENCES),
            outcome="pass",
            attempts={stranger.id: "positive"},
            actor=officer,
            now=utcnow(),
        )


def test_needs_provider_documents_keeps_the_evidence_and_pauses_the_case(applicant, officer):
    provider, case = applicant
    check = case.check(CheckKind.BACKGROUND)
    check_entry.submit_check(
        check,
        outcome="needs_documents",
        evidence=_background(b3_issue_date=None, b3_outcome=None),
        provider_request="Un extrait de casier judiciaire de moins de 3 mois.",
        actor=officer,
        now=utcnow(),
    )
    assert check.status == CheckStatus.IN_PROGRESS and check.document_last4 == "7X2B"
    assert case.status == CaseStatus.AWAITING_PROVIDER
    assert case.awaiting_note == "Un extrait de casier judiciaire de moins de 3 mois."
    sent = db.session.scalars(
        sa.select(Notification).where(Notification.template == "vetting_awaiting")
    ).all()
    assert [n.recipient for n in sent] == [provider.email]
    with pytest.raises(DomainError, match="cannot be worked on now"):
        check_entry.submit_check(check, outcome="pass", evidence=_background(), actor=officer, now=utcnow())


def test_needs_provider_documents_without_saying_what_is_refused(applicant, officer):
    provider, case = applicant
    with pytest.raises(DomainError, match="request to the provider"):
        check_entry.submit_check(
            case.check(CheckKind.SKILLS), outcome="needs_documents", actor=officer, now=utcnow()
        )


def test_an_unknown_outcome_and_a_job_are_refused(applicant, officer):
    provider, case = applicant
    check = case.check(CheckKind.SKILLS)
    with pytest.raises(DomainError, match="Choose the outcome"):
        check_entry.submit_check(check, outcome="maybe", actor=officer, now=utcnow())
    with pytest.raises(DomainError, match="named, active staff member"):
        check_entry.submit_check(check, outcome="pass", actor="system:sweep", now=utcnow())
    assert check.status == CheckStatus.PENDING


def test_a_stale_form_is_refused(applicant, officer):
    provider, case = applicant
    check = case.check(CheckKind.SKILLS)
    stale = check.version
    checks.start_check(check, actor=officer, now=utcnow())
    db.session.flush()
    with pytest.raises(DomainError, match="changed"):
        check_entry.submit_check(
            check, outcome="pass", evidence=SkillsEntry(score=90, trial_passed=True, rubric=RUBRIC_MARKS),
            actor=officer, now=utcnow(), expected_version=stale,
        )  # fmt: skip


# --- what a queue says about approving ------------------------------------------------------------


def test_the_hint_follows_the_approve_rule_for_each_viewer(ready_case, officer, second_officer):
    day = today()
    assert services.approval_hint(ready_case, approver=officer, today=day)[0] == ApprovalHint.DID_A_CHECK
    hint, problems = services.approval_hint(ready_case, approver=second_officer, today=day)
    assert (hint, problems) == (ApprovalHint.MAY_APPROVE, [])
    # The approve action agrees with both hints.
    with pytest.raises(DomainError, match="four eyes"):
        services.approve_case(ready_case, actor=officer, now=utcnow())
    services.approve_case(ready_case, actor=second_officer, now=utcnow())
    assert ready_case.status == CaseStatus.APPROVED


def test_a_ready_case_without_insurance_is_blocked_for_everyone(officer, second_officer):
    provider, case = make_applicant()  # no RC Pro policy
    pass_all_checks(case, officer)
    hint, problems = services.approval_hint(case, approver=second_officer, today=today())
    assert hint == ApprovalHint.BLOCKED and problems == ["no verified RC Pro policy covers today"]
    # A list passes what it read for all its rows: the same answer.
    read = services.approval_hint(case, approver=second_officer, today=today(), insurance=problems[0])
    assert read == (hint, problems)


def test_a_case_in_review_is_not_ready_unless_the_viewer_did_a_check(applicant, officer):
    provider, case = applicant
    check_entry.submit_check(
        case.check(CheckKind.BACKGROUND), outcome="pass", evidence=_background(), actor=officer, now=utcnow()
    )
    other = make_staff("vetting_officer")
    assert services.approval_hint(case, approver=other, today=today())[0] == ApprovalHint.NOT_READY
    assert services.approval_hint(case, approver=officer, today=today())[0] == ApprovalHint.DID_A_CHECK


@pytest.mark.parametrize(
    ("problems", "approver", "completers", "ready", "hint"),
    [
        ([], 1, [2, 2, 2], True, ApprovalHint.MAY_APPROVE),
        (["four eyes"], 2, [2, 3, 3], True, ApprovalHint.DID_A_CHECK),
        (["no RC Pro"], 1, [2, 2, 2], True, ApprovalHint.BLOCKED),
        (["the skills check is pending"], 1, [2, None, None], False, ApprovalHint.NOT_READY),
        (["the skills check is pending"], 2, [2, None, None], False, ApprovalHint.DID_A_CHECK),
    ],
)
def test_approval_hint_rule(problems, approver, completers, ready, hint):
    assert (
        approval_hint(problems=problems, approver_id=approver, completer_ids=completers, ready=ready) == hint
    )
