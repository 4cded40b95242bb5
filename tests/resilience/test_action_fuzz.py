"""Every custom form and action of the console (the pages' own POST routes, not Flask-Admin's
create and edit forms, which test_input_fuzz covers), sent drawn values: never a 5xx, and a refused
request leaves every table as it was.

The forms are not written down here: a person holding every role crawls the console over the demo
data, reads each page's POST forms (their fields, types, choices and hidden values) and maps them to
the app's url_map; a check below fails when a POST route is neither reached nor excluded for a
stated reason. Each route then gets a few hypothesis examples that replace some of its fields (hidden
ones included: expected states, ids) and sometimes the id in its path.
"""

from __future__ import annotations

import io
import re
from collections import defaultdict
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from console.access import ALL_ROLES
from console.db import db
from console.submissions import new_token
from tests import factories
from tests.conftest import TEST_DATABASE_URL, csrf_token, signed_in_client
from tests.resilience.test_input_fuzz import booleans, dates, numbers, row_counts, text

# On PostgreSQL with real commits: hundreds of requests as savepoints of one transaction slow it
# down (past 64 subtransactions every snapshot reads pg_subtrans: 317 s instead of 45 s); the tables
# are emptied afterwards instead. SQLite keeps the one rolled-back transaction (cheap there, and its
# file lock would make the test's own reads and the requests' writes wait on each other).
pytestmark = [pytest.mark.committed] if TEST_DATABASE_URL else []

# POST routes this test does not send drawn values to, and why.
EXCLUDED = {
    "auth.login": "signing in records each attempt by design; tests/auth cover its inputs and limits",
    "auth.logout": "ends the crawling session",
    # The portal: pages of signed links (no staff session, not linked from the console) and the
    # mail service's signed webhook; tests/portal send them wrong tokens, bad input and replays.
    "portal.page": "reached by a signed link only; tests/portal/test_views.py covers its inputs",
    "portal.new_link": "public form of the portal; tests/portal/test_views.py covers its inputs",
    "inbound.inbound_email": "a signed webhook, not a form; tests/portal/test_inbound.py covers it",
    "inbound_triage.handled": "shown only when an inbound e-mail waits in triage (the demo has none); "
    "tests/portal/test_views.py posts it",
    "auth.second_factor": "the second step of signing in, before any session: tests/auth/test_mfa.py",
    "auth.enrol": "the second factor's set-up while signing in, before any session: tests/auth/test_mfa.py",
}
GENERIC = ("create_view", "edit_view")  # Flask-Admin's forms: tests/resilience/test_input_fuzz.py
ODD_IDS = ["0", "2147483647", "2147483648", "9223372036854775807", "9223372036854775808", "1" + "0" * 30]
MAX_PAGES = 400
PER_PATH = 6


@dataclass
class Field:
    name: str
    kind: str  # input type, "select", "select-multiple" or "textarea"
    value: str = ""
    options: list[str] = field(default_factory=list)


@dataclass
class Form:
    url: str
    page: str
    fields: dict[str, Field] = field(default_factory=dict)


class FormReader(HTMLParser):
    """The POST forms of a page with their fields; and Flask-Admin's batch-action form, whose row
    checkboxes and action names live outside it."""

    def __init__(self, page: str):
        super().__init__(convert_charrefs=True)
        self.page = page
        self.forms: list[Form] = []
        self.current: Form | None = None
        self.select: Field | None = None
        self.textarea: Field | None = None
        self.row_ids: list[str] = []
        self.actions: list[str] = []
        self.action_form: Form | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        if tag == "a" and a.get("data-console-action"):
            self.actions.append(a["data-console-action"])
        if tag == "input" and a.get("name") == "rowid" and self.current is None:
            self.row_ids.append(a.get("value", ""))
        if tag == "form":
            if a.get("method", "get").lower() == "post":
                self.current = Form(url=a.get("action") or self.page, page=self.page)
                self.forms.append(self.current)
                if a.get("id") == "action_form":
                    self.action_form = self.current
            return
        if self.current is None or not a.get("name"):
            return
        name = a["name"]
        if tag == "input":
            kind = a.get("type", "text").lower()
            if kind in ("checkbox", "radio") and name in self.current.fields:
                self.current.fields[name].options.append(a.get("value", "y"))
                return
            options = [a.get("value", "y")] if kind in ("checkbox", "radio") else []
            self.current.fields[name] = Field(name, kind, a.get("value", ""), options)
        elif tag == "select":
            self.select = Field(name, "select-multiple" if "multiple" in a else "select")
            self.current.fields[name] = self.select
        elif tag == "option" and self.select is not None:
            self.select.options.append(a.get("value", ""))
        elif tag == "textarea":
            self.textarea = Field(name, "textarea")
            self.current.fields[name] = self.textarea
        elif tag == "button" and a.get("value"):
            self.current.fields[name] = Field(name, "submit", a["value"], [a["value"]])

    def handle_data(self, data):
        if self.textarea is not None:
            self.textarea.value += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.current = None
        elif tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None

    def close(self):
        super().close()
        if self.action_form is not None:
            self.action_form.fields["action"] = Field("action", "select", "", self.actions)
            self.action_form.fields["rowid"] = Field("rowid", "select-multiple", "", self.row_ids[:5])


