"""GET /healthz: the state of the database, Redis and the workers, for probes and operators."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, jsonify
from rq import Worker

from console.access import public
from console.db import db
from console.jobs import REDIS_ERRORS, get_redis

bp = Blueprint("health", __name__)


@bp.route("/healthz")
@public
def healthz():
    checks: dict[str, object] = {}
    try:
        db.session.execute(sa.text("SELECT 1"))
        checks["database"] = "ok"
    except sa.exc.SQLAlchemyError as exc:
        db.session.rollback()
        checks["database"] = f"error: {type(exc).__name__}"
    try:
        connection = get_redis()
        connection.ping()
        checks["redis"] = "ok"
        checks["workers"] = Worker.count(connection=connection)
    except REDIS_ERRORS as exc:
        checks["redis"] = f"error: {type(exc).__name__}"
        checks["workers"] = None
    healthy = checks["database"] == "ok" and checks["redis"] == "ok"
    checks["status"] = "ok" if healthy else "degraded"
    return jsonify(checks), 200 if healthy else 503
