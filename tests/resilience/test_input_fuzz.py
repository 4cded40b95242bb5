"""Every create and edit form of the console, sent values a browser would never send (very long,
unicode, control characters, markup, SQL, numbers and ids out of range, malformed dates, unknown
choices): never a 5xx, and a refused form leaves every table as it was."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from flask import url_for
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from console.access import ALL_ROLES
from console.admin_base import ConsoleModelView
from console.db import db, utcnow
from console.submissions import new_token
from disputes.complaints import macros as complaint_macros
from tests import factories
from tests.conftest import csrf_token, signed_in_client

NASTY = [
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "'; DROP TABLE client; --",
    "\x00",
    "a\x00b",
    "\u202egnp.exe",
    "😀" * 300,
    "x" * 20_000,
    " ",
    "\r\n\t",
    "%s%s%n",
    "{{ 7*7 }}",
    "../../etc/passwd",
    '=HYPERLINK("http://x")',
    "PRV-" + "9" * 30,
    "CLI-000001",
    "BKG-0",
]
NUMBERS = [str(n) for n in (0, -1, 2**31, 2**63, -(2**63) - 1, 10**40)] + [
    "1e309",
    "NaN",
    "-0",
    "1,5",
    "12,50",
    "",
]
DATES = ["2026-02-30", "31/12/2026", "0000-00-00", "9999-12-31", "0001-01-01", "2026-13-01", "", "demain"]

text = st.one_of(
    st.text(max_size=60),
    st.sampled_from(NASTY),
    st.text(alphabet=st.characters(categories=["Cc", "Cf", "Zs", "So"]), max_size=30),
)
numbers = st.one_of(st.sampled_from(NUMBERS), st.integers(-(2**70), 2**70).map(str), text)
dates = st.one_of(st.dates().map(str), st.sampled_from(DATES), text)
booleans = st.sampled_from(["y", "", "on", "false", "0", "\x00"])


def value_for(field, data):
    """A value for `field`, drawn by its type; None leaves the field out."""
    kind = field.type
    if kind in ("SelectField", "SelectMultipleField"):
        known = [str(choice[0]) for choice in field.iter_choices()]
        pick = st.one_of(st.sampled_from(known) if known else text, text)
        if kind == "SelectMultipleField":
            return data.draw(st.lists(pick, max_size=4))
        return data.draw(pick)
    if kind == "BooleanField":
        return data.draw(st.one_of(st.none(), booleans))
    if kind in ("DateField", "DateTimeField"):
        return data.draw(dates)
    if kind in ("IntegerField", "DecimalField", "FloatField", "AmountField", "HiddenField"):
        return data.draw(numbers)
    if kind == "FileField":
        content = data.draw(
            st.sampled_from([b"", b"%PDF-1.4\n" + b"x" * 100, b"\x00" * 64, factories.CERTIFICATE_PDF])
        )
        name = data.draw(st.sampled_from(["c.pdf", "../../c.pdf", "c.exe", "😀.pdf", ""]))
        return (io.BytesIO(content), name)
    return data.draw(st.one_of(st.none(), text))


def baseline(model_name: str, target) -> dict:
    """A form the console accepts; each example replaces some of its fields with drawn values."""
    n = new_token()[:6]
    if model_name == "Provider":
        fields = factories.provider_fields()
        if target is not None:
            fields |= {"siret": target.siret, "expected_version": str(target.version)}
        return fields
    if model_name == "Client":
        return {"full_name": "Claire Martin", "email": f"c{n}@example.fr"} | (
            {"expected_version": str(target.version)} if target is not None else {}
        )
    if model_name == "InsurancePolicy":
        provider = factories.make_provider()
        db.session.commit()
        today = date.today()
        return {
            "provider_reference": provider.reference,
            "insurer": "AXA France IARD",
            "policy_number": f"RCP {n}",
            "insured_name": provider.legal_name,
            "insured_siret": provider.siret,
            "activities": ["regular_cleaning"],
            "coverage": "2 000 000",
            "deductible": "150,50",
            "starts_on": (today - timedelta(days=10)).isoformat(),
            "ends_on": (today + timedelta(days=300)).isoformat(),
            "certificate": (io.BytesIO(factories.CERTIFICATE_PDF), "attestation.pdf"),
        }
    if model_name == "Complaint":
        person = factories.make_client()
        db.session.commit()
        return {
            "client_reference": person.reference,
            "channel": "phone",
            "category": "quality",
            "subject": "Vitres",
            "description": "Vitres oubliées.",
        }
    if model_name == "Macro":
        return {"title": f"Réponse {n}", "body": "Bonjour {prenom},", "active": "y"} | {
            "recipient": "to_client", "then": "send", "set_category": "", "set_severity": "", "note": ""
        }  # fmt: skip
    if model_name == "StaffUser":
        email = target.email if target is not None else f"s{n}@example.com"
        return {
            "email": email,
            "full_name": "Sam Staff",
            "role_names": ["support_agent"],
            "password": factories.PASSWORD,
            "active": "y",
        } | ({"expected_version": str(target.version)} if target is not None else {})
    raise AssertionError(f"no baseline for {model_name}: add one")


def row_counts() -> tuple[int, ...]:
    tables = db.metadata.sorted_tables
    return tuple(
        db.session.execute(
            sa.select(*[sa.select(sa.func.count()).select_from(t).scalar_subquery() for t in tables])
        ).one()
    )


def _edit_target(model_name: str):
    manager = factories.make_staff("manager")
    made = {
        "Provider": factories.make_provider,
        "Client": factories.make_client,
        "StaffUser": lambda: factories.make_staff("support_agent"),
        "Macro": lambda: complaint_macros.save_macro(
            None,
            fields=complaint_macros.MacroFields(
                title=f"Macro {new_token()[:8]}", body="Bonjour", shared=True
            ),
            actor=manager,
            now=utcnow(),
        ),
    }[model_name]
    return made()


def _forms(app):
    found = []
    for view in app.extensions["console_admin_views"].values():
        if not isinstance(view, ConsoleModelView):
            continue
        if view.create_roles:
            found.append(pytest.param(view.endpoint, "create", id=f"{view.endpoint}-create"))
        if view.edit_roles:
            found.append(pytest.param(view.endpoint, "edit", id=f"{view.endpoint}-edit"))
    return found


def _all_forms():
    """The forms fuzzed below; the test after this list fails when a view adds or drops one."""
    return [
        ("providers", "create"),
        ("providers", "edit"),
        ("clients", "create"),
        ("clients", "edit"),
        ("policies", "create"),
        ("complaints", "create"),
        ("macros", "create"),
        ("macros", "edit"),
        ("staff", "create"),
        ("staff", "edit"),
    ]


def test_the_fuzzed_forms_are_all_the_create_and_edit_forms(app):
    assert sorted(p.values for p in _forms(app)) == sorted(_all_forms())


@pytest.mark.parametrize(("endpoint", "kind"), _all_forms(), ids=[f"{e}-{k}" for e, k in _all_forms()])
def test_no_form_input_gives_a_5xx_or_a_half_saved_record(app, queue_redis, endpoint, kind):
    view = app.extensions["console_admin_views"][endpoint]
    client = signed_in_client(app, *sorted(ALL_ROLES))
    with app.test_request_context():
        page = url_for(f"{endpoint}.create_view")
        form_class = view._create_form_class if kind == "create" else view._edit_form_class
        fields = [
            f
            for f in form_class(formdata=None)
            if f.type != "CSRFTokenField" and f.name != "submission_token"
        ]
    target = None
    if kind == "edit":
        target = _edit_target(view.model.__name__)
        db.session.commit()
        with app.test_request_context():
            page = url_for(f"{endpoint}.edit_view", id=target.id)
    csrf = csrf_token(client, page)
    control = {**baseline(view.model.__name__, target), "csrf_token": csrf, "submission_token": new_token()}
    assert client.post(page, data=control, content_type="multipart/form-data").status_code == 302  # it saves

    @settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(data=st.data())
    def send(data):
        db.session.expire_all()  # the target's version as the last example left it
        form = baseline(view.model.__name__, target)
        fuzzed = data.draw(st.sets(st.sampled_from([f.name for f in fields]), min_size=1, max_size=3))
        with app.test_request_context():
            drawn = {f.name: value_for(f, data) for f in fields if f.name in fuzzed}
        for name, value in drawn.items():
            if value is None:
                form.pop(name, None)
            else:
                form[name] = value
        form.update(csrf_token=csrf, submission_token=new_token())
        before = row_counts()
        response = client.post(page, data=form, content_type="multipart/form-data")
        assert response.status_code < 500, form
        if response.status_code != 302:  # refused: the form comes back, nothing written
            db.session.expire_all()
            assert row_counts() == before, form

    send()
