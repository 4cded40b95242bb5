"""Consent records through the API (source "app"): given with the wording version, withdrawn, read."""

from __future__ import annotations

import sqlalchemy as sa

from console.db import db
from marketplace.models import ConsentRecord
from tests.api.test_endpoints import _ok, _problem


def test_the_app_records_reads_and_withdraws_consents(api):
    ref = _ok(api.post("/clients", {"full_name": "Claire", "email": "claire.c@example.fr"}), 201)["reference"]
    assert _ok(api.get(f"/clients/{ref}/consent-records"))["items"] == []
    body = {"recipient": "insurer", "purpose": "damage_claim", "given": True, "wording_version": "app-3.2"}
    items = _ok(api.post(f"/clients/{ref}/consent-records", body))["items"]
    assert [
        (i["recipient"], i["purpose"], i["source"], i["wording_version"], i["standing"]) for i in items
    ] == [("insurer", "damage_claim", "app", "app-3.2", True)]
    items = _ok(api.post(f"/clients/{ref}/consent-records", body | {"given": False}))["items"]
    assert items[0]["withdrawn_at"] and items[0]["standing"] is False
    # The legacy consent fields write records too, with the wording version when sent.
    _ok(api.post(f"/clients/{ref}/consents", {"consent_marketing_email": True, "wording_version": "app-3.2"}))
    items = _ok(api.get(f"/clients/{ref}/consent-records"))["items"]
    assert ("ekoklean", "marketing_email", "app", "app-3.2", True) in [
        (i["recipient"], i["purpose"], i["source"], i["wording_version"], i["standing"]) for i in items
    ]


def test_bad_consents_are_refused_and_nothing_is_saved(api):
    ref = _ok(api.post("/clients", {"full_name": "Paul", "email": "paul.c@example.fr"}), 201)["reference"]
    before = db.session.scalar(sa.select(sa.func.count()).select_from(ConsentRecord))
    _problem(
        api.post(f"/clients/{ref}/consent-records", {"recipient": "insurer", "purpose": "x", "given": True}),
        422,
    )
    _problem(
        api.post(
            f"/clients/{ref}/consent-records",
            {"recipient": "insurer", "purpose": "damage_claim", "given": True},
        ),
        422,
    )  # no wording version
    _problem(api.post(f"/clients/{ref}/consent-records", {"recipient": "insurer"}), 422, "purpose")
    _problem(api.get("/clients/CLI-9999999/consent-records"), 404)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ConsentRecord)) == before
