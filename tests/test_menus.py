"""The navigation menus per role: grouped by task, no label twice, every entry opens."""

from __future__ import annotations

import html
import re

import pytest

from tests.conftest import signed_in_client

ROLES = ("support_agent", "vetting_officer", "manager", "admin")
NAV_ITEM = re.compile(
    r'<a[^>]*class="[^"]*dropdown-toggle[^"]*"[^>]*>(?P<category>.*?)</a>'
    r'|<a[^>]*class="(?:dropdown-item|nav-link)[^"]*"[^>]*href="(?P<href>[^"]+)"[^>]*>(?P<label>.*?)</a>',
    re.S,
)


def _text(fragment: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", fragment))).strip()


def menu(page: str) -> tuple[list[str], list[tuple[str, str]]]:
    """(category labels, [(entry label, url)]) of the navigation bar's menu."""
    nav = page[page.index("<nav") : page.index("</nav>")]
    menu_part = nav.split('id="admin-navbar-collapse"')[-1].split('class="navbar-nav ml-auto')[0]
    categories, entries = [], []
    for match in NAV_ITEM.finditer(menu_part):
        if match["category"] is not None:
            categories.append(_text(match["category"]))
        else:
            entries.append((_text(match["label"]), html.unescape(match["href"])))
    return categories, entries


@pytest.mark.parametrize("role", ROLES)
def test_the_menu_of_each_role_has_no_label_twice_and_every_entry_opens(app, role):
    client = signed_in_client(app, role)
    categories, entries = menu(client.get("/").get_data(as_text=True))
    labels = categories + [label for label, _ in entries]
    assert entries, "the menu lists the role's screens"
    assert len(labels) == len(set(labels)), sorted(label for label in labels if labels.count(label) > 1)
    for label, url in entries:
        response = client.get(url, follow_redirects=True)
        assert response.status_code == 200, (label, url, response.status_code)


def test_a_person_with_every_role_reads_no_label_twice(app):
    client = signed_in_client(app, *ROLES)
    categories, entries = menu(client.get("/").get_data(as_text=True))
    labels = categories + [label for label, _ in entries]
    assert len(labels) == len(set(labels)), sorted(label for label in labels if labels.count(label) > 1)
    assert len(entries) >= 40  # every screen is reached from the menu


def test_the_menu_is_grouped_by_task_with_the_daily_work_first(app):
    categories, entries = menu(signed_in_client(app, "support_agent").get("/").get_data(as_text=True))
    assert categories[:2] == ["Complaints", "Disputes and reviews"]
    categories, _ = menu(signed_in_client(app, "vetting_officer").get("/").get_data(as_text=True))
    assert categories[:2] == ["Vetting", "Insurance"]
