"""Every page a staff member reaches from the menus speaks French, shows Paris time and has no dead control.

For each staff role, a real Chromium signs in (French, the console's default) over the demo seed,
opens each menu of the navigation bar as a person does and follows each of its items, then the
first record of each list. On every page it reads the visible text and the visible controls:

- no English: none of the catalogue's English sentences (msgids of two words or more whose French
  differs) and none of the common English interface words below; a text the page itself declares
  English (`lang="en"`, the integration API's OpenAPI descriptions) is left out;
- no UTC: neither "UTC", "+00:00" nor an ISO timestamp;
- no dead control: every visible link answers (same origin, state-changing links left out), every
  visible button belongs to a form or has a behaviour the console's scripts read (a disabled one is
  shown as unavailable, not dead), and every control has a name (text, aria-label or title).
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path
from urllib.parse import urljoin, urlparse

import pytest
from babel.messages.pofile import read_po

from console.db import db
from console.domain import Role
from tests.browser.conftest import sign_in
from tests.factories import make_staff

pytestmark = [pytest.mark.browser, pytest.mark.committed]

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "translations" / "fr" / "LC_MESSAGES" / "messages.po"
# A button without a form has a behaviour when it carries an attribute the console's scripts read
# (static/**/*.js) or one of Bootstrap's toggles; data-testid is for the tests, not a behaviour.
BEHAVIOUR_ATTRIBUTES = sorted(
    {name for js in (ROOT / "static").rglob("*.js") for name in re.findall(r"data-[a-z-]+", js.read_text())}
    - {"data-testid"}
    | {"data-toggle", "data-target", "data-dismiss", "aria-controls"}
)

# Whole words that never belong on a French page. "Actions" and "Page" are left out: they are
# French words too (Flask-Admin's French catalogue keeps "Actions", and "Page 2" reads the same).
ENGLISH_WORDS = [
    "the",
    "Save",
    "Cancel",
    "Delete",
    "Search",
    "List",
    "Create",
    "Details",
    "Edit",
    "Filter",
    "Export",
    "Previous",
    "Next",
    "No items",
    "Apply",
    "Add",
    "Remove",
    "Sort",
]
ENGLISH_WORD_RE = re.compile(r"(?<![\w-])(" + "|".join(re.escape(w) for w in ENGLISH_WORDS) + r")(?![\w-])")
UTC_RE = re.compile(r"UTC|\+00:00|\d{4}-\d{2}-\d{2}T\d{2}")
PLACEHOLDER_RE = re.compile(r"%\(\w+\)[sdif]|%[sdif]|\{\w*\}|<[^>]+>")
LINKS_PER_ROUTE = 2  # links to the same route (ids and query values aside) checked per role

# The controls of a page as the browser shows them: what a person can see and use.
CONTROLS_JS = """
(behaviourAttributes) => {
  const visible = (el) => {
    const box = el.getBoundingClientRect();
    return box.width > 0 && box.height > 0 &&
      el.checkVisibility({contentVisibilityAuto: true, opacityProperty: true, visibilityProperty: true});
  };
  const labelOf = (el) => {
    const img = el.querySelector("img[alt]");
    const by = el.getAttribute("aria-labelledby");
    const named = by ? document.getElementById(by) : null;
    return [el.innerText, el.getAttribute("aria-label"), el.getAttribute("title"),
            el.tagName === "INPUT" ? el.value : "", img ? img.alt : "", named ? named.innerText : ""]
      .map((t) => (t || "").trim()).join(" ").trim();
  };
  const selector = "a, button, input[type=submit], input[type=button], [role=button]";
  const out = [];
  for (const el of document.querySelectorAll(selector)) {
    if (!visible(el)) continue;
    const attrs = Array.from(el.attributes).map((a) => a.name);
    const href = el.getAttribute("href") || "";
    out.push({
      tag: el.tagName.toLowerCase(),
      html: el.outerHTML.slice(0, 160),
      label: labelOf(el),
      href: el.tagName === "A" ? el.getAttribute("href") : null,
      // Bootstrap's marker of where the person is (the current tab, page number or an edge of the
      // pager): shown as text that is not a link to anywhere else.
      current: !!el.closest(".active, .disabled, [aria-current]"),
      // A disabled control is shown as unavailable (the page says why); it still needs a name.
      disabled: el.disabled === true || el.getAttribute("aria-disabled") === "true",
      inForm: !!el.form || !!el.closest("form"),
      type: el.getAttribute("type") || "",
      behaviour: attrs.some((n) => behaviourAttributes.includes(n)),
      targetExists: href.length > 1 && href.startsWith("#") && !!document.getElementById(href.slice(1)),
    });
  }
  return out;
}
"""


def _english_sentences() -> list[str]:
    """The catalogue's English texts of two words or more whose French differs, placeholders cut out."""
    with CATALOGUE.open("rb") as source:
        catalogue = read_po(source, locale="fr")
    found: set[str] = set()
    for message in catalogue:
        if not message.id or not message.string:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for english in ids:
            if english in strings:
                continue
            # The longest literal part of a text with placeholders, when it says something alone.
            parts = [p.strip(" .,:;()«»\"'") for p in PLACEHOLDER_RE.split(english)]
            part = max(parts, key=len)
            words = part.split()
            if len(words) > 1 and (part == english.strip() or len(words) > 2) and part not in strings:
                found.add(" ".join(words))
    return sorted(found, key=len, reverse=True)


