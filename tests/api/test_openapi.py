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

from tests.api.conftest import make_api_client

schema = schemathesis.pytest.from_fixture("api_schema")


def test_the_document_is_openapi_3_1_and_public(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    assert document["openapi"] == "3.1.0"
    assert "/api/v1/bookings/batch" in document["paths"]
    assert "/api/v1/providers/{reference}/eligibility" in document["paths"]
    assert {"cursor", "limit"} <= {
        p["name"] for p in document["paths"]["/api/v1/eligibility/changes"]["get"]["parameters"]
    }
    assert {"get", "post"} <= set(document["paths"]["/api/v1/webhook-endpoints"])
    assert "delete" in document["paths"]["/api/v1/webhook-endpoints/{reference}"]


@pytest.fixture
def api_schema(app):
    def own_context(environ, start_response):
        """Each call in its own app context (own DB session), as ConsoleTestClient does."""
        with app.app_context():
            return list(app(environ, start_response))

    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", own_context)


@pytest.fixture
def fuzz_key():
    """An API client for this run's examples (in the test's transaction, as every request)."""
    return make_api_client(name="schemathesis").secret


def _drops_the_key(case) -> bool:
    """schemathesis's coverage phase also sends a request without the Authorization header."""
    phase = getattr(case.meta, "phase", None)
    return getattr(getattr(phase, "data", None), "parameter", None) == "Authorization"


@schema.parametrize()
@settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))
def test_the_api_answers_as_documented(case, fuzz_key):
    response = case.call(headers={"Authorization": f"Bearer {fuzz_key}"})
    assert response.status_code != 401 or _drops_the_key(case), response.text
    case.validate_response(
        response,
        checks=(
            not_a_server_error,
            status_code_conformance,
            content_type_conformance,
            response_schema_conformance,
        ),
    )
