"""Vetting test helpers: an applicant's case taken through its checks by one officer."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from console.business_time import paris_today
from console.db import utcnow
from tests.factories import make_applicant, make_staff, make_verified_policy
from vetting import checks
from vetting.workflow import CheckKind

RUBRIC_MARKS = {"punctuality": 5, "thoroughness": 4, "care_of_belongings": 5, "communication": 4}


def today() -> date:
    return paris_today(utcnow())


def record_background(check, officer, now=None):
    now = now or utcnow()
    checks.start_check(check, actor=officer, now=now)
    checks.record_identity(
        check,
        document_type="id_card",
        expiry=today() + timedelta(days=900),
        last4="7X2B",
        actor=officer,
        now=now,
    )
    checks.record_siret_active(check, active=True, actor=officer, now=now)
    checks.record_b3_viewing(
        check, issue_date=today() - timedelta(days=20), outcome="compatible", actor=officer, now=now
    )


def record_skills(check, officer, now=None, score=82):
    now = now or utcnow()
    checks.start_check(check, actor=officer, now=now)
    checks.record_skills(check, score=score, trial_passed=True, rubric=RUBRIC_MARKS, actor=officer, now=now)


def record_references(case, officer, now=None, positives=2):
    now = now or utcnow()
    checks.start_check(case.check(CheckKind.REFERENCES), actor=officer, now=now)
    for n in range(positives):
        reference = checks.add_reference(
            case,
            fields={
                "name": f"Mme Référence {n}",
                "relationship": "ancienne employeuse",
                "phone": "0612345678",
            },
            actor=officer,
            now=now,
        )
        checks.log_attempt(
            reference, outcome="positive", note="très sérieuse", number=1, actor=officer, now=now
        )


def pass_all_checks(case, officer, now=None):
    now = now or utcnow()
    record_background(case.check(CheckKind.BACKGROUND), officer, now)
    record_skills(case.check(CheckKind.SKILLS), officer, now)
    record_references(case, officer, now)
    for kind in CheckKind:
        checks.complete_check(case.check(kind), passed=True, notes=None, actor=officer, now=now)


@pytest.fixture
def officer():
    return make_staff("vetting_officer", name="Olivia Officer")


@pytest.fixture
def second_officer():
    return make_staff("vetting_officer", name="Samuel Second")


@pytest.fixture
def applicant():
    """(provider, its open initial case), insured today."""
    provider, case = make_applicant()
    make_verified_policy(provider)
    return provider, case


@pytest.fixture
def ready_case(applicant, officer):
    provider, case = applicant
    pass_all_checks(case, officer)
    return case
