"""`flask api import`: JSON Lines and CSV through the API's validation, rejected lines reported with
their number and reasons, resumable by external id."""

from __future__ import annotations

import json

import sqlalchemy as sa

from api import services as api_services
from api.workflow import ResourceKind
from console.audit.models import AuditEvent
from console.db import db
from marketplace.models import Booking, Client, Provider
from tests import factories
from tests.api.conftest import make_api_client


def _run(app, *args):
    return app.test_cli_runner().invoke(args=["api", "import", *args])


def _rejected(path) -> dict[int, list[str]]:
    with open(f"{path}.rejected.jsonl", encoding="utf-8") as report:
        lines = [json.loads(t) for t in report]
    return {r["line"]: [e["field"] for e in r["errors"]] for r in lines}


def _jsonl(path, rows) -> str:
    path.write_text("\n".join(r if isinstance(r, str) else json.dumps(r) for r in rows) + "\n")
    return str(path)


def _booking(ext, client, provider, **overrides):
    return {"external_id": ext, "client": client, "provider": provider, "service": "regular_cleaning",
            "scheduled_start": "2026-11-20T09:00:00+01:00", "duration_minutes": 120, "price_cents": 5000,
            "cancellation_terms_version": "2026-03", "status": "completed"} | overrides  # fmt: skip


def test_bookings_from_jsonl_with_bad_lines_then_resumed(app, tmp_path):
    market = make_api_client(name="import-market").client
    client, provider = factories.make_client(), factories.make_provider()
    api_services.map_external_ids(market.id, ResourceKind.CLIENT, [("C1", client.id)], now=client.created_at)
    rows = [
        _booking("B1", "ext:C1", provider.reference),
        "{not json",
        {"external_id": "B3", "client": "ext:C1"},  # fields missing
        _booking("B4", "ext:NOBODY", provider.reference),  # unknown client
        _booking("B1", client.reference, provider.reference),  # duplicate of line 1
        _booking("B6", client.reference, provider.reference, price_cents=-5),
        _booking(None, client.reference, provider.reference),
        _booking("B8", client.reference, provider.reference),
    ]
    path = _jsonl(tmp_path / "bookings.jsonl", rows)
    result = _run(app, "bookings", path, "--client", "import-market")
    assert result.exit_code == 0, result.output
    assert "2 created, 0 already there, 6 rejected" in result.output
    rejected = _rejected(path)
    assert rejected[2] == ["line"] and rejected[4] == ["client"] and rejected[5] == ["external_id"]
    assert {"service", "scheduled_start", "price_cents"} <= set(rejected[3])
    assert rejected[6] == ["price_cents"] and rejected[7] == ["external_id"]
    assert "line 4: client:" in result.output
    made = api_services.objects_for_external_ids(market.id, ResourceKind.BOOKING, ["B1", "B8"])
    bookings = db.session.scalars(sa.select(Booking).where(Booking.id.in_(made.values()))).all()
    assert {b.client_id for b in bookings} == {client.id} and {b.price_cents for b in bookings} == {5000}
    audit = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "booking.import_batch")).all()
    assert len(audit) == 1 and audit[0].changes["count"] == 2

    again = _run(app, "bookings", path, "--client", "import-market")
    # resumed: nothing twice (line 5, B1 again, now counts as already there)
    assert "0 created, 3 already there, 5 rejected" in again.output
    assert (
        db.session.scalar(
            sa.select(sa.func.count()).select_from(Booking).where(Booking.id.in_(made.values()))
        )
        == 2
    )


def test_clients_and_providers_from_csv_and_reviews_from_jsonl(app, tmp_path):
    make_api_client(name="only-market")  # the one API client: --client may be left out
    clients = tmp_path / "clients.csv"
    clients.write_text(
        "external_id,full_name,email,consent_marketing_email,city\n"
        "C1,Claire Martin,claire@example.fr,true,Lyon 4111 1111 1111 1111\n"
        "C2,Paul Dubois,not-an-email,false,\n"
        "C3,Zoé Petit,zoe@example.fr,perhaps,\n"
    )
    result = _run(app, "clients", str(clients))
    assert result.exit_code == 0, result.output
    assert "1 created, 0 already there, 2 rejected" in result.output
    assert _rejected(clients) == {3: ["email"], 4: ["consent_marketing_email"]}
    claire = db.session.scalar(sa.select(Client).where(Client.email == "claire@example.fr"))
    assert claire.consent_marketing_email is True and claire.language == "fr"
    assert "4111 1111 1111 1111" not in claire.city  # redacted, as every text received

    fields = factories.provider_fields()
    providers = tmp_path / "providers.csv"
    header = ["external_id", "language", *fields]
    good = ["P1", "fr", *["|".join(v) if isinstance(v, list) else v for v in fields.values()]]
    bad = ["P2", "fr", *["" if k == "siret" else ("|".join(v) if isinstance(v, list) else v)
                         for k, v in fields.items()]]  # fmt: skip
    providers.write_text("\n".join(",".join(f'"{c}"' for c in row) for row in (header, good, bad)) + "\n")
    result = _run(app, "providers", str(providers))
    assert "1 created, 0 already there, 1 rejected" in result.output, result.output
    provider = db.session.scalar(sa.select(Provider).where(Provider.siret == fields["siret"]))
    assert provider.vetting_status.value == "not_vetted"

    booking = factories.make_booking(client=claire, provider=provider, status="completed")
    reviews = _jsonl(tmp_path / "reviews.jsonl", [
        {"external_id": "R1", "booking": booking.reference, "rating": 5, "text": "Parfait."},
        {"external_id": "R2", "booking": booking.reference, "rating": 4},  # one review per booking
        {"external_id": "R3", "booking": "BKG-9999999", "rating": 4},
        {"external_id": "R4", "booking": booking.reference, "rating": 9},
    ])  # fmt: skip
    result = _run(app, "reviews", reviews)
    assert "1 created, 0 already there, 3 rejected" in result.output, result.output
    assert _rejected(reviews) == {2: ["line"], 3: ["booking"], 4: ["rating"]}


def test_an_unknown_api_client_or_file_kind_is_refused(app, tmp_path):
    path = _jsonl(tmp_path / "b.jsonl", [{}])
    assert _run(app, "bookings", path, "--client", "nobody").exit_code == 1
    other = tmp_path / "b.txt"
    other.write_text("{}\n")
    make_api_client(name="m1")
    assert _run(app, "bookings", str(other), "--client", "m1").exit_code == 1
