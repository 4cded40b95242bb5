"""Every list of the console, crawled as a person holding every role, over the demo data: each
offered sort answers, a deep page costs no more statements than the first (and shows the last
reachable rows with a message to refine), a one-letter search is refused clearly and a long one
answers, and a count past the cap is shown as "10 000+". Statement counts, not timings: `make bench`
times the same pages on the large and xlarge data sets."""

from __future__ import annotations

import pytest
from flask import url_for

from console.access import ALL_ROLES
from console.admin_base import ConsoleModelView
from console.admin_paging import COUNT_CAP, count_label
from console.db import db
from tests.conftest import count_queries, signed_in_client


@pytest.fixture
def lists(app):
    result = app.test_cli_runner().invoke(args=["demo", "seed", "--scale", "small"])
    assert result.exit_code == 0, result.output
    db.session.commit()
    client = signed_in_client(app, *sorted(ALL_ROLES))
    views = [v for v in app.extensions["console_admin_views"].values() if isinstance(v, ConsoleModelView)]
    with app.test_request_context():
        urls = {v.endpoint: url_for(f"{v.endpoint}.index_view") for v in views}
    return client, views, urls


def _statements(client, url: str) -> tuple[int, str]:
    with count_queries() as statements:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(statements), response.get_data(as_text=True)


def test_every_list_answers_every_sort_a_deep_page_and_a_search(lists):
    client, views, urls = lists
    checked = 0
    for view in views:
        url = urls[view.endpoint]
        first, _ = _statements(client, url)
        sortable = [i for i, (name, _) in enumerate(view._list_columns) if name in view._sortable_columns]
        for index in sortable:
            for desc in ("0", "1"):
                _statements(client, f"{url}?sort={index}&desc={desc}")
        deep, page = _statements(client, f"{url}?page=999999")
        assert deep <= first, (url, deep, first)  # an empty or capped page loads nothing related
        if view.column_searchable_list:
            _, short = _statements(client, f"{url}?search=a")
            assert "Type at least 3 characters" in short, url
            _statements(client, f"{url}?search=zzzzzz")
        checked += 1
    assert checked >= 20


def test_the_second_page_costs_what_the_first_does(lists):
    client, views, urls = lists
    for endpoint in ("providers", "clients", "bookings", "reviews"):
        first, _ = _statements(client, urls[endpoint])
        second, _ = _statements(client, f"{urls[endpoint]}?page=1")
        assert first == second, endpoint


def test_a_page_past_the_cap_shows_the_last_reachable_one_and_says_so(lists):
    client, _, urls = lists
    _, page = _statements(client, f"{urls['bookings']}?page=5000")
    assert "Only the first 10,000 rows can be paged through" in page


def test_counts_stop_at_the_cap_and_read_as_a_floor(lists, monkeypatch):
    from console import counts

    client, _, urls = lists
    assert count_label(COUNT_CAP + 1) == "10,000+" and count_label(1234) == "1,234"
    _, page = _statements(client, urls["providers"])
    assert "List (300)" in page  # the demo's 300 providers, counted
    monkeypatch.setattr(counts, "COUNT_CAP", 100)
    with count_queries() as statements:
        page = client.get(urls["providers"]).get_data(as_text=True)
    assert "List (100+)" in page
    (count,) = [s for s in statements if "count(" in s.lower()]
    assert "LIMIT" in count.upper()  # the count stops reading past the cap


def test_a_substring_search_pages_without_counting_and_a_reference_is_still_counted(lists):
    from marketplace.models import Provider

    client, views, urls = lists
    (view,) = [v for v in views if v.endpoint == "providers"]
    city_size = db.func.count().label("size")
    city, matching = db.session.execute(
        db.select(Provider.city, city_size).group_by(Provider.city).order_by(city_size.desc()).limit(1)
    ).one()
    assert matching > view.page_size  # more than one page of matches
    with count_queries() as statements:
        page = client.get(f"{urls['providers']}?search={city}").get_data(as_text=True)
    assert not [s for s in statements if "count(" in s.lower()]  # the matches are not counted
    assert "List (" not in page
    assert f"/providers/?page=1&amp;search={city}" in page  # next/previous, no numbered pages
    _, page = _statements(client, f"{urls['providers']}?search=PRV-000001")
    assert "List (1)" in page  # a reference is an exact lookup, counted


def test_a_siret_or_an_e_mail_address_is_looked_up_exactly(lists):
    from marketplace.models import Client, Provider

    client, _, urls = lists
    provider = db.session.scalar(db.select(Provider).order_by(Provider.id))
    customer = db.session.scalar(db.select(Client).order_by(Client.id))
    spaced = f"{provider.siret[:3]} {provider.siret[3:6]} {provider.siret[6:9]} {provider.siret[9:]}"
    for url, term, reference in (
        (urls["providers"], spaced, f"PRV-{provider.id:06d}"),
        (urls["providers"], provider.email.upper(), f"PRV-{provider.id:06d}"),
        (urls["clients"], f" {customer.email} ", f"CLI-{customer.id:07d}"),
    ):
        with count_queries() as statements:
            page = client.get(url, query_string={"search": term}).get_data(as_text=True)
        assert not [s for s in statements if "like" in s.lower()], term  # on the column's index
        assert "List (1)" in page and reference in page, term


def test_a_substring_search_reads_the_newest_rows_first_and_still_finds_the_older_matches(app):
    """A common term fills its page among the `recent_window` newest rows (PostgreSQL); a rarer
    one, or a later page that the window cannot fill, goes to the trigram index: the rows shown
    are the same either way, newest first."""
    from marketplace.models import Client
    from tests.factories import make_client

    client = signed_in_client(app, "support_agent")
    view = app.extensions["console_admin_views"]["clients"]
    old = [make_client(full_name=f"Ancienne Quetzal {n}") for n in range(3)]  # a rare term, old
    common = [make_client(full_name=f"Romane Zorbalt {n}") for n in range(8)]
    newest = [make_client(full_name=f"Autre Personne {n}") for n in range(4)]
    db.session.commit()
    view.page_size, view.recent_window = 3, 10  # the window: the 4 newest and 6 of the common name

    def shown(term: str, page: int = 0) -> tuple[list[int], list[str]]:
        with count_queries() as statements:
            body = client.get("/clients/", query_string={"search": term, "page": page}).get_data(as_text=True)
        ids = [c.id for c in db.session.scalars(db.select(Client).order_by(Client.id.desc()))]
        return [i for i in ids if f"CLI-{i:07d}" in body], statements

    try:
        rows, statements = shown("Zorbalt")  # 6 in the window: a full page from it
        assert rows == [c.id for c in reversed(common)][:3]
        if db.engine.dialect.name == "postgresql":
            assert len([s for s in statements if "FROM client" in s]) == 2  # the floor, the page
        rows, _ = shown("Zorbalt", page=2)  # rows 7 and 8: older than the window
        assert rows == [c.id for c in reversed(common)][6:]
        rows, statements = shown("Quetzal")  # none in the window: the trigram index finds them
        assert rows == [c.id for c in reversed(old)]
        assert not [c.id for c in newest if c.id in rows]
    finally:
        del view.page_size, view.recent_window  # back to the class's values
