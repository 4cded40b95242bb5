"""RC Pro screens through the test client: registering a policy, verifying or rejecting it,
certificate downloads, the certificates queue and the managers' expiry board."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from console.audit.models import AuditEvent
from console.business_time import paris_today
from console.db import db, utcnow
from console.files.models import StoredFile
from console.formatting import format_money
from console.money import euros_to_cents, format_cents
from insurance import services
from insurance.models import InsurancePolicy
from insurance.workflow import InsuranceStatus, Verification
from restrictions.models import RestrictionProposal
from restrictions.services import propose_restriction
from restrictions.workflow import ProposalStatus
from tests.conftest import count_queries, csrf_token
from tests.factories import make_booking, make_provider, make_siret, make_staff

PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
FAKE_PDF = b"<html><script>alert(document.cookie)</script></html>"
THIN = "\u2009"


def _today():
    return paris_today(utcnow())


def _policy(provider, *, starts, ends, verified_by=None, certificate=PDF, number=None, coverage=200_000_000):
    policy = services.register_policy(
        provider,
        fields={
            "insurer": "AXA France IARD",
            "policy_number": number or f"RCP-{provider.id}-{starts.isoformat()}",
            "insured_name": provider.legal_name,
            "insured_siret": provider.siret,
            "activities": ["regular_cleaning"],
            "coverage_per_claim_cents": coverage,
            "deductible_cents": 15_000,
            "starts_on": starts,
            "ends_on": ends,
        },
        certificate=(io.BytesIO(certificate), "attestation.pdf") if certificate else None,
        actor="system:tests",
        now=utcnow(),
    )
    if verified_by is not None:
        services.verify_policy(policy, actor=verified_by, now=utcnow())
    return policy


def _form(provider, **overrides):
    today = _today()
    return {
        "provider_reference": provider.reference,
        "insurer": "AXA France IARD",
        "policy_number": f"RCP {provider.id} 2026",
        "insured_name": provider.legal_name,
        "insured_siret": provider.siret,
        "activities": ["regular_cleaning", "windows"],
        "coverage": "2 000 000",
        "deductible": "150,50",
        "starts_on": (today - timedelta(days=10)).isoformat(),
        "ends_on": (today + timedelta(days=355)).isoformat(),
        "certificate": (io.BytesIO(PDF), "attestation RC.pdf"),
    } | overrides


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def _post(client, url, page, **fields):
    return client.post(url, data={"csrf_token": csrf_token(client, page)} | fields)


# --- amounts ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "cents"),
    [
        ("1500000", 150_000_000),
        ("1 500 000", 150_000_000),
        (f"1{THIN}500{THIN}000,50", 150_000_050),
        ("150.5", 15_050),
        ("0.07", 7),
        (".5", 50),
        ("  42  ", 4_200),
    ],
)
def test_amounts_in_euros_become_exact_cents(text, cents):
    assert euros_to_cents(text, allow_zero=False) == cents


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("abc", "Enter an amount"),
        ("1e6", "Enter an amount"),
        ("NaN", "Enter an amount"),
        ("Infinity", "Enter an amount"),
        ("1,500,000", "Enter an amount"),
        ("١٢٣", "Enter an amount"),  # non-ASCII digits
        ("", "Enter an amount"),
        ("-5", "cannot be negative"),
        ("12.345", "two decimals"),
        ("1.500", "two decimals"),
        ("0", "more than zero"),
        ("0.00", "more than zero"),
        ("99999999999999", "too large"),
    ],
)
def test_bad_amounts_are_refused(text, message):
    with pytest.raises(ValueError, match=message):
        euros_to_cents(text, allow_zero=False)


def test_a_zero_deductible_is_allowed_and_amounts_print_with_thin_spaces():
    assert euros_to_cents("0", allow_zero=True) == 0
    assert format_cents(150_000_000) == f"1{THIN}500{THIN}000 EUR"
    assert format_cents(12_345_678) == f"123{THIN}456.78 EUR"
    assert format_cents(5) == "0.05 EUR"


# --- registering a policy ---------------------------------------------------------------------


def test_a_vetting_officer_registers_a_policy_through_the_form(client_as):
    provider = make_provider()
    db.session.commit()
    client = client_as("vetting_officer")
    response = _post(client, "/policies/new/", "/policies/new/", **_form(provider))
    assert response.status_code == 302, response.get_data(as_text=True)
    policy = db.session.scalar(sa.select(InsurancePolicy).where(InsurancePolicy.provider_id == provider.id))
    assert response.headers["Location"].endswith(f"/policies/details/?id={policy.id}")
    assert policy.policy_number == f"RCP{provider.id}2026"
    assert policy.coverage_per_claim_cents == 200_000_000 and policy.deductible_cents == 15_050
    assert policy.activities == ["regular_cleaning", "windows"]
    assert policy.verification == Verification.PENDING
    assert policy.created_by == client.staff.email
    assert policy.certificate.content_type == "application/pdf"
    assert policy.certificate.original_name == "attestation RC.pdf"
    page = client.get(f"/policies/details/?id={policy.id}").get_data(as_text=True)
    assert format_money(200_000_000, language="en") in page and format_money(15_050, language="en") in page
    assert 'data-testid="verify"' in page


def test_the_form_can_be_opened_for_a_provider(client_as):
    provider = make_provider()
    db.session.commit()
    page = client_as("manager").get(f"/policies/new/?provider={provider.reference}").get_data(as_text=True)
    assert f'value="{provider.reference}"' in page
    assert 'type="file"' in page and 'enctype="multipart/form-data"' in page


def _shift(days):
    return lambda provider: (_today() + timedelta(days=days)).isoformat()


BAD_INPUT = [
    ("coverage", "abc", "Enter an amount in euros"),
    ("coverage", "-5", "cannot be negative"),
    ("coverage", "0", "more than zero"),
    ("coverage", "1500000.555", "At most two decimals"),
    ("coverage", "1e6", "Enter an amount in euros"),
    ("deductible", "-1", "cannot be negative"),
    ("deductible", "", "This field is required"),
    ("starts_on", "2026-02-30", "Not a valid date"),
    ("ends_on", "tomorrow", "Not a valid date"),
    ("ends_on", _shift(-20), "The end date is before the start date"),
    ("insured_siret", lambda provider: make_siret(990_001), "differs from"),
    ("insured_siret", "12345678901234", "not a valid SIRET"),
    ("provider_reference", "PRV-999999", "There is no provider with this reference"),
    ("provider_reference", "hello", "provider reference such as PRV-000123"),
    ("insurer", "x" * 5000, "longer than 120"),
    ("policy_number", "", "This field is required"),
    ("policy_number", "4111 1111 1111 1111", "looks like a payment card number"),
    ("policy_number", "5555-5555-5555-4444", "looks like a payment card number"),
    ("activities", ["gardening"], "is not a valid choice"),
    ("certificate", lambda provider: (io.BytesIO(FAKE_PDF), "x.pdf"), "Only PDF, JPEG or PNG"),
    ("certificate", lambda provider: (io.BytesIO(b""), "empty.pdf"), "The file is empty"),
]


@pytest.mark.parametrize(("field", "value", "message"), BAD_INPUT, ids=[f"{f}-{m}" for f, _, m in BAD_INPUT])
def test_bad_input_is_shown_on_the_form_and_nothing_is_saved(client_as, field, value, message):
    provider = make_provider()
    db.session.commit()
    client = client_as("vetting_officer")
    before = (_count(InsurancePolicy), _count(StoredFile))
    value = value(provider) if callable(value) else value
    response = _post(client, "/policies/new/", "/policies/new/", **_form(provider, **{field: value}))
    body = response.get_data(as_text=True)
    assert response.status_code == 200, body
    assert message in body
    assert (_count(InsurancePolicy), _count(StoredFile)) == before


def test_a_policy_number_held_by_another_provider_is_refused(client_as):
    other, provider = make_provider(), make_provider()
    _policy(other, starts=_today(), ends=_today() + timedelta(days=300), number="AXA-4412-77")
    db.session.commit()
    client = client_as("manager")
    before = (_count(InsurancePolicy), _count(StoredFile))
    response = _post(
        client, "/policies/new/", "/policies/new/", **_form(provider, policy_number="axa-4412-77")
    )
    assert response.status_code == 200
    assert "already registered for another provider" in response.get_data(as_text=True)
    assert (_count(InsurancePolicy), _count(StoredFile)) == before


def test_a_missing_certificate_is_refused(client_as):
    provider = make_provider()
    db.session.commit()
    client = client_as("manager")
    data = _form(provider)
    del data["certificate"]
    response = _post(client, "/policies/new/", "/policies/new/", **data)
    assert response.status_code == 200 and "Attach the insurer" in response.get_data(as_text=True)
    assert _count(InsurancePolicy) == 0


# --- the policy page, verification and rejection ----------------------------------------------


def test_the_policy_page_shows_status_flags_eligibility_and_certificate(client_as):
    provider = make_provider()
    officer = make_staff("vetting_officer")
    today = _today()
    _policy(provider, starts=today - timedelta(days=400), ends=today - timedelta(days=5), verified_by=officer)
    pending = _policy(provider, starts=today, ends=today + timedelta(days=365), coverage=100_000)
    db.session.commit()
    page = client_as("vetting_officer").get(f"/policies/details/?id={pending.id}").get_data(as_text=True)
    assert re.search(r'data-testid="insurance-status">expired<', page)
    assert 'data-testid="eligibility-panel"' in page and "Bookable" in page
    assert "coverage below the minimum" in page
    assert f"/policies/certificate/{pending.id}" in page
    assert 'data-testid="verify"' in page and 'data-testid="reject"' in page


def test_verifying_a_successor_closes_the_insurance_proposal(client_as):
    provider = make_provider()
    officer = make_staff("vetting_officer")
    today = _today()
    _policy(provider, starts=today - timedelta(days=400), ends=today - timedelta(days=5), verified_by=officer)
    pending = _policy(provider, starts=today - timedelta(days=4), ends=today + timedelta(days=360))
    proposal = propose_restriction(
        provider, reason_code="insurance_lapsed", actor="system:insurance-sweep", now=utcnow()
    )
    db.session.commit()
    client = client_as("vetting_officer")
    page = f"/policies/details/?id={pending.id}"
    response = _post(client, f"/policies/verify/{pending.id}", page, expected_version=str(pending.version))
    assert response.status_code == 302 and response.headers["Location"].endswith(page)
    assert "Verified:" in client.get(page).get_data(as_text=True)
    db.session.expire_all()
    policy = db.session.get(InsurancePolicy, pending.id)
    assert policy.verification == Verification.VERIFIED and policy.verified_by_id == client.staff.id
    assert services.provider_status(provider.id, today) == InsuranceStatus.VALID
    assert db.session.get(RestrictionProposal, proposal.id).status == ProposalStatus.DISMISSED


def test_rejecting_needs_a_reason(client_as):
    pending = _policy(make_provider(), starts=_today(), ends=_today() + timedelta(days=300))
    db.session.commit()
    client = client_as("manager")
    page, url = f"/policies/details/?id={pending.id}", f"/policies/reject/{pending.id}"
    response = _post(client, url, page, expected_version=str(pending.version), reason="  ")
    assert response.status_code == 302
    assert "Give the reason" in client.get(page).get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(InsurancePolicy, pending.id).verification == Verification.PENDING

    response = _post(
        client, url, page, expected_version=str(pending.version), reason="The certificate is for 2024."
    )
    assert response.status_code == 302
    body = client.get(page).get_data(as_text=True)
    assert "Rejected:" in body and "The certificate is for 2024." in body
    db.session.expire_all()
    policy = db.session.get(InsurancePolicy, pending.id)
    assert policy.verification == Verification.REJECTED
    assert policy.rejection_reason == "The certificate is for 2024."


def test_a_stale_decision_says_who_decided_first(client_as):
    pending = _policy(make_provider(), starts=_today(), ends=_today() + timedelta(days=300))
    db.session.commit()
    first, second = client_as("vetting_officer"), client_as("manager")
    page = f"/policies/details/?id={pending.id}"
    late_token = csrf_token(second, page)  # the second one opened the page first
    version = str(pending.version)
    assert _post(first, f"/policies/verify/{pending.id}", page, expected_version=version).status_code == 302
    response = second.post(
        f"/policies/reject/{pending.id}",
        data={"csrf_token": late_token, "expected_version": version, "reason": "Wrong insurer."},
        follow_redirects=True,
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f"already verified by {first.staff.full_name}" in body
    db.session.expire_all()
    policy = db.session.get(InsurancePolicy, pending.id)
    assert policy.verification == Verification.VERIFIED and policy.verified_by_id == first.staff.id


def test_a_missing_or_forged_version_counts_as_stale(client_as):
    pending = _policy(make_provider(), starts=_today(), ends=_today() + timedelta(days=300))
    db.session.commit()
    client = client_as("manager")
    page = f"/policies/details/?id={pending.id}"
    for version in ("", "abc", "99"):
        response = _post(client, f"/policies/verify/{pending.id}", page, expected_version=version)
        assert response.status_code == 302
        assert "changed by someone else" in client.get(page).get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(InsurancePolicy, pending.id).verification == Verification.PENDING


def test_decisions_on_unknown_policies_are_404(client_as):
    client = client_as("manager")
    for url in ("/policies/verify/999999", "/policies/reject/999999", "/policies/verify/3000000000"):
        response = _post(client, url, "/policies/", expected_version="1", reason="x")
        assert response.status_code == 404, url
    assert client.get("/policies/details/?id=abc").status_code < 500
    assert client.get("/policies/certificate/999999?purpose=audit").status_code == 404


# --- certificate downloads --------------------------------------------------------------------


def _downloads():
    return db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "file.download")).all()


def test_the_certificate_is_downloaded_with_a_purpose_and_audited(client_as):
    policy = _policy(make_provider(), starts=_today(), ends=_today() + timedelta(days=300))
    db.session.commit()
    client = client_as("vetting_officer")
    url = f"/policies/certificate/{policy.id}"

    form = client.get(url)
    assert form.status_code == 200 and 'name="purpose"' in form.get_data(as_text=True)
    assert client.get(f"{url}?purpose=curiosity").status_code == 400
    assert _downloads() == []

    response = client.get(f"{url}?purpose=dispute")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert "attestation.pdf" in response.headers["Content-Disposition"]
    assert response.mimetype == "application/pdf"
    assert response.data == PDF
    response.close()  # the body is the open file
    db.session.expire_all()
    (event,) = _downloads()
    assert event.purpose == "dispute" and event.actor_id == client.staff.id
    assert event.object_id == str(policy.certificate_id)


def test_a_policy_without_certificate_has_nothing_to_download(client_as):
    policy = _policy(make_provider(), starts=_today(), ends=_today() + timedelta(days=300), certificate=None)
    db.session.commit()
    client = client_as("manager")
    assert client.get(f"/policies/certificate/{policy.id}?purpose=audit").status_code == 404
    page = client.get(f"/policies/details/?id={policy.id}").get_data(as_text=True)
    assert 'data-testid="no-certificate"' in page


# --- access -----------------------------------------------------------------------------------


def test_support_agents_get_403_everywhere(client_as):
    policy = _policy(make_provider(), starts=_today(), ends=_today() + timedelta(days=300))
    db.session.commit()
    agent = client_as("support_agent")
    for url in [
        "/policies/",
        "/policies/new/",
        f"/policies/details/?id={policy.id}",
        f"/policies/certificate/{policy.id}?purpose=audit",
        "/policies/export/csv/",
        "/certificates/",
        "/expiry/",
        "/expiry/export.csv?window=expired",
    ]:
        assert agent.get(url).status_code == 403, url
    for url in [f"/policies/verify/{policy.id}", f"/policies/reject/{policy.id}", "/policies/new/"]:
        assert agent.post(url, data={"expected_version": "1", "reason": "x"}).status_code == 403, url
    assert _downloads() == []


def test_vetting_officers_do_not_see_the_expiry_board(client_as):
    officer = client_as("vetting_officer")
    assert officer.get("/expiry/").status_code == 403
    assert officer.get("/expiry/export.csv").status_code == 403
    assert "Certificates to verify" in officer.get("/").get_data(as_text=True)
    assert "Expiry board" not in officer.get("/").get_data(as_text=True)


def test_no_policy_is_edited_or_deleted_through_generic_views(client_as):
    policy = _policy(make_provider(), starts=_today(), ends=_today() + timedelta(days=300))
    db.session.commit()
    manager = client_as("manager")
    assert manager.get(f"/policies/edit/?id={policy.id}").status_code == 403
    assert manager.post("/policies/delete/", data={"id": str(policy.id)}).status_code == 403
    assert manager.post("/policies/ajax/update/", data={"list_form_pk": str(policy.id)}).status_code == 403
    assert manager.get("/certificates/new/").status_code == 403


# --- lists ------------------------------------------------------------------------------------


def test_the_certificates_queue_shows_only_pending_oldest_first(client_as, app):
    officer = make_staff("vetting_officer")
    today = _today()
    old = _policy(make_provider(), starts=today, ends=today + timedelta(days=300))
    verified = _policy(make_provider(), starts=today, ends=today + timedelta(days=300), verified_by=officer)
    rejected = _policy(make_provider(), starts=today, ends=today + timedelta(days=300))
    services.reject_policy(rejected, reason="Unreadable.", actor=officer, now=utcnow())
    new = _policy(make_provider(), starts=today, ends=today + timedelta(days=300))
    old.created_at = utcnow() - timedelta(days=3)
    db.session.commit()
    client = client_as("vetting_officer")
    body = client.get("/certificates/").get_data(as_text=True)
    assert re.findall(r'data-testid="open-(\d+)"', body) == [str(old.id), str(new.id)]
    assert f"/policies/details/?id={old.id}" in body
    home = client.get("/").get_data(as_text=True)
    assert re.search(r'data-testid="card-certificates".*?data-testid="queue-count">2<', home, re.S)
    queue = app.extensions["console_admin_views"]["certificates"]
    assert queue.get_one(str(verified.id)) is None and queue.get_one(str(rejected.id)) is None
    assert queue.get_one(str(new.id)).id == new.id
    assert client.get(f"/certificates/details/?id={verified.id}").status_code == 302


def test_the_register_lists_searches_and_formats(client_as):
    today = _today()
    first, second = make_provider(), make_provider()
    _policy(first, starts=today, ends=today + timedelta(days=300), number="AXA-0001", coverage=150_000_000)
    _policy(second, starts=today, ends=today + timedelta(days=300), number="MAAF-0002")
    db.session.commit()
    client = client_as("manager")
    body = client.get("/policies/").get_data(as_text=True)
    assert format_money(150_000_000, language="en") in body and first.reference in body
    only_first = client.get(f"/policies/?search={first.reference}").get_data(as_text=True)
    assert "AXA-0001" in only_first and "MAAF-0002" not in only_first
    by_number = client.get("/policies/?search=maaf").get_data(as_text=True)
    assert "MAAF-0002" in by_number and "AXA-0001" not in by_number
    assert client.get("/policies/?flt0_0=bogus").status_code < 500


def test_the_register_runs_a_fixed_number_of_queries(client_as):
    client = client_as("manager")
    today = _today()

    def seed(n):
        for _ in range(n):
            _policy(make_provider(), starts=today, ends=today + timedelta(days=300))
        db.session.commit()

    seed(2)
    few = {}
    for url in ("/policies/", "/certificates/"):
        with count_queries() as statements:
            assert client.get(url).status_code == 200
        few[url] = len(statements)
    seed(12)
    for url in ("/policies/", "/certificates/"):
        with count_queries() as statements:
            assert client.get(url).status_code == 200
        assert len(statements) == few[url], (url, statements)


# --- the expiry board -------------------------------------------------------------------------


@pytest.fixture
def board(now):
    """Approved providers in each situation, plus ones that must not appear."""
    officer = make_staff("vetting_officer")
    today = _today()
    soon = utcnow() + timedelta(days=2)

    def provider_with(*spans, approved=True, **fields):
        provider = make_provider(approved=approved, **fields)
        for start, end in spans:
            _policy(
                provider,
                starts=today + timedelta(days=start),
                ends=today + timedelta(days=end),
                verified_by=officer,
            )
        return provider

    people = {
        "in5": provider_with((-100, 5)),
        "in10": provider_with((-100, 10)),
        "in25": provider_with((-100, 25)),
        "in60": provider_with((-100, 60)),
        "chained": provider_with((-100, 3), (4, 200)),  # a successor follows: not ending soon
        "lapsed": provider_with((-400, -3), trade_name='=HYPERLINK("http://evil.example/")'),
        "never": provider_with(trade_name="@SUM(1+1)"),
        "unapproved": provider_with((-100, 5), approved=False),
    }
    _policy(people["in5"], starts=today + timedelta(days=6), ends=today + timedelta(days=300))  # pending
    make_booking(provider=people["lapsed"], status="scheduled", scheduled_start=soon)
    make_booking(provider=people["never"], status="scheduled", scheduled_start=soon + timedelta(days=1))
    make_booking(provider=people["never"], status="scheduled", scheduled_start=soon + timedelta(days=9))
    make_booking(provider=people["never"], status="completed", scheduled_start=utcnow() - timedelta(days=9))
    make_booking(provider=people["never"], status="cancelled", scheduled_start=soon)
    make_booking(provider=people["in5"], status="scheduled", scheduled_start=soon)  # covered today
    make_booking(provider=people["unapproved"], status="scheduled", scheduled_start=soon)
    db.session.commit()
    return people


def _tab_rows(body) -> list[int]:
    return [int(pid) for pid in re.findall(r'data-testid="row-(\d+)"', body)]


def test_the_expiry_board_tabs_and_counts(client_as, board):
    client = client_as("manager")
    expected = {
        "7": [board["in5"].id],
        "14": [board["in5"].id, board["in10"].id],
        "30": [board["in5"].id, board["in10"].id, board["in25"].id],
        "expired": [board["lapsed"].id],
        "exposure": [board["lapsed"].id, board["never"].id],
    }
    for window, ids in expected.items():
        response = client.get(f"/expiry/?window={window}")
        assert response.status_code == 200
        body = response.get_data(as_text=True)
        assert _tab_rows(body) == ids, window
        for tab, tab_ids in expected.items():
            assert f'data-testid="count-{tab}">{len(tab_ids)}<' in body, (window, tab)
    seven = client.get("/expiry/?window=7").get_data(as_text=True)
    assert "awaiting verification" in seven  # in5 has a pending successor
    exposure = client.get("/expiry/?window=exposure").get_data(as_text=True)
    row = exposure.split(f'data-testid="row-{board["never"].id}"')[1].split("</tr>")[0]
    assert "<td>2</td>" in row
    assert client.get("/expiry/?window=bogus&page=abc").status_code == 200
    assert client.get("/expiry/?window=30&page=99999999999").status_code == 200


def _csv_rows(response) -> list[list[str]]:
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")  # the byte-order mark a French spreadsheet needs
    return list(csv.reader(io.StringIO(text[1:]), delimiter=";"))


def test_the_expiry_board_exports_csv_with_formulas_neutralised(client_as, board):
    client = client_as("manager")
    response = client.get("/expiry/export.csv?window=exposure")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment")
    rows = _csv_rows(response)
    assert rows[0] == ["Reference", "Provider", "Scheduled bookings", "Next booking"]
    by_reference = {row[0]: row for row in rows[1:]}
    assert by_reference[board["lapsed"].reference][1] == '\'=HYPERLINK("http://evil.example/")'
    assert by_reference[board["never"].reference][1:3] == ["'@SUM(1+1)", "2"]
    assert len(rows) == 3

    expired = _csv_rows(client.get("/expiry/export.csv?window=expired"))
    assert expired[1][0] == board["lapsed"].reference and expired[1][3] == "3"
    thirty = _csv_rows(client.get("/expiry/export.csv?window=30"))
    assert [row[0] for row in thirty[1:]] == [board[k].reference for k in ("in5", "in10", "in25")]


def test_the_expiry_board_paginates(client_as):
    officer = make_staff("vetting_officer")
    today = _today()
    for i in range(53):
        _policy(
            make_provider(),
            starts=today - timedelta(days=30),
            ends=today + timedelta(days=i % 7),
            verified_by=officer,
        )
    db.session.commit()
    client = client_as("manager")
    first = client.get("/expiry/?window=7").get_data(as_text=True)
    second = client.get("/expiry/?window=7&page=2").get_data(as_text=True)
    assert len(_tab_rows(first)) == 50 and len(_tab_rows(second)) == 3
    assert "Page 2 of 2 (53 providers)" in second
    assert not set(_tab_rows(first)) & set(_tab_rows(second))


def test_the_expiry_board_runs_a_fixed_number_of_queries(client_as, board):
    client = client_as("manager")
    officer = make_staff("vetting_officer")
    today = _today()

    def statements_per_tab():
        counts = {}
        for window in ("7", "30", "expired", "exposure"):
            with count_queries() as statements:
                assert client.get(f"/expiry/?window={window}").status_code == 200
            counts[window] = len(statements)
        return counts

    few = statements_per_tab()
    for i in range(10):
        provider = make_provider()
        _policy(
            provider, starts=today - timedelta(days=99), ends=today + timedelta(days=i), verified_by=officer
        )
        make_booking(
            provider=make_provider(), status="scheduled", scheduled_start=utcnow() + timedelta(days=1)
        )
    db.session.commit()
    assert statements_per_tab() == few


SCRIPT = "<script>window.__x=1</script><b>Bold</b>"


def test_hostile_text_is_escaped_on_every_insurance_screen(client_as):
    today = _today()
    provider = make_provider(trade_name=SCRIPT)
    officer = make_staff("vetting_officer")
    _policy(provider, starts=today - timedelta(days=99), ends=today + timedelta(days=3), verified_by=officer)
    pending = _policy(provider, starts=today, ends=today + timedelta(days=300), number="<b>X</b>")
    db.session.commit()
    client = client_as("manager")
    for url in [
        "/policies/",
        f"/policies/details/?id={pending.id}",
        "/certificates/",
        "/expiry/?window=7",
        f"/policies/certificate/{pending.id}",
    ]:
        body = client.get(url).get_data(as_text=True)
        assert "<script>window.__x" not in body and "<b>Bold</b>" not in body, url
        assert "&lt;script&gt;" in body, url


def test_verifying_without_certificate_is_refused_on_the_page_unless_seen_elsewhere(client_as):
    policy = _policy(make_provider(), starts=_today(), ends=_today() + timedelta(days=300), certificate=None)
    db.session.commit()
    client = client_as("vetting_officer")
    page, url = f"/policies/details/?id={policy.id}", f"/policies/verify/{policy.id}"
    body = client.get(page).get_data(as_text=True)
    assert 'data-testid="verify-needs-certificate"' in body and 'data-testid="seen-elsewhere"' in body
    response = _post(client, url, page, expected_version=str(policy.version))
    assert response.status_code == 302
    assert "No certificate was uploaded for this policy: upload it" in client.get(page).get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(InsurancePolicy, policy.id).verification == Verification.PENDING

    detail = "Seen on the insurer's extranet, policy active."
    response = _post(
        client,
        url,
        page,
        expected_version=str(policy.version),
        without_certificate="certificate_seen_elsewhere",
        seen_elsewhere=detail,
    )
    assert response.status_code == 302
    assert "Verified:" in client.get(page).get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(InsurancePolicy, policy.id).verification == Verification.VERIFIED
    event = db.session.scalars(
        sa.select(AuditEvent).where(
            AuditEvent.action == "insurance.verify", AuditEvent.object_id == str(policy.id)
        )
    ).one()
    assert event.shown_changes["seen_elsewhere"] == detail


def test_the_certificates_queue_flags_a_policy_without_certificate(client_as):
    bare = _policy(make_provider(), starts=_today(), ends=_today() + timedelta(days=300), certificate=None)
    with_pdf = _policy(make_provider(), starts=_today(), ends=_today() + timedelta(days=300))
    db.session.commit()
    body = client_as("vetting_officer").get("/certificates/").get_data(as_text=True)
    assert f'data-testid="no-certificate-{bare.id}"' in body
    assert f'data-testid="no-certificate-{with_pdf.id}"' not in body
