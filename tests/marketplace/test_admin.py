"""Provider and client screens: forms, bad input, escaping, search, and a fixed number of queries."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from console.db import db
from marketplace.models import Provider
from restrictions import services as restrictions
from tests.conftest import count_queries, csrf_token
from tests.factories import make_booking, make_provider, make_staff, provider_fields

SCRIPT = "<script>window.__x=1</script><b>Bold</b>"


def _form(client, url, **fields):
    data = {"csrf_token": csrf_token(client, url)} | fields
    return client.post(url, data=data)


def test_a_vetting_officer_registers_a_provider(client_as):
    client = client_as("vetting_officer")
    fields = provider_fields(siret="732 829 320 00074")
    response = _form(client, "/providers/new/", **fields)
    assert response.status_code == 302, response.get_data(as_text=True)
    provider = db.session.scalar(sa.select(Provider).where(Provider.siret == "73282932000074"))
    assert provider.phone == "+33612345678" and provider.services == ["regular_cleaning", "windows"]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("siret", "73282932000075", "not a valid SIRET"),
        ("email", "nope", "not a valid e-mail"),
        ("phone", "0000", "phone"),
        ("postcode", "7501", "postcode"),
        ("legal_name", "x" * 100_000, "longer than 200"),
    ],
)
def test_bad_input_is_shown_on_the_form_and_nothing_is_saved(client_as, field, value, message):
    client = client_as("manager")
    before = db.session.scalar(sa.select(sa.func.count()).select_from(Provider))
    response = _form(client, "/providers/new/", **provider_fields(**{field: value}))
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Provider)) == before


def test_a_support_agent_reads_but_cannot_create_providers(client_as):
    client = client_as("support_agent")
    assert client.get("/providers/").status_code == 200
    assert client.post("/providers/new/", data=provider_fields()).status_code == 403


def test_text_is_escaped_on_every_provider_screen(client_as, now):
    provider = make_provider(trade_name=SCRIPT, legal_name=SCRIPT)
    restrictions.propose_restriction(provider, reason_code="low_rating", actor="system:tests", now=now)
    db.session.commit()
    client = client_as("manager")
    for url in [
        "/providers/",
        f"/providers/details/?id={provider.id}",
        f"/providers/edit/?id={provider.id}",
        "/proposals/",
    ]:
        body = client.get(url).get_data(as_text=True)
        assert SCRIPT not in body, url
        assert "&lt;script&gt;window.__x=1&lt;/script&gt;" in body, url


def test_every_provider_screen_shows_eligibility(client_as, now):
    provider = make_provider(approved=False)
    db.session.commit()
    client = client_as("manager")
    for url in ["/providers/", f"/providers/details/?id={provider.id}", f"/providers/edit/?id={provider.id}"]:
        body = client.get(url).get_data(as_text=True)
        assert "Not bookable" in body and "not vetted yet" in body, url


def test_a_stale_edit_is_refused_with_a_clear_message(client_as):
    provider = make_provider()
    db.session.commit()
    client = client_as("manager")
    url = f"/providers/edit/?id={provider.id}"
    token = csrf_token(client, url)
    fields = provider_fields(siret=provider.siret, city="Bron", postcode="69500")
    stale = fields | {"csrf_token": token, "expected_version": str(provider.version - 1 or 99)}
    response = client.post(url, data=stale, follow_redirects=True)
    assert "changed by someone else" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Provider, provider.id).city == "Lyon"


def test_search_by_reference_siret_and_name(client_as):
    target = make_provider(legal_name="Brillance Zénith SAS")
    other = make_provider()
    db.session.commit()
    client = client_as("support_agent")
    for term in [target.reference, target.reference.lower().replace("-", " "), target.siret, "zénith"]:
        body = client.get("/providers/", query_string={"search": term}).get_data(as_text=True)
        assert target.siret in body and other.siret not in body, term


def test_bookings_and_reviews_are_read_only(client_as):
    client = client_as("manager")
    for url in ["/bookings/new/", "/bookings/edit/?id=1", "/reviews/new/", "/reviews/edit/?id=1"]:
        assert client.get(url).status_code == 403, url


def _seed_rows(n: int, now) -> None:
    manager = make_staff("manager")
    for i in range(n):
        booking = make_booking()
        from reviews import services

        services.record_review(
            booking=booking, rating=1 + i % 5, text=f"avis {i}", actor="system:tests", now=now
        )
        proposal = restrictions.propose_restriction(
            booking.provider, reason_code="low_rating", actor="system:tests", now=now
        )
        if i % 2:
            restrictions.confirm_proposal(proposal, actor=manager, now=now)
    db.session.commit()


LIST_PAGES = ["/providers/", "/clients/", "/bookings/", "/reviews/", "/proposals/", "/restrictions/"]


def test_list_pages_run_a_fixed_number_of_queries(client_as, now):
    client = client_as("manager")
    _seed_rows(2, now)
    few = {}
    for url in LIST_PAGES:
        with count_queries() as statements:
            assert client.get(url).status_code == 200
        few[url] = len(statements)
    _seed_rows(12, now)
    for url in LIST_PAGES:
        with count_queries() as statements:
            assert client.get(url).status_code == 200
        assert len(statements) == few[url], (url, statements)
        # related rows load after paging: one `IN (page ids)` statement per displayed relationship
        assert len(statements) <= 10, (url, [s[:60] for s in statements])
