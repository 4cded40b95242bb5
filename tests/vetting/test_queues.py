"""The vetting lists through the test client: "My checks" one row per case with each check's chip,
who completed which check, and whether the viewer may approve (the approve button's rule)."""

from __future__ import annotations

import re

import pytest

from console.db import db, utcnow
from tests.conftest import count_queries, csrf_token, sign_in
from tests.factories import make_applicant, make_staff, make_verified_policy
from tests.vetting.conftest import pass_all_checks, record_skills
from vetting import checks
from vetting.workflow import CheckKind


def _text(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def _chip(page: str, case_id: int, kind: str) -> str:
    match = re.search(
        rf'<span class="badge badge-(\w+) mr-1" data-testid="chip-{case_id}-{kind}">([^<]*)</span>', page
    )
    assert match, (case_id, kind)
    return f"{match[1]} {match[2]}"


def _approval(page: str, case_id: int) -> str:
    match = re.search(rf'data-testid="approval-{case_id}">([^<]*)</span>', page)
    assert match, case_id
    return match[1]


def test_my_checks_has_one_row_per_case_with_a_chip_per_check(client_as):
    client = client_as("vetting_officer")
    me, other = client.staff, make_staff("vetting_officer", name="Bruno Bastien")
    provider, case = make_applicant()
    make_verified_policy(provider)
    checks.assign_case(case, assignee=me, actor=me, now=utcnow())
    checks.assign_check(case.check(CheckKind.REFERENCES), assignee=other, actor=me, now=utcnow())
    record_skills(case.check(CheckKind.SKILLS), me)
    checks.complete_check(case.check(CheckKind.SKILLS), passed=True, notes=None, actor=me, now=utcnow())
    db.session.commit()
    page = _text(client.get("/vetting_mine/"))
    assert page.count(f'data-testid="case-{case.id}"') == 1  # one row, not one per check
    assert _chip(page, case.id, "background") == f"secondary background: pending · {me.full_name}"
    assert _chip(page, case.id, "skills") == f"success skills: passed · {me.full_name}"
    assert _chip(page, case.id, "references") == "secondary references: pending · Bruno Bastien"
    assert _approval(page, case.id) == "you may not approve (you did a check)"


def test_my_checks_leaves_out_cases_whose_checks_are_done_or_someone_else_s(client_as):
    client = client_as("vetting_officer")
    me, other = client.staff, make_staff("vetting_officer")
    _, done = make_applicant()
    make_verified_policy(done.provider)
    checks.assign_case(done, assignee=me, actor=me, now=utcnow())
    pass_all_checks(done, me)
    _, theirs = make_applicant()
    checks.assign_case(theirs, assignee=other, actor=other, now=utcnow())
    db.session.commit()
    page = _text(client.get("/vetting_mine/"))
    assert f'data-testid="case-{done.id}"' not in page and f'data-testid="case-{theirs.id}"' not in page


def test_the_ready_queue_tells_each_viewer_whether_they_may_approve(app, client_as, ready_case, officer):
    colleague = client_as("vetting_officer")
    page = _text(colleague.get("/vetting_ready/"))
    assert _approval(page, ready_case.id) == "you may approve"
    for kind in ("background", "skills", "references"):
        assert _chip(page, ready_case.id, kind) == f"success {kind}: passed · Olivia Officer"
    db.session.commit()
    doer = app.test_client()
    assert sign_in(doer, officer.email).status_code == 302
    page = _text(doer.get("/vetting_ready/"))
    assert _approval(page, ready_case.id) == "you may not approve (you did a check)"
    assert "four eyes" in re.search(rf'title="([^"]*)" data-testid="approval-{ready_case.id}"', page)[1]


def test_a_ready_case_without_cover_says_it_cannot_be_approved_and_why(client_as, officer):
    provider, case = make_applicant()  # not insured
    pass_all_checks(case, officer)
    db.session.commit()
    page = _text(client_as("vetting_officer").get("/vetting_ready/"))
    assert _approval(page, case.id) == "cannot be approved yet"
    assert 'title="no verified RC Pro policy covers today"' in page


@pytest.mark.parametrize("url", ["/vetting_mine/", "/vetting_ready/", "/vetting_cases/"])
def test_chips_and_approval_cost_a_fixed_number_of_queries(client_as, url):
    client = client_as("vetting_officer")
    me = client.staff

    def add_cases(n):
        for _ in range(n):
            provider, case = make_applicant()
            make_verified_policy(provider)
            completer = make_staff("vetting_officer")
            pass_all_checks(case, completer)
            checks.assign_case(case, assignee=me, actor=completer, now=utcnow())  # nothing left to assign
            provider, case = make_applicant()
            checks.assign_case(case, assignee=me, actor=me, now=utcnow())
        db.session.commit()

    add_cases(1)
    client.get(url)
    with count_queries() as few:
        first = _text(client.get(url))
    add_cases(8)
    with count_queries() as many:
        more = _text(client.get(url))
    assert more.count('data-testid="approval-') > first.count('data-testid="approval-')
    assert len(many) == len(few), (len(few), len(many))


def test_bulk_assignment_is_not_offered_in_my_checks(client_as):
    client = client_as("vetting_officer")
    page = _text(client.get("/vetting_mine/"))
    assert 'data-testid="bulk-assignee"' not in page
    response = client.post(
        "/vetting_mine/action/",
        data={"csrf_token": csrf_token(client, "/vetting_mine/"), "action": "assign_to_me", "rowid": ["1"]},
    )
    assert response.status_code in (302, 403)
