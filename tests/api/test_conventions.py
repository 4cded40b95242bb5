"""Idempotency keys, the rate limit, the CLI, and the API never restricting."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from api.clients import services as client_services
from console.db import db, utcnow
from console.domain import acting_for_machine
from marketplace.models import Client
from restrictions import services as restrictions
from restrictions.workflow import PersonRequired
from tests import factories
from tests.api.conftest import Api, make_api_client


def _clients_named(name: str) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Client).where(Client.full_name == name))


def test_a_replay_answers_the_first_answer_and_another_body_is_refused(api):
    body = {"full_name": "Idem Potent", "email": "idem@example.fr"}
    first = api.post("/clients", body, headers={"Idempotency-Key": "k-1"})
    again = api.post("/clients", body, headers={"Idempotency-Key": "k-1"})
    assert first.status_code == again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first.headers
    assert again.get_json() == first.get_json() and again.headers["Location"] == first.headers["Location"]
    assert _clients_named("Idem Potent") == 1
    other = api.post("/clients", body | {"full_name": "Someone Else"}, headers={"Idempotency-Key": "k-1"})
    assert other.status_code == 422 and other.get_json()["errors"][0]["field"] == "Idempotency-Key"
    assert api.post("/clients", body, headers={"Idempotency-Key": " "}).status_code == 400


def test_a_refusal_is_replayed_too(api):
    first = api.post("/clients", {"full_name": "No Mail"}, headers={"Idempotency-Key": "k-2"})
    again = api.post("/clients", {"full_name": "No Mail"}, headers={"Idempotency-Key": "k-2"})
    assert first.status_code == again.status_code == 422 and again.headers["Idempotent-Replayed"] == "true"


@pytest.mark.committed
def test_concurrent_requests_with_the_same_key_create_one_record(app):
    issued = make_api_client()
    db.session.commit()
    body = {"full_name": "Concurrent Claire", "email": "concurrent@example.fr"}
    answers: list = []
    barrier = threading.Barrier(4)

    def call():
        api = Api(app.test_client(), issued.secret)
        barrier.wait()
        answers.append(api.post("/clients", body, headers={"Idempotency-Key": "same-key"}))

    threads = [threading.Thread(target=call) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    fresh = [a for a in answers if a.status_code == 201 and "Idempotent-Replayed" not in a.headers]
    others = [a for a in answers if a not in fresh]
    assert len(fresh) == 1, [(a.status_code, a.get_data(as_text=True)) for a in answers]
    assert all(a.status_code == 409 or a.headers.get("Idempotent-Replayed") == "true" for a in others)
    assert all(a.mimetype == "application/problem+json" for a in others if a.status_code == 409)
    db.session.remove()
    assert _clients_named("Concurrent Claire") == 1


def test_the_rate_limit_answers_429_with_retry_after(app, api, queue_redis):
    previous = app.config["API_RATE_LIMIT"]
    app.config["API_RATE_LIMIT"] = "3/minute"
    try:
        codes = [api.get("/providers/PRV-999999/eligibility").status_code for _ in range(4)]
    finally:
        app.config["API_RATE_LIMIT"] = previous
    assert codes == [404, 404, 404, 429]
    limited = api.get("/providers/PRV-999999/eligibility")
    assert limited.status_code == 404  # the limit is read per request


def test_the_rate_limit_problem(app, api, queue_redis):
    previous = app.config["API_RATE_LIMIT"]
    app.config["API_RATE_LIMIT"] = "1/minute"
    try:
        api.get("/providers/PRV-999999/eligibility")
        response = api.get("/providers/PRV-999999/eligibility")
    finally:
        app.config["API_RATE_LIMIT"] = previous
    assert response.status_code == 429 and response.mimetype == "application/problem+json"
    assert 1 <= int(response.headers["Retry-After"]) <= 60


def test_the_api_cannot_restrict_even_with_a_manager_in_hand(now):
    provider = factories.make_provider()
    manager = factories.make_staff("manager")
    with acting_for_machine("system:api:market"), pytest.raises(PersonRequired):
        restrictions.restrict_provider(
            provider, reason_code="safety_complaint", statement="x" * 40, actor=manager, now=now
        )


def test_cli_creates_a_client_printing_the_key_last_and_revokes_it(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["api", "clients", "create", "cli-market", "--scope", "bookings:write",
                                 "--scope", "eligibility:read"])  # fmt: skip
    assert result.exit_code == 0, result.output
    key = result.output.strip().splitlines()[-1]
    assert key.startswith("ek_")
    found = client_services.authenticate(key, now=utcnow())
    assert found is not None and found.client.scopes == ["bookings:write", "eligibility:read"]
    assert (
        runner.invoke(args=["api", "clients", "create", "cli-market", "--scope", "bookings:write"]).exit_code
        == 1
    )
    revoked = runner.invoke(args=["api", "clients", "revoke", "cli-market"])
    assert revoked.exit_code == 0, revoked.output
    db.session.expire_all()
    assert client_services.authenticate(key, now=utcnow()) is None
    assert runner.invoke(args=["api", "clients", "create", "x", "--scope", "nope"]).exit_code == 2


def test_the_demo_seed_prints_a_working_api_key(app, client):
    from demo.api_client import DEMO_CLIENT, DEMO_KEY

    result = app.test_cli_runner().invoke(args=["demo", "seed"])
    assert result.exit_code == 0, result.output
    assert DEMO_CLIENT in result.output and DEMO_KEY in result.output
    assert Api(client, DEMO_KEY).get("/providers/PRV-999999/eligibility").status_code == 404


def test_idempotency_answers_are_kept_24_hours(api, now):
    from datetime import timedelta

    from api import services as api_services
    from api.models import ApiIdempotencyKey

    api.post(
        "/clients", {"full_name": "Kept", "email": "kept@example.fr"}, headers={"Idempotency-Key": "k-24"}
    )
    row = db.session.scalar(sa.select(ApiIdempotencyKey).where(ApiIdempotencyKey.key == "k-24"))
    assert api_services.purge_idempotency_keys(now=row.created_at + timedelta(hours=23)) == 0
    assert api_services.purge_idempotency_keys(now=row.created_at + timedelta(hours=24)) == 1