ENGLISH_SENTENCES = _english_sentences()


def _route(url: str) -> str:
    """A link's route: ids and query values replaced, so that a list's rows count as one link."""
    parsed = urlparse(url)
    path = re.sub(r"\d+|[A-Z]{3}-\d+", "N", parsed.path)
    query = "&".join(sorted(re.sub(r"=.*", "=", kv) for kv in parsed.query.split("&") if kv))
    return f"{path}?{query}"


class Crawl:
    def __init__(self, page, live_url: str):
        self.page = page
        self.live_url = live_url
        self.origin = urlparse(live_url).netloc
        self.visited: list[str] = []
        self.problems: dict[str, list[str]] = defaultdict(list)
        self.link_status: dict[str, int] = {}
        self.route_checked: dict[str, int] = defaultdict(int)

    def inspect(self) -> None:
        page = self.page
        page.wait_for_load_state("load")
        url = page.url
        self.visited.append(url)
        text = page.inner_text("body")
        # Texts the page declares English (lang="en": the API's OpenAPI document) are read as such.
        for english in page.locator("body [lang=en]").all_inner_texts():
            text = text.replace(english, " ", 1)
        flat = " ".join(text.split())
        for sentence in ENGLISH_SENTENCES:
            if sentence in flat:
                self.problems[url].append(f"English: {sentence!r}")
        for kind, pattern in (("English word", ENGLISH_WORD_RE), ("UTC", UTC_RE)):
            shown = {m.group(0): flat[max(0, m.start() - 40) : m.end() + 40] for m in pattern.finditer(flat)}
            for match, context in shown.items():
                self.problems[url].append(f"{kind}: {match!r} in “…{context}…”")
        for control in page.evaluate(CONTROLS_JS, BEHAVIOUR_ATTRIBUTES):
            self._check_control(url, control)

    def _check_control(self, url: str, control: dict) -> None:
        where = control["html"]
        if not control["label"]:
            self.problems[url].append(f"unlabelled control: {where}")
        if control["disabled"]:
            return
        if control["tag"] != "a" or control["href"] is None:
            if not (control["inForm"] or control["type"] == "submit" or control["behaviour"]):
                self.problems[url].append(f"button without behaviour: {where}")
            return
        href = control["href"].strip()
        if href.startswith("#") and len(href) > 1:
            if not (control["targetExists"] or control["behaviour"]):
                self.problems[url].append(f"link to a missing anchor: {where}")
            return
        if href in ("", "#") or href.startswith("javascript:"):
            if not (control["behaviour"] or control["current"]):
                self.problems[url].append(f"link going nowhere: {where}")
            return
        target = urljoin(url, href).split("#")[0]
        if urlparse(target).netloc != self.origin or urlparse(target).scheme not in ("http", "https"):
            return
        if "logout" in target:
            return
        status = self._status(target)
        if status is not None and status >= 400:
            self.problems[url].append(f"link answering {status}: {href} ({where})")

    def _status(self, target: str) -> int | None:
        if target in self.link_status:
            return self.link_status[target]
        route = _route(target)
        if self.route_checked[route] >= LINKS_PER_ROUTE:
            return None
        self.route_checked[route] += 1
        response = self.page.request.get(target, max_redirects=5)
        self.link_status[target] = response.status
        response.dispose()
        return self.link_status[target]

    def same_origin_links(self, selector: str) -> list[str]:
        hrefs = self.page.eval_on_selector_all(selector, "els => els.map(e => e.getAttribute('href'))")
        urls = []
        for href in hrefs:
            if not href or href.startswith(("#", "javascript")):
                continue
            url = urljoin(self.page.url, href).split("#")[0]
            if urlparse(url).netloc == self.origin and "logout" not in url and "/download" not in url:
                urls.append(url)
        return urls


