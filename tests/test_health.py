from __future__ import annotations

import pytest

from console.db import db
from tests.conftest import make_test_app, signed_in_client


def test_healthy_when_database_and_redis_answer(client, queue_redis):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"database": "ok", "redis": "ok", "workers": 0, "status": "ok"}


def test_503_when_redis_is_down(app_without_redis):
    response = app_without_redis.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["redis"].startswith("error") and response.json["database"] == "ok"


@pytest.mark.committed  # the other app must not share the test's bound connection
def test_503_when_the_database_is_down(redis_url, tmp_path):
    app = make_test_app("postgresql+psycopg://nobody@127.0.0.1:1/none", redis_url, str(tmp_path))
    response = app.test_client().get("/healthz")
    with app.app_context():
        db.engine.dispose()
    assert response.status_code == 503 and response.json["database"].startswith("error")


def test_pages_still_work_when_redis_is_down(app_without_redis):
    client = signed_in_client(app_without_redis, "admin")
    for url in ("/", "/staff/", "/audit/", "/outbox/"):
        assert client.get(url).status_code == 200, url
