"""Vetting use cases against the real database (SQLite, or PostgreSQL with TEST_DATABASE_URL)."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from console import jobs
from console.audit.models import AuditEvent
from console.db import db, utcnow
from console.domain import DomainError, StaleRecord
from console.files.models import StoredFile
from console.files.services import MAX_BYTES, UploadRefused
from console.notifications.models import Notification
from console.validation import InvalidField
from marketplace.models import VettingStatus
from tests.factories import make_applicant, make_provider, make_staff, make_verified_policy
from tests.vetting.conftest import (
    RUBRIC_MARKS,
    pass_all_checks,
    record_background,
    record_references,
    record_skills,
    today,
)
from vetting import checks, services
from vetting.background import BackgroundFailure
from vetting.models import VettingCase, VettingCheck, VettingDocument
from vetting.workflow import CaseStatus, CheckKind, CheckStatus, ReferenceStatus, Round

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _notes(provider, template):
    return db.session.scalars(
        sa.select(Notification).where(
            Notification.recipient == provider.email, Notification.template == template
        )
    ).all()


# --- opening ------------------------------------------------------------------------------------


def test_a_new_applicant_gets_an_initial_case_with_three_pending_checks():
    provider, case = make_applicant()
    assert case.round == Round.INITIAL and case.status == CaseStatus.OPEN
    assert sorted(c.kind.value for c in case.checks) == ["background", "references", "skills"]
    assert all(c.status == CheckStatus.PENDING for c in case.checks)
    assert case.due_at > case.opened_at + timedelta(days=11)  # 10 business days: two weekends at least
    assert (
        db.session.scalar(
            sa.select(AuditEvent.action).where(
                AuditEvent.object_type == "VettingCase", AuditEvent.object_id == str(case.id)
            )
        )
        == "vetting.open"
    )


def test_an_approved_provider_gets_no_case_on_creation():
    provider = make_provider(approved=True)
    assert services.active_case(provider.id) is None


def test_a_provider_has_one_active_case_at_most(officer):
    provider, case = make_applicant()
    with pytest.raises(DomainError, match="already has an active vetting case"):
        services.open_case(provider, round=Round.INITIAL, actor=officer, now=utcnow())
    db.session.add(
        VettingCase(
            provider_id=provider.id,
            round=Round.RENEWAL,
            status=CaseStatus.IN_REVIEW,
            opened_at=utcnow(),
            opened_by="x",
            due_at=utcnow(),
            paused_hours=0,
            chases_sent=0,
        )
    )
    with pytest.raises(IntegrityError):  # the database refuses too (partial unique index)
        db.session.flush()
    db.session.rollback()


# --- background ------------------------------------------------------------------------------------


@pytest.fixture
def background(applicant, officer):
    check = applicant[1].check(CheckKind.BACKGROUND)
    checks.start_check(check, actor=officer, now=utcnow())
    return check


def test_starting_a_check_moves_the_case_into_review_and_assigns_the_officer(applicant, officer):
    check = applicant[1].check(CheckKind.SKILLS)
    checks.start_check(check, actor=officer, now=utcnow())
    assert check.status == CheckStatus.IN_PROGRESS and check.assignee_id == officer.id
    assert applicant[1].status == CaseStatus.IN_REVIEW


def test_evidence_needs_a_started_check(applicant, officer):
    check = applicant[1].check(CheckKind.BACKGROUND)
    with pytest.raises(DomainError, match="Start the background check"):
        checks.record_siret_active(check, active=True, actor=officer, now=utcnow())


@pytest.mark.parametrize(
    ("last4", "message"),
    [
        ("AB12CD34", "only the last 4"),
        ("", "only the last 4"),
        ("1 2-3", "only the last 4"),
        ("é123", "only the last 4"),
    ],
)
def test_only_the_last_four_characters_of_an_identity_document_are_accepted(
    background, officer, last4, message
):
    with pytest.raises(DomainError, match=message):
        checks.record_identity(
            background,
            document_type="passport",
            expiry=today() + timedelta(days=30),
            last4=last4,
            actor=officer,
            now=utcnow(),
        )
    assert background.document_last4 is None


def test_an_expired_identity_document_is_refused(background, officer):
    with pytest.raises(DomainError, match="expired"):
        checks.record_identity(
            background,
            document_type="passport",
            expiry=today() - timedelta(days=1),
            last4="1234",
            actor=officer,
            now=utcnow(),
        )


@pytest.mark.parametrize(
    ("days_old", "message"),
    [(-1, "future"), (95, "more than 3 months old"), (200, "more than 3 months old")],
)
def test_a_criminal_record_extract_from_the_future_or_older_than_three_months_is_refused(
    background, officer, days_old, message
):
    with pytest.raises(DomainError, match=message):
        checks.record_b3_viewing(
            background,
            issue_date=today() - timedelta(days=days_old),
            outcome="compatible",
            actor=officer,
            now=utcnow(),
        )
    assert background.b3_viewed is False and background.b3_issue_date is None


def test_viewing_the_extract_records_only_date_outcome_who_and_when(background, officer):
    now = utcnow()
    checks.record_b3_viewing(
        background, issue_date=today() - timedelta(days=10), outcome="compatible", actor=officer, now=now
    )
    assert (background.b3_viewed, background.b3_outcome.value, background.b3_viewed_by_id) == (
        True,
        "compatible",
        officer.id,
    )
    assert background.b3_viewed_at == now


def test_the_background_check_passes_only_when_nothing_is_missing(background, officer):
    with pytest.raises(DomainError, match="identity document not verified.*not viewed"):
        checks.complete_check(background, passed=True, notes=None, actor=officer, now=utcnow())
    assert background.status == CheckStatus.IN_PROGRESS


def test_an_incompatible_extract_cannot_pass_and_fails_on_a_reason_code_without_notes(applicant, officer):
    check = applicant[1].check(CheckKind.BACKGROUND)
    record_background(check, officer)
    checks.record_b3_viewing(
        check, issue_date=today() - timedelta(days=5), outcome="incompatible", actor=officer, now=utcnow()
    )
    with pytest.raises(DomainError, match="incompatible"):
        checks.complete_check(check, passed=True, notes=None, actor=officer, now=utcnow())
    with pytest.raises(DomainError, match="Choose why the background check failed"):
        checks.complete_check(check, passed=False, notes=None, actor=officer, now=utcnow())
    with pytest.raises(DomainError, match="choose that reason"):
        checks.complete_check(
            check,
            passed=False,
            notes="Expired ID",
            failure_reason="identity_document",
            actor=officer,
            now=utcnow(),
        )
    with pytest.raises(DomainError, match="No notes when the check fails on the criminal record"):
        checks.complete_check(
            check,
            passed=False,
            notes="Conviction for theft in 2019",
            failure_reason="criminal_record",
            actor=officer,
            now=utcnow(),
        )
    assert check.status == CheckStatus.IN_PROGRESS and check.notes is None
    checks.complete_check(
        check, passed=False, notes="  ", failure_reason="criminal_record", actor=officer, now=utcnow()
    )
    db.session.flush()
    assert check.status == CheckStatus.FAILED and check.completed_by_id == officer.id
    assert check.failure_reason == BackgroundFailure.CRIMINAL_RECORD and check.notes is None
    event = db.session.scalars(
        sa.select(AuditEvent)
        .where(AuditEvent.action == "vetting.check_failed")
        .order_by(AuditEvent.id.desc())
    ).first()
    assert event.shown_changes["failure_reason"]["after"] == "criminal_record"


def test_the_criminal_record_reason_needs_an_extract_recorded_incompatible(applicant, officer):
    check = applicant[1].check(CheckKind.BACKGROUND)
    record_background(check, officer)  # compatible extract
    with pytest.raises(DomainError, match="Record the extract as incompatible"):
        checks.complete_check(
            check, passed=False, notes=None, failure_reason="criminal_record", actor=officer, now=utcnow()
        )
    with pytest.raises(DomainError, match="Say in the notes why"):
        checks.complete_check(
            check, passed=False, notes=None, failure_reason="other", actor=officer, now=utcnow()
        )
    with pytest.raises(DomainError, match="Choose why"):
        checks.complete_check(
            check, passed=False, notes="x", failure_reason="made_up", actor=officer, now=utcnow()
        )
    checks.complete_check(
        check, passed=False, notes="SIRET struck off", failure_reason="siret", actor=officer, now=utcnow()
    )
    assert (check.failure_reason, check.notes) == (BackgroundFailure.SIRET, "SIRET struck off")


def test_the_database_refuses_notes_beside_the_criminal_record_reason(applicant, officer):
    check = applicant[1].check(CheckKind.BACKGROUND)
    record_background(check, officer)
    checks.record_b3_viewing(
        check, issue_date=today() - timedelta(days=5), outcome="incompatible", actor=officer, now=utcnow()
    )
    checks.complete_check(
        check, passed=False, notes=None, failure_reason="criminal_record", actor=officer, now=utcnow()
    )
    db.session.flush()
    with pytest.raises(sa.exc.IntegrityError), db.session.begin_nested():
        db.session.execute(
            sa.update(VettingCheck).where(VettingCheck.id == check.id).values(notes="what the extract says")
        )


# --- skills --------------------------------------------------------------------------------------


@pytest.mark.parametrize("score", [101, -1, "80", 80.5, True, None])
def test_a_score_outside_0_to_100_is_refused(applicant, officer, score):
    check = applicant[1].check(CheckKind.SKILLS)
    checks.start_check(check, actor=officer, now=utcnow())
    with pytest.raises(DomainError, match="whole number from 0 to 100"):
        checks.record_skills(
            check, score=score, trial_passed=True, rubric=RUBRIC_MARKS, actor=officer, now=utcnow()
        )
    assert check.score is None


def test_the_rubric_needs_every_mark_from_1_to_5(applicant, officer):
    check = applicant[1].check(CheckKind.SKILLS)
    checks.start_check(check, actor=officer, now=utcnow())
    with pytest.raises(DomainError, match="rubric needs a mark"):
        checks.record_skills(
            check, score=80, trial_passed=True, rubric={"punctuality": 5}, actor=officer, now=utcnow()
        )
    with pytest.raises(DomainError, match="1 to 5"):
        checks.record_skills(
            check,
            score=80,
            trial_passed=True,
            rubric=RUBRIC_MARKS | {"communication": 6},
            actor=officer,
            now=utcnow(),
        )


def test_a_score_below_the_configurable_pass_mark_cannot_pass(app, applicant, officer):
    check = applicant[1].check(CheckKind.SKILLS)
    record_skills(check, officer, score=75)
    default = app.config["VETTING_PASS_MARK"]
    app.config["VETTING_PASS_MARK"] = 80
    try:
        checks.record_skills(
            check, score=75, trial_passed=True, rubric=RUBRIC_MARKS, actor=officer, now=utcnow()
        )
        with pytest.raises(DomainError, match="below the pass mark 80"):
            checks.complete_check(check, passed=True, notes=None, actor=officer, now=utcnow())
    finally:
        app.config["VETTING_PASS_MARK"] = default
    assert check.pass_mark == 80


# --- references ----------------------------------------------------------------------------------


@pytest.fixture
def reference(applicant, officer):
    case = applicant[1]
    checks.start_check(case.check(CheckKind.REFERENCES), actor=officer, now=utcnow())
    return checks.add_reference(
        case,
        fields={"name": "M. Petit", "relationship": "client", "email": "petit@example.fr"},
        actor=officer,
        now=utcnow(),
    )


def test_a_reference_needs_a_way_to_reach_it(applicant, officer):
    with pytest.raises(InvalidField, match="phone number or an e-mail"):
        checks.add_reference(
            applicant[1], fields={"name": "X", "relationship": "y"}, actor=officer, now=utcnow()
        )


def test_three_failed_attempts_make_a_reference_unreachable(reference, officer):
    for number, outcome in enumerate(["no_answer", "wrong_contact", "no_answer"], start=1):
        checks.log_attempt(reference, outcome=outcome, note=None, number=number, actor=officer, now=utcnow())
    assert reference.status == ReferenceStatus.UNREACHABLE and reference.failed_attempts == 3
    with pytest.raises(DomainError, match="already unreachable"):
        checks.log_attempt(reference, outcome="positive", note=None, number=4, actor=officer, now=utcnow())


def test_the_same_attempt_logged_twice_is_refused(reference, officer):
    checks.log_attempt(reference, outcome="no_answer", note=None, number=1, actor=officer, now=utcnow())
    checks.log_attempt(reference, outcome="no_answer", note=None, number=2, actor=officer, now=utcnow())
    with pytest.raises(DomainError, match="Attempt 2 was already logged"):
        checks.log_attempt(reference, outcome="no_answer", note=None, number=2, actor=officer, now=utcnow())
    assert reference.failed_attempts == 2 and len(reference.attempts) == 2


def test_the_references_check_passes_only_with_two_verified_positive(applicant, officer):
    case = applicant[1]
    record_references(case, officer, positives=1)
    with pytest.raises(DomainError, match="1 verified positive"):
        checks.complete_check(
            case.check(CheckKind.REFERENCES), passed=True, notes=None, actor=officer, now=utcnow()
        )


# --- decision -------------------------------------------------------------------------------------


def test_completing_the_third_check_makes_the_case_ready(ready_case):
    assert ready_case.status == CaseStatus.READY


def test_four_eyes_the_officer_who_completed_a_check_cannot_approve(ready_case, officer):
    with pytest.raises(DomainError, match="four eyes"):
        services.approve_case(ready_case, actor=officer, now=utcnow())
    assert ready_case.status == CaseStatus.READY


def test_approval_needs_a_verified_policy_valid_today(officer, second_officer):
    provider, case = make_applicant()  # no policy at all
    pass_all_checks(case, officer)
    with pytest.raises(DomainError, match="no verified RC Pro policy covers today"):
        services.approve_case(case, actor=second_officer, now=utcnow())
    expired = make_verified_policy(
        provider, starts_on=today() - timedelta(days=400), ends_on=today() - timedelta(days=3)
    )
    assert expired.verification.value == "verified"
    with pytest.raises(DomainError, match="RC Pro insurance expired"):
        services.approve_case(case, actor=second_officer, now=utcnow())


def test_approval_needs_every_check_passed(applicant, officer, second_officer):
    case = applicant[1]
    record_background(case.check(CheckKind.BACKGROUND), officer)
    record_skills(case.check(CheckKind.SKILLS), officer, score=40)
    record_references(case, officer)
    checks.complete_check(
        case.check(CheckKind.BACKGROUND), passed=True, notes=None, actor=officer, now=utcnow()
    )
    checks.complete_check(
        case.check(CheckKind.SKILLS), passed=False, notes="40/100", actor=officer, now=utcnow()
    )
    checks.complete_check(
        case.check(CheckKind.REFERENCES), passed=True, notes=None, actor=officer, now=utcnow()
    )
    assert case.status == CaseStatus.READY
    with pytest.raises(DomainError, match="the skills check is failed"):
        services.approve_case(case, actor=second_officer, now=utcnow())


def test_a_second_officer_approves_and_the_provider_becomes_bookable(applicant, ready_case, second_officer):
    provider = applicant[0]
    assert not provider.is_bookable
    services.approve_case(ready_case, actor=second_officer, now=utcnow())
    assert ready_case.status == CaseStatus.APPROVED and ready_case.decided_by_id == second_officer.id
    assert provider.vetting_status == VettingStatus.APPROVED and provider.is_bookable
    assert ready_case.revetting_due_on.year == today().year + 2
    assert len(_notes(provider, "vetting_approved")) == 1


def test_approval_leaves_a_restricted_provider_not_bookable(applicant, ready_case, second_officer):
    from restrictions.services import restrict_provider

    manager = make_staff("manager")
    restrict_provider(
        applicant[0], reason_code="terms_breach", statement="Breach.", actor=manager, now=utcnow()
    )
    services.approve_case(ready_case, actor=second_officer, now=utcnow())
    assert not applicant[0].is_bookable


def test_a_stale_page_cannot_approve(ready_case, second_officer):
    with pytest.raises(StaleRecord):
        services.approve_case(
            ready_case, actor=second_officer, now=utcnow(), expected_version=ready_case.version - 1
        )
    assert ready_case.status == CaseStatus.READY


def test_rejection_needs_a_reason_and_a_statement(ready_case, second_officer):
    with pytest.raises(DomainError, match="Choose a reason"):
        services.reject_case(ready_case, reason="bad", statement="x", actor=second_officer, now=utcnow())
    with pytest.raises(DomainError, match="statement of reasons"):
        services.reject_case(
            ready_case, reason="skills_insufficient", statement="", actor=second_officer, now=utcnow()
        )
    assert ready_case.status == CaseStatus.READY


def test_a_criminal_record_rejection_sends_generic_wording(applicant, officer):
    provider, case = applicant
    provider.language = "en"  # the wording is checked in English (tests/vetting/test_french.py: French)
    checks.start_check(case.check(CheckKind.BACKGROUND), actor=officer, now=utcnow())
    services.reject_case(
        case, reason="criminal_record", statement="B3 mentions X", actor=officer, now=utcnow()
    )
    assert case.status == CaseStatus.REJECTED and provider.vetting_status == VettingStatus.REJECTED
    (note,) = _notes(provider, "vetting_rejected")
    assert "unable to accept" in note.body and "B3 mentions" not in note.body
    assert "B3 mentions" not in (case.decision_note or "")


def test_a_rejection_statement_reaches_the_applicant(applicant, officer):
    provider, case = applicant
    checks.start_check(case.check(CheckKind.REFERENCES), actor=officer, now=utcnow())
    services.reject_case(
        case,
        reason="references_insufficient",
        statement="Aucune référence joignable.",
        actor=officer,
        now=utcnow(),
    )
    (note,) = _notes(provider, "vetting_rejected")
    assert "Aucune référence joignable." in note.body


def test_a_job_cannot_do_vetting_work(ready_case, second_officer):
    token = jobs.running_job.set("tests")
    try:
        with pytest.raises(DomainError, match="named, active staff member"):
            services.approve_case(ready_case, actor=second_officer, now=utcnow())
    finally:
        jobs.running_job.reset(token)


def test_a_support_agent_cannot_do_vetting_work(ready_case):
    with pytest.raises(DomainError, match="Only vetting officers and managers"):
        services.approve_case(ready_case, actor=make_staff("support_agent"), now=utcnow())


# --- awaiting the provider --------------------------------------------------------------------------


def test_awaiting_the_provider_pauses_the_deadline(applicant, officer, now):
    case = applicant[1]
    case.opened_at, case.due_at = now, services.wf.case_due(now, 0)
    services.await_provider(case, request="Une pièce d'identité lisible", actor=officer, now=now)
    assert case.status == CaseStatus.AWAITING_PROVIDER and len(_notes(applicant[0], "vetting_awaiting")) == 1
    later = now + timedelta(days=7)  # Monday 10:00 -> the next Monday: five business days paused
    services.provider_answered(case, actor=officer, now=later)
    assert case.status == CaseStatus.IN_REVIEW and case.paused_hours == pytest.approx(45)
    assert case.due_at == services.wf.case_due(now, 45)


def test_a_case_is_withdrawn_for_silence_only_after_thirty_days(applicant, officer, now):
    case = applicant[1]
    services.await_provider(case, request="Le Kbis", actor=officer, now=now)
    with pytest.raises(DomainError, match="less than 30 days"):
        services.withdraw_case(case, reason="silence", actor=officer, now=now + timedelta(days=29))
    services.withdraw_case(case, reason="No answer for 30 days.", actor=officer, now=now + timedelta(days=30))
    assert (
        case.status == CaseStatus.WITHDRAWN
        and case.decided_by_id == officer.id
        and case.awaiting_since is None
    )


def test_a_transition_the_workflow_forbids_is_refused(ready_case, officer):
    with pytest.raises(DomainError, match="not allowed while the case is ready for decision"):
        services.provider_answered(ready_case, actor=officer, now=utcnow())


# --- documents -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"<html><script>alert(1)</script></html>", "id.pdf", "Only PDF, JPEG or PNG"),
        (b"MZ\x90\x00\x03", "id.pdf", "Only PDF, JPEG or PNG"),
        (b"", "id.pdf", "empty"),
        (b"%PDF-" + b"0" * MAX_BYTES, "big.pdf", "larger than 10 MB"),
    ],
)
def test_uploads_that_lie_about_their_type_or_size_are_refused_and_leave_nothing(
    app, applicant, officer, content, name, message
):
    from pathlib import Path

    def on_disk() -> int:
        return sum(1 for p in Path(app.config["FILES_DIR"]).rglob("*") if p.is_file())

    files_before, disk_before = (
        db.session.scalar(sa.select(sa.func.count()).select_from(StoredFile)),
        on_disk(),
    )
    with pytest.raises(UploadRefused, match=message):
        checks.upload_document(
            applicant[1], kind="identity", upload=(io.BytesIO(content), name), actor=officer, now=utcnow()
        )
    assert db.session.scalar(sa.select(sa.func.count()).select_from(StoredFile)) == files_before
    assert on_disk() == disk_before
    assert not applicant[1].documents


def test_an_identity_document_is_stored_with_its_hash(applicant, officer):
    document = checks.upload_document(
        applicant[1], kind="identity", upload=(io.BytesIO(PDF), "cni.pdf"), actor=officer, now=utcnow()
    )
    assert document.file.content_type == "application/pdf" and len(document.file.sha256) == 64


def test_there_is_no_way_to_store_the_criminal_record_extract(app):
    """No upload kind, no free text, no file column: only viewed / issue date / outcome / who / when."""
    from vetting import forms
    from vetting.models import DocumentKind

    assert {k.value for k in DocumentKind} == {"identity", "certification"}
    b3_columns = {c.name for c in VettingCheck.__table__.columns if "b3" in c.name}
    assert b3_columns == {"b3_viewed", "b3_issue_date", "b3_outcome", "b3_viewed_by_id", "b3_viewed_at"}
    for column in VettingCheck.__table__.columns:
        if column.name.startswith("b3_"):
            assert not isinstance(column.type, sa.String) or column.type.__class__.__name__ == "Enum", (
                column.name
            )
    words = ("criminal", "casier", "extract", "b3", "bulletin")
    for table in db.metadata.tables.values():
        for column in table.columns:
            if any(w in column.name for w in words):
                assert table.name == "vetting_check" and column.name in b3_columns, (table.name, column.name)
    with app.test_request_context():
        # The background form holds the extract's issue date and outcome, and nothing else of it.
        background = forms.BackgroundCheckForm().data
        assert {name for name in background if any(w in name for w in words)} == {
            "b3_issue_date",
            "b3_outcome",
        }
        for form in (forms.UploadForm(), forms.SkillsCheckForm(), forms.ReferencesCheckForm()):
            assert not any(w in name for name in form.data for w in words)
    assert set(VettingDocument.__table__.columns.keys()) == {
        "id",
        "case_id",
        "kind",
        "file_id",
        "added_at",
        "added_by",
    }


@pytest.mark.committed
def test_two_officers_approving_at_the_same_moment_decide_once(app):
    import threading

    from sqlalchemy.exc import OperationalError
    from sqlalchemy.orm.exc import StaleDataError

    doer = make_staff("vetting_officer")
    deciders = [make_staff("vetting_officer"), make_staff("vetting_officer")]
    provider, case = make_applicant()
    make_verified_policy(provider)
    pass_all_checks(case, doer)
    db.session.commit()
    case_id, decider_ids = case.id, [d.id for d in deciders]
    barrier, outcomes = threading.Barrier(2), []

    def approve(staff_id):
        from console.auth.models import StaffUser

        with app.app_context():
            try:
                staff = db.session.get(StaffUser, staff_id)
                mine = db.session.get(VettingCase, case_id)
                version = mine.version
                barrier.wait()
                services.approve_case(mine, actor=staff, now=utcnow(), expected_version=version)
                db.session.commit()
                outcomes.append("approved")
            except (DomainError, StaleDataError, OperationalError) as exc:
                db.session.rollback()
                outcomes.append(type(exc).__name__)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=approve, args=(i,)) for i in decider_ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    db.session.rollback()
    decided = db.session.get(VettingCase, case_id)
    assert outcomes.count("approved") == 1 and len(outcomes) == 2, outcomes
    assert decided.status == CaseStatus.APPROVED and decided.decided_by_id in decider_ids
    assert (
        db.session.scalar(
            sa.select(sa.func.count()).select_from(AuditEvent).where(AuditEvent.action == "vetting.approve")
        )
        == 1
    )