TOGGLES = "nav .navbar-nav > li.dropdown > a.dropdown-toggle"


def _menu(page) -> list[tuple[str, str]]:
    """Each menu of the navigation bar opened as a person does: (menu, href of each item)."""
    items: list[tuple[str, str]] = []
    toggles = page.locator(TOGGLES)
    for i in range(toggles.count()):
        toggle = toggles.nth(i)
        toggle.click()
        menu = toggle.locator("xpath=following-sibling::ul[contains(@class,'dropdown-menu')]")
        menu.wait_for(state="visible")
        for href in menu.locator("a[href]").evaluate_all("els => els.map(e => e.getAttribute('href'))"):
            items.append((toggle.inner_text().strip(), href))
        toggle.click()  # closed again
    for href in page.locator("nav .navbar-nav > li:not(.dropdown) > a[href]").evaluate_all(
        "els => els.map(e => e.getAttribute('href'))"
    ):
        items.append(("", href))
    items.append(("", page.get_attribute("[data-testid=profile-link]", "href")))  # "My profile"
    return items


def _follow(page, menu_label: str, href: str) -> bool:
    """Open the menu and click its item (True); the item's link when no menu shows it (False)."""
    if menu_label:
        # The menu named exactly so ("Intégration" is also part of "API d’intégration").
        named = [t for t in page.locator(TOGGLES).all() if t.inner_text().strip() == menu_label]
        if named:
            toggle = named[0]
            toggle.click()
            item = page.locator(f"nav .dropdown-menu a[href='{href}']").first
            if item.count() and item.is_visible():
                with page.expect_navigation():
                    item.click()
                return True
    elif href and page.locator(f"nav a[href='{href}']").count():
        with page.expect_navigation():
            page.locator(f"nav a[href='{href}']").first.click()
        return True
    page.goto(urljoin(page.url, href))
    return False


FIRST_RECORD = "table tbody a[href], a[href*='/details/']"


@pytest.fixture
def seeded(app):
    saved = app.config["DEFAULT_LANGUAGE"]
    app.config["DEFAULT_LANGUAGE"] = "fr"
    result = app.test_cli_runner().invoke(args=["demo", "seed", "--scale", "small"])
    assert result.exit_code == 0, result.output
    yield
    app.config["DEFAULT_LANGUAGE"] = saved


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_every_page_of_each_role_speaks_french_in_paris_time_with_live_controls(page, live_url, seeded, role):
    staff = make_staff(role.value, language="fr")
    db.session.commit()
    crawl = Crawl(page, live_url)
    page.goto(f"{live_url}/login")
    crawl.inspect()  # the sign-in page, in the console's default language
    sign_in(page, live_url, staff.email)
    crawl.inspect()
    home = page.url
    menu = _menu(page)
    assert menu, "the role sees no menu"
    seen = {home}
    not_clicked = []
    for label, href in menu:
        url = urljoin(home, href).split("#")[0]
        if url in seen or urlparse(url).netloc != crawl.origin:
            continue
        seen.add(url)
        if not _follow(page, label, href):
            not_clicked.append(href)
        crawl.inspect()
        first = [u for u in crawl.same_origin_links(FIRST_RECORD) if _route(u) != _route(url)][:1]
        for record in first:
            if record not in seen:
                seen.add(record)
                page.goto(record)
                crawl.inspect()
    print(f"\n{role.value}: {len(crawl.visited)} pages")
    for url in crawl.visited:
        print("  ", url.replace(live_url, ""))
    assert len(crawl.visited) > 3, crawl.visited
    assert not_clicked == [], "menu entries a person could not click from the next page's menu"
    report = {url.replace(live_url, ""): problems for url, problems in crawl.problems.items()}
    assert not report, "\n".join(f"{u}\n    " + "\n    ".join(p) for u, p in report.items())
