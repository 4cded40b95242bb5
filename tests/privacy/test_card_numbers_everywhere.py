"""No full card number reaches storage (DESIGN §7): one choke point, the column types (every string
column redacts, but for the machine-made values of VERBATIM_COLUMNS) and the audit recorder.

- a property test walks the metadata: a text holding a card number, bound through each string
  column's own type, comes back from the real database masked;
- a property test of the audit recorder, which every audited service goes through: no card number
  in the event nor in its personal values, and the chain still verifies;
- the probe: a card number typed in every form of the console and in the sign-in (e-mail, password
  and browser), then a dump of the whole database holds none.
"""

from __future__ import annotations

import re
import subprocess

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from console.access import ALL_ROLES
from console.audit import services as audit
from console.audit.models import AuditEvent, AuditPersonal
from console.db import db
from console.privacy import VERBATIM_COLUMNS, RedactedText, is_string_column
from tests.conftest import TEST_DATABASE_URL, csrf_token, signed_in_client

BRANDS = [("4", 16), ("4", 13), ("4", 19), ("51", 16), ("2221", 16), ("34", 15), ("37", 15), ("6011", 16)]
PROBE = "4111 1111 1111 1111"
SIGN_IN_PROBE = "5555555555554444"
MACHINE_MADE = re.compile(r"hash|digest|salt|token|sha256|storage_name|secret|prefix|job_id")


def _luhn_complete(body: str) -> str:
    total = 0
    for index, digit in enumerate(reversed(body)):
        value = int(digit) * (2 if index % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return body + str((10 - total % 10) % 10)


@st.composite
def card_numbers(draw) -> tuple[str, str]:
    """(the number as typed, its digits): a Luhn-valid number of a known brand, 13-19 digits."""
    prefix, length = draw(st.sampled_from(BRANDS))
    middle = draw(
        st.text(alphabet="0123456789", min_size=length - len(prefix) - 1, max_size=length - len(prefix) - 1)
    )
    digits = _luhn_complete(prefix + middle)
    separator = draw(st.sampled_from(["", " ", "-"]))
    typed = separator.join(digits[i : i + 4] for i in range(0, len(digits), 4)) if separator else digits
    return typed, digits


words = st.text(alphabet=st.characters(categories=["L", "P", "Zs"], exclude_characters="\x00"), max_size=20)


@st.composite
def texts_with_a_card(draw) -> tuple[str, str]:
    typed, digits = draw(card_numbers())
    return f"{draw(words)} {typed} {draw(words)}".strip(), digits


def _holds(stored: str, digits: str) -> bool:
    return digits in re.sub(r"[ \-\u00a0]", "", stored)


def _string_columns() -> list[sa.Column]:
    sa.orm.configure_mappers()
    return [c for t in db.metadata.sorted_tables for c in t.columns if is_string_column(c)]


def test_every_string_column_redacts_but_machine_made_values(app):
    columns = _string_columns()
    assert len(columns) > 80
    names = {(c.table.name, c.name) for c in columns}
    assert names >= VERBATIM_COLUMNS, VERBATIM_COLUMNS - names  # no stale entry
    for column in columns:
        key = (column.table.name, column.name)
        if key in VERBATIM_COLUMNS:
            assert MACHINE_MADE.search(column.name), key
        else:
            assert isinstance(column.type, RedactedText), key


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), database=None)
@given(data=st.data())
def test_a_card_number_bound_to_any_string_column_is_stored_masked(app, data):
    columns = [c for c in _string_columns() if (c.table.name, c.name) not in VERBATIM_COLUMNS]
    text, digits = data.draw(texts_with_a_card())
    for column in columns:
        length = getattr(column.type, "length", None)
        value = text[: max(length or len(text), 0)] if length and len(text) > length else text
        if not _holds(value, digits):
            continue  # cut by the column's length: not a whole number any more
        bound = sa.bindparam("value", value, type_=column.type)
        stored = db.session.scalar(sa.select(sa.cast(bound, sa.Text)))
        assert not _holds(stored, digits), (column.table.name, column.name, stored)
        assert "[card \u2022\u2022\u2022\u2022" in stored