def _keep(url: str) -> str | None:
    """The crawlable form of a link: same site, no download or export, only an `id` query."""
    parts = urlsplit(url)
    if parts.netloc not in ("", "localhost") or not parts.path.startswith("/"):
        return None
    if re.search(r"logout|download|export|/static/", parts.path):
        return None
    query = [(k, v) for k, v in parse_qsl(parts.query) if k in ("id", "status")]
    return parts.path + (f"?{urlencode(query)}" if query else "")


def harvest(app, client, start: list[str]) -> dict[str, list[Form]]:
    """Crawl from the home page and `start`; return the forms found, by endpoint of their action."""
    adapter = app.url_map.bind("localhost")
    found: dict[str, list[Form]] = defaultdict(list)
    queue, seen, per_path = ["/", *start], {"/", *start}, defaultdict(int)
    while queue and len(seen) < MAX_PAGES:
        url = queue.pop(0)
        response = client.get(url)
        if response.status_code != 200 or "html" not in response.content_type:
            continue
        html = response.get_data(as_text=True)
        reader = FormReader(url)
        reader.feed(html)
        reader.close()
        for form in reader.forms:
            target = _keep(form.url) or form.url
            try:
                endpoint, _ = adapter.match(urlsplit(target).path, method="POST")
            except Exception:  # noqa: BLE001, S112 - not one of our routes
                continue
            form.url = target
            if len(found[endpoint]) < 3:
                found[endpoint].append(form)
        for href in re.findall(r'href="([^"#]+)"', html):
            link = _keep(href.replace("&amp;", "&"))
            if link is None or link in seen:
                continue
            shape = re.sub(r"\d+", "N", urlsplit(link).path)  # /flags/review/N: a few of each kind
            if per_path[shape] >= PER_PATH:
                continue
            per_path[shape] += 1
            seen.add(link)
            queue.append(link)
    return found


def _post_routes(app) -> tuple[set[str], set[str]]:
    """The POST routes a page offers, and Flask-Admin's generic ones a view has switched off (they
    exist on every view: delete, batch action, inline edit)."""
    views = app.extensions["console_admin_views"]
    offered, switched_off = set(), set()
    for rule in app.url_map.iter_rules():
        name = rule.endpoint
        if "POST" not in rule.methods or name.endswith(GENERIC) or name in EXCLUDED:
            continue
        if rule.rule.startswith("/api/"):  # the integration API: tests/api/test_openapi.py fuzzes it
            continue
        view_name, _, method = name.rpartition(".")
        view = views.get(view_name)
        enabled = {
            "delete_view": lambda v: v.can_delete,
            "action_view": lambda v: bool(v._actions),
            "ajax_update": lambda v: bool(v.column_editable_list),
        }.get(method)
        if view is not None and enabled is not None and not enabled(view):
            switched_off.add(name)
        else:
            offered.add(name)
    return offered, switched_off


def _files():
    content = st.sampled_from([b"", b"%PDF-1.4\n" + b"x" * 100, b"\x00" * 64, factories.CERTIFICATE_PDF])
    name = st.sampled_from(["c.pdf", "../../c.pdf", "c.exe", "\u202egnp.pdf", ""])
    return st.tuples(content, name).map(lambda pair: (io.BytesIO(pair[0]), pair[1]))


def drawn_value(f: Field, data):
    """A value for a field by its kind (None leaves it out of the form)."""
    if f.kind in ("select", "select-multiple", "radio", "checkbox", "submit"):
        pick = st.one_of(st.sampled_from(f.options), text) if f.options else text
        if f.kind == "select-multiple":
            return data.draw(st.lists(pick, max_size=4))
        if f.kind == "checkbox":
            return data.draw(st.one_of(st.none(), pick, booleans))
        return data.draw(st.one_of(st.none(), pick))
    if f.kind == "number":
        return data.draw(numbers)
    if f.kind in ("date", "datetime-local", "month"):
        return data.draw(dates)
    if f.kind == "file":
        return data.draw(_files())
    if f.kind == "hidden":
        return data.draw(st.one_of(numbers, text, st.sampled_from(["", "new", "closed", "approved"])))
    return data.draw(st.one_of(st.none(), text))


