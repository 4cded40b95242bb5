"""The restriction queue, decision page and restriction forms through the test client."""

from __future__ import annotations

import re

import sqlalchemy as sa

from console.db import db
from restrictions import services
from restrictions.models import Restriction, RestrictionProposal
from restrictions.workflow import ProposalStatus
from tests.conftest import csrf_token
from tests.factories import make_provider, make_staff


def _proposal(now, reason_code="insurance_lapsed"):
    proposal = services.propose_restriction(
        make_provider(), reason_code=reason_code, actor="system:tests", now=now
    )
    db.session.commit()
    return proposal


def test_the_decision_page_confirms_with_an_edited_statement(client_as, now):
    proposal = _proposal(now)
    client = client_as("manager")
    url = f"/proposals/decide/{proposal.id}"
    data = {
        "csrf_token": csrf_token(client, url),
        "statement": "Edited statement.",
        "note": "checked",
        "expected_version": str(proposal.version),
        "confirm": "1",
    }
    response = client.post(url, data=data)
    assert response.status_code == 302
    db.session.expire_all()
    restriction = db.session.scalar(sa.select(Restriction).where(Restriction.proposal_id == proposal.id))
    assert restriction.statement == "Edited statement." and restriction.decided_by_id == client.staff.id


def test_a_stale_decision_page_says_someone_else_decided(client_as, now):
    proposal = _proposal(now)
    first, second = client_as("manager"), client_as("manager")
    url = f"/proposals/decide/{proposal.id}"
    token = csrf_token(second, url)  # the second manager opened the page first
    data = {"statement": "s", "expected_version": str(proposal.version), "confirm": "1"}
    assert first.post(url, data=data | {"csrf_token": csrf_token(first, url)}).status_code == 302
    response = second.post(url, data=data | {"csrf_token": token}, follow_redirects=True)
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and f"already confirmed by {first.staff.full_name}" in body
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Restriction)) == 1


def test_a_one_megabyte_statement_is_refused_and_nothing_changes(client_as, now):
    proposal = _proposal(now)
    client = client_as("manager")
    url = f"/proposals/decide/{proposal.id}"
    data = {
        "csrf_token": csrf_token(client, url),
        "statement": "x" * 1_000_000,
        "expected_version": str(proposal.version),
        "confirm": "1",
    }
    response = client.post(url, data=data)
    assert response.status_code == 200 and "longer than 5000" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(RestrictionProposal, proposal.id).status == ProposalStatus.OPEN


def test_a_vetting_officer_cannot_decide_an_insurance_proposal(client_as, now):
    proposal = _proposal(now)
    client = client_as("vetting_officer")
    response = client.get(f"/proposals/decide/{proposal.id}", follow_redirects=True)
    assert "no open proposal you can decide" in response.get_data(as_text=True)
    assert "Restriction queue" in client.get("/proposals/").get_data(as_text=True)
    assert proposal.provider.legal_name not in client.get("/proposals/").get_data(as_text=True)


def test_restrict_request_review_decide_review_and_lift_through_the_forms(client_as, app, now):
    provider = make_provider()
    db.session.commit()
    manager, agent, other = client_as("manager"), client_as("support_agent"), client_as("manager")
    url = f"/restrictions/restrict/{provider.id}"
    data = {
        "csrf_token": csrf_token(manager, url),
        "reason_code": "terms_breach",
        "statement": "Subcontracting.",
    }
    assert manager.post(url, data=data).status_code == 302
    restriction = db.session.scalar(sa.select(Restriction).where(Restriction.provider_id == provider.id))
    details = f"/restrictions/details/?id={restriction.id}"

    def post(client, action, **fields):
        return client.post(
            f"/restrictions/{action}/{restriction.id}",
            data={"csrf_token": csrf_token(client, details)} | fields,
            follow_redirects=True,
        )

    assert "Review request recorded" in post(
        agent, "request-review", text="I stopped subcontracting."
    ).get_data(as_text=True)
    refused = post(manager, "decide-review", outcome="lifted", text="ok")
    assert "someone other than the person who restricted" in refused.get_data(as_text=True)
    assert "Review decided" in post(
        other, "decide-review", outcome="upheld", text="Still a breach."
    ).get_data(as_text=True)
    assert "Restriction lifted" in post(manager, "lift", text="Contract corrected.").get_data(as_text=True)
    db.session.expire_all()
    restriction = db.session.get(Restriction, restriction.id)
    assert restriction.review_outcome.value == "upheld" and not restriction.active


def test_a_support_agent_cannot_restrict_or_lift(client_as, now):
    provider = make_provider()
    manager = make_staff("manager")
    restriction = services.restrict_provider(
        provider, reason_code="other", statement="s", actor=manager, now=now
    )
    db.session.commit()
    agent = client_as("support_agent")
    assert agent.get(f"/restrictions/restrict/{provider.id}").status_code == 403
    assert agent.post(f"/restrictions/lift/{restriction.id}", data={"text": "x"}).status_code == 403


def test_the_home_page_shows_the_queue_size(client_as, now):
    _proposal(now, "safety_complaint")  # due an hour after `now`, which is in the past: overdue
    home = client_as("manager").get("/").get_data(as_text=True)
    assert re.search(r'data-testid="card-proposals".*?data-testid="queue-count">1<', home, re.S)


MALFORMED = [
    "/providers/details/?id=abc",
    "/providers/details/?id=99999999999999999999",
    "/providers/edit/?id=-1",
    "/proposals/details/?id=3000000000",
    "/proposals/decide/3000000000",
    "/restrictions/details/?id=99999999999999999999",
    "/restrictions/restrict/3000000000",
    "/providers/?search=PRV-999999999999",
    "/bookings/?search=PRV-99999999999",
    "/proposals/?search=PRV-3000000000",
    "/proposals/?flt0_0=bogus",
    "/providers/?flt0_0=%00",
    "/bookings/?flt0_0=not-a-status",
    "/reviews/?flt0_1=nope",
]


def test_malformed_ids_filters_and_searches_never_fail(client_as):
    client = client_as("manager")
    for url in MALFORMED:
        assert client.get(url).status_code < 500, url
    # Found by the action fuzzing: an id beyond the database's integers was a 500 on this page.
    for url in ["/proposals/decide/9223372036854775808", "/proposals/decide/" + "1" + "0" * 30]:
        assert client.get(url).status_code == 302, url
    for path in [
        "/restrictions/lift/3000000000",
        "/proposals/action/",
        "/proposals/decide/9223372036854775808",
    ]:
        data = {
            "csrf_token": csrf_token(client, "/proposals/"),
            "action": "confirm",
            "rowid": "3000000000",
            "text": "x",
        }
        assert client.post(path, data=data).status_code < 500, path


def test_a_decision_needs_an_explicit_button(client_as, now):
    proposal = _proposal(now)
    client = client_as("manager")
    url = f"/proposals/decide/{proposal.id}"
    data = {
        "csrf_token": csrf_token(client, url),
        "statement": "s",
        "expected_version": str(proposal.version),
    }
    assert "Choose either Confirm or Dismiss" in client.post(url, data=data).get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(RestrictionProposal, proposal.id).status == ProposalStatus.OPEN


def test_exports_neutralise_formulas(client_as, now):
    from tests.factories import make_provider as provider

    provider(legal_name='=HYPERLINK("http://evil/")', trade_name="@SUM(1+1)")
    db.session.commit()
    body = client_as("manager").get("/providers/export/csv/").get_data(as_text=True)
    assert "'=HYPERLINK" in body and "'@SUM" in body
    assert '\n"=HYPERLINK' not in body and ",=HYPERLINK" not in body