changes = st.recursive(
    st.one_of(st.integers(), st.booleans(), words, texts_with_a_card().map(lambda pair: pair[0])),
    lambda children: st.one_of(st.lists(children, max_size=3), st.dictionaries(words, children, max_size=3)),
    max_leaves=8,
)


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), database=None)
@given(
    card=texts_with_a_card(),
    key=st.sampled_from(["note", "full_name", "email", "status", "policy_number", "user_agent", "x"]),
    extra=st.dictionaries(words, changes, max_size=3),
)
def test_the_audit_recorder_stores_no_card_number(app, card, key, extra):
    text, digits = card
    event = audit.record(
        "system:tests",
        "tests.recorded",
        object_type="Thing",
        object_id=text[:60] if _holds(text[:60], digits) else "1",
        changes={key: {"before": None, "after": text}, "nested": [text, {"typed": text}], **extra},
        purpose=text[:200],
    )
    row = db.session.execute(
        sa.select(sa.cast(AuditEvent.changes, sa.Text), AuditEvent.object_id, AuditEvent.purpose).where(
            AuditEvent.id == event.id
        )
    ).one()
    personal = db.session.scalar(
        sa.select(sa.cast(AuditPersonal.value, sa.Text)).where(AuditPersonal.id == event.personal_id)
    )
    for stored in (*row, personal or ""):
        assert not _holds(stored or "", digits), stored
    assert audit.verify().ok


# --- the probe: every form and the sign-in ------------------------------------------------------

pytestmark_probe = [pytest.mark.committed] if TEST_DATABASE_URL else []
TYPED = ("text", "textarea", "email", "search", "tel", "url", "password")


def database_dump() -> str:
    """The whole database as text: pg_dump on PostgreSQL, iterdump of the test's connection on SQLite."""
    url = db.engine.url
    if url.get_backend_name() == "postgresql":
        target = url.set(drivername="postgresql").render_as_string(hide_password=False)
        return subprocess.run(
            ["pg_dump", "--dbname", target], check=True, capture_output=True, text=True
        ).stdout
    db.session.flush()
    raw = db.session.connection().connection.dbapi_connection
    return "\n".join(raw.iterdump())


def _in_dump(dump: str, *typed: str) -> list[str]:
    found = []
    for number in typed:
        digits = re.sub(r"\D", "", number)
        if number in dump or digits in dump:
            found.append(number)
    return found


@pytest.mark.parametrize("_committed", [pytest.param(None, marks=pytestmark_probe)])
def test_a_card_number_typed_in_every_form_and_the_sign_in_is_nowhere_in_the_database(
    app, queue_redis, _committed
):
    from tests.resilience.test_action_fuzz import _baseline, harvest, stage_every_state

    # The sign-in: a card number as e-mail, password and browser, failed then for a real account.
    visitor = app.test_client()
    token = csrf_token(visitor, "/login")
    visitor.post(
        "/login",
        data={"csrf_token": token, "email": SIGN_IN_PROBE, "password": SIGN_IN_PROBE},
        headers={"User-Agent": f"Mozilla/5.0 card {SIGN_IN_PROBE}"},
    )
    result = app.test_cli_runner().invoke(args=["demo", "seed", "--scale", "small"])
    assert result.exit_code == 0, result.output
    db.session.commit()
    client = signed_in_client(app, *sorted(ALL_ROLES))
    client.environ_base["HTTP_USER_AGENT"] = f"Mozilla/5.0 ({SIGN_IN_PROBE})"
    start = stage_every_state(client.staff, queue_redis)
    found = harvest(app, client, start)
    sent = 0
    for endpoint, forms in sorted(found.items()):
        if endpoint in ("auth.logout",):
            continue
        for form in forms:
            values = _baseline(form)
            for field in form.fields.values():
                if field.kind in TYPED and field.name not in ("csrf_token",):
                    values[field.name] = PROBE
            response = client.post(form.url, data=values, content_type="multipart/form-data")
            assert response.status_code < 500, (endpoint, response.get_data(as_text=True)[-1500:])
            sent += 1
    assert sent > 60 and len(found) > 40, (sent, sorted(found))
    dump = database_dump()
    assert "[card \u2022\u2022\u2022\u20221111]" in dump  # the probe reached storage, masked
    assert _in_dump(dump, PROBE, SIGN_IN_PROBE) == []