def _baseline(form: Form) -> dict:
    values = {}
    for f in form.fields.values():
        if f.kind == "file":
            values[f.name] = (io.BytesIO(factories.CERTIFICATE_PDF), "attestation.pdf")
        elif f.kind in ("checkbox", "radio"):
            continue
        elif f.kind == "select" and not f.value and f.options:
            values[f.name] = f.options[-1]
        elif f.kind == "select-multiple":
            values[f.name] = f.options[:1]
        else:
            values[f.name] = f.value
    if "submission_token" in values:
        values["submission_token"] = new_token()
    return values


def _refused(client, response) -> bool:
    """A refusal: an error status, the form shown again, or a redirect to a page saying why. A page
    answered directly that says it succeeded (a key or secret shown once) is not a refusal."""
    if response.status_code != 302:
        return "alert-success" not in response.get_data(as_text=True)
    landing = client.get(response.headers["Location"]).get_data(as_text=True)
    return "alert-danger" in landing and "alert-success" not in landing


def fuzz(app, client, endpoint: str, forms: list[Form], examples: int) -> None:
    @settings(max_examples=examples, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(data=st.data())
    def send(data):
        form = data.draw(st.sampled_from(forms))
        values = _baseline(form)
        names = [n for n in form.fields if n != "csrf_token"]
        chosen = data.draw(st.sets(st.sampled_from(names), max_size=3)) if names else set()
        for name in chosen:
            value = drawn_value(form.fields[name], data)
            if value is None:
                values.pop(name, None)
            else:
                values[name] = value
        url = form.url
        if data.draw(st.integers(0, 5)) == 0 and re.search(r"/\d+(/|$)", urlsplit(url).path):
            odd = data.draw(st.sampled_from(ODD_IDS))
            url = re.sub(r"/\d+(?=/|$|\?)", f"/{odd}", url, count=1)
        db.session.expire_all()
        before = row_counts()
        response = client.post(url, data=values, content_type="multipart/form-data")
        assert response.status_code < 500, (endpoint, url, values, response.get_data(as_text=True)[-2000:])
        db.session.expire_all()
        after = row_counts()
        if _refused(client, response):
            assert after == before, (endpoint, url, values)

    send()


def stage_every_state(person, queue_redis) -> list[str]:
    """Records in the states whose pages offer the remaining forms, made by other staff where a
    rule wants a second person; return the pages to start the crawl from."""
    from rq import Queue

    from console import jobs
    from console.db import utcnow
    from disputes.disputes import services as disputes
    from restrictions import services as restrictions
    from tests.conftest import InProcessWorker
    from tests.test_jobs import explode
    from tests.vetting.conftest import pass_all_checks
    from vetting import checks
    from vetting import services as vetting
    from vetting.workflow import CheckKind

    now = utcnow()
    manager, officer = factories.make_staff("manager"), factories.make_staff("vetting_officer")
    pages = []
    restricted = restrictions.restrict_provider(
        factories.make_provider(), reason_code="other", statement="s", actor=manager, now=now
    )
    under_review = restrictions.restrict_provider(
        factories.make_provider(), reason_code="other", statement="s", actor=manager, now=now
    )
    restrictions.request_review(under_review, text="please", actor=manager, now=now)
    pages += [f"/restrictions/details/?id={restricted.id}", f"/restrictions/details/?id={under_review.id}"]

    for proposed in (False, True):
        dispute = factories.make_dispute(
            factories.make_complaint(booking=factories.make_booking(price_cents=200_000)),
            amount_claimed_cents=90_000,
        )
        if proposed:
            disputes.propose_decision(
                dispute, outcome="upheld", amount_awarded_cents=90_000, reasons="r", actor=manager, now=now
            )
        pages += [f"/disputes/details/?id={dispute.id}", f"/disputes-to-decide/details/?id={dispute.id}"]

    from disputes.complaints import saved_views

    saved_views.save_view(name="Critiques", queue="complaints", query="sort=1", actor=person, now=now)
    pages.append("/queue/mine/")

    _, working = factories.make_applicant()
    for kind in CheckKind:
        checks.start_check(working.check(kind), actor=person, now=now)
    checks.add_reference(
        working,
        fields={"name": "Mme Réf", "relationship": "cliente", "phone": "0612345678"},
        actor=person,
        now=now,
    )
    provider, ready = factories.make_applicant()
    factories.make_verified_policy(provider)
    pass_all_checks(ready, officer, now)
    _, waiting = factories.make_applicant()
    vetting.await_provider(waiting, request="Votre Kbis", actor=officer, now=now)
    _, rejected = factories.make_applicant()
    pass_all_checks(rejected, officer, now)
    vetting.reject_case(rejected, reason="other", statement="s", actor=person, now=now)
    pages += [f"/vetting_cases/details/?id={case.id}" for case in (working, ready, waiting, rejected)]

    # Subject requests: an access and an erasure just received, and an erasure of a restricted provider
    # asked by one manager and waiting for a second person.
    from privacy import services as privacy

    asked = {"requested_by": "La personne", "identity_check": "pièce d'identité", "received_at": now}
    subject = factories.make_client()
    for kind in ("access", "erasure"):
        request = privacy.open_request(
            kind=kind, reference=subject.reference, **asked, actor=manager, now=now
        )
        pages.append(f"/privacy_requests/details/?id={request.id}")
    waiting_erasure = privacy.open_request(
        kind="erasure", reference=restricted.provider.reference, **asked, actor=manager, now=now
    )
    privacy.ask_erasure(waiting_erasure, actor=manager, now=now)
    pages.append(f"/privacy_requests/details/?id={waiting_erasure.id}")

    factories.make_report_run_row("failed", requester=person)
    db.session.commit()
    jobs.enqueue(explode)
    InProcessWorker([Queue("default", connection=queue_redis)], connection=queue_redis).work(burst=True)
    return [*pages, "/reports/", "/jobs/?status=failed", "/jobs/"]


@pytest.fixture
def crawled(app, queue_redis):
    result = app.test_cli_runner().invoke(args=["demo", "seed", "--scale", "small"])
    assert result.exit_code == 0, result.output
    db.session.commit()
    client = signed_in_client(app, *sorted(ALL_ROLES))
    start = stage_every_state(client.staff, queue_redis)
    return client, harvest(app, client, start)


def borrow_sibling_forms(app, found: dict[str, list[Form]], wanted: set[str]) -> None:
    """A view registered twice (the disputes awaiting a manager, the flagged reviews) has the same
    forms as its sibling under another URL: send the sibling's forms to its own routes."""
    views = app.extensions["console_admin_views"]
    for endpoint in sorted(wanted - set(found)):
        name, _, method = endpoint.rpartition(".")
        for other in sorted(found):
            other_name, _, other_method = other.rpartition(".")
            if other_method != method or other_name not in views or name not in views:
                continue
            mine, theirs = views[name], views[other_name]
            if not (isinstance(mine, type(theirs)) or isinstance(theirs, type(mine))):
                continue
            found[endpoint] = [
                Form(url=f.url.replace(theirs.url, mine.url, 1), page=f.page, fields=f.fields)
                for f in found[other]
            ]
            break


def direct_forms(app, client, endpoints: set[str]) -> dict[str, list[Form]]:
    """Flask-Admin's routes that no page offers: a form of the fields they read, sent directly."""
    from flask import url_for

    csrf = csrf_token(client, "/")
    forms = {}
    with app.test_request_context():
        for endpoint in endpoints:
            fields = {
                "csrf_token": Field("csrf_token", "hidden", csrf),
                "url": Field("url", "hidden", "/"),
                "id": Field("id", "hidden", "1"),
                "action": Field("action", "select", "", ["delete", "publish", "hide", "retry", "resend"]),
                "rowid": Field("rowid", "select-multiple", "", ["1", "2"]),
                "list_form_pk": Field("list_form_pk", "hidden", "1"),
            }
            forms[endpoint] = [Form(url=url_for(endpoint), page="/", fields=fields)]
    return forms


def test_every_custom_form_and_action_survives_drawn_input(app, crawled):
    client, found = crawled
    offered, switched_off = _post_routes(app)
    borrow_sibling_forms(app, found, offered)
    # A list offers its batch actions only to a role that may run one: not offered is fine.
    not_offered = {e for e in offered - set(found) if e.endswith(".action_view")}
    offered -= not_offered
    found.update(direct_forms(app, client, switched_off | not_offered))
    missing = sorted(offered - set(found))
    assert missing == [], f"POST routes the crawl did not reach (reach them or exclude them): {missing}"
    failures = {}
    for endpoint in sorted(found):
        if endpoint in EXCLUDED or endpoint.endswith(GENERIC):
            continue
        try:
            fuzz(app, client, endpoint, found[endpoint], examples=10)
        except AssertionError as exc:
            failures[endpoint] = str(exc)[:1500]
    assert failures == {}, "\n\n".join(f"{k}: {v}" for k, v in failures.items())
