"""The served OpenAPI 3.1 document, and schemathesis against it: every operation, no server
error, answers that conform to the document (bounded examples, so it runs in about a minute)."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from console.db import db
from tests.api.conftest import make_api_client
from tests.conftest import make_test_app

schema = schemathesis.pytest.from_fixture("api_schema")


def test_the_document_is_openapi_3_1_and_public(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    assert document["openapi"] == "3.1.0"
    assert "/api/v1/bookings/batch" in document["paths"]
    assert "/api/v1/providers/{reference}/eligibility" in document["paths"]


@pytest.fixture(scope="module")
def fuzz_app(database_url, redis_url, tmp_path_factory):
    """Its own app, with real commits (the schemathesis calls are many separate requests)."""
    app = make_test_app(database_url, redis_url, str(tmp_path_factory.mktemp("fuzz")))
    with app.app_context():
        issued = make_api_client(name="schemathesis")
        db.session.commit()
        app.config["FUZZ_KEY"] = issued.secret
    return app


@pytest.fixture
def api_schema(fuzz_app):
    loaded = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", fuzz_app)
    return loaded


@pytest.mark.committed
@schema.parametrize()
@settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))
def test_the_api_answers_as_documented(case, fuzz_app):
    response = case.call(headers={"Authorization": f"Bearer {fuzz_app.config['FUZZ_KEY']}"})
    case.validate_response(
        response,
        checks=(
            not_a_server_error,
            status_code_conformance,
            content_type_conformance,
            response_schema_conformance,
        ),
    )
