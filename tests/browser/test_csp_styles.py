"""Every role's main pages under a CSP without 'unsafe-inline' styles: nothing refused, still styled.

A real Chromium signs in as each role over the seeded demo data, opens every page of its menu, the
first record and the create form of each list, and listens for `securitypolicyviolation` events and
CSP messages on the console; then it reads computed styles of elements that used to carry a style
attribute (the sign-in box, role badges, report progress bars, texts that keep their line breaks).
"""

from __future__ import annotations

from urllib.parse import urljoin, urlparse

import pytest

from console.db import db
from console.domain import Role
from tests.browser.conftest import sign_in
from tests.factories import make_report_run_row, make_staff

pytestmark = [pytest.mark.browser, pytest.mark.committed]

LISTEN = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.violatedDirective + " " + (e.blockedURI || "") + " " + (e.sample || ""));
});
"""
MAX_PAGES = 45


def _violations(page) -> list[str]:
    found = page.evaluate("window.__csp || []")
    found += [text for text in page.console_errors if "Content Security Policy" in text]
    page.console_errors.clear()
    return found


def _links(page, live_url: str, selector: str) -> list[str]:
    hrefs = page.eval_on_selector_all(selector, "els => els.map(e => e.getAttribute('href'))")
    urls = []
    for href in hrefs:
        if not href or href.startswith(("#", "javascript")):
            continue
        url = urljoin(page.url, href)
        if (
            urlparse(url).netloc == urlparse(live_url).netloc
            and "logout" not in url
            and "/download" not in url
        ):
            urls.append(url.split("#")[0])
    return urls


def _visit(page, url: str, refused: dict[str, list[str]]) -> None:
    response = page.goto(url)
    assert response.status < 500, (url, response.status)
    page.wait_for_load_state("load")
    problems = _violations(page)
    if problems:
        refused[url] = problems


@pytest.fixture
def seeded(app):
    result = app.test_cli_runner().invoke(args=["demo", "seed", "--scale", "small"])
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_every_main_page_of_each_role_loads_without_a_csp_violation(page, live_url, seeded, role):
    staff = make_staff(role.value)
    db.session.commit()
    page.add_init_script(LISTEN)
    sign_in(page, live_url, staff.email)
    refused: dict[str, list[str]] = {}
    _visit(page, f"{live_url}/", refused)
    menu = list(dict.fromkeys(_links(page, live_url, "nav a[href]")))
    seen = {f"{live_url}/"}
    for url in menu:
        if url in seen or len(seen) >= MAX_PAGES:
            continue
        seen.add(url)
        _visit(page, url, refused)
        deeper = _links(page, live_url, "a[href*='/details/'], a[href*='/edit/'], a[href$='/new/']")[:2]
        for extra in deeper:
            if extra not in seen and len(seen) < MAX_PAGES:
                seen.add(extra)
                _visit(page, extra, refused)
    assert len(seen) > 3, seen  # the crawl reached the role's pages
    assert refused == {}, refused


def test_styled_elements_keep_their_styles_without_inline_styles(page, live_url, seeded):
    manager = make_staff("manager", "support_agent")
    make_report_run_row("running", progress=40, requester=manager)
    db.session.commit()
    page.add_init_script(LISTEN)

    page.goto(f"{live_url}/login")
    assert page.eval_on_selector("main.signin-page", "e => getComputedStyle(e).maxWidth") == "448px"
    sign_in(page, live_url, manager.email)
    badge = page.eval_on_selector(
        "[data-testid=signed-in-as] .badge", "e => getComputedStyle(e).backgroundColor"
    )
    assert badge not in ("rgba(0, 0, 0, 0)", "transparent")

    page.goto(f"{live_url}/reports/")
    bar = page.locator(".progress-bar[data-progress='40']")
    ratio = bar.evaluate(
        "e => e.getBoundingClientRect().width / e.parentElement.getBoundingClientRect().width"
    )
    assert 0.38 < ratio < 0.42, ratio
    assert bar.evaluate("e => getComputedStyle(e.parentElement).height") == "8px"

    page.goto(f"{live_url}/complaints/")
    details = _links(page, live_url, "a[href*='/details/']")
    assert details
    page.goto(details[0])
    pre_wrap = page.eval_on_selector_all(
        ".text-pre-wrap", "els => els.map(e => getComputedStyle(e).whiteSpace)"
    )
    assert pre_wrap and set(pre_wrap) == {"pre-wrap"}
    assert _violations(page) == []
