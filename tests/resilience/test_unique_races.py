"""Two people creating the same unique record at the same moment: one wins, the other gets a
clear message, nothing half-saved (PostgreSQL: the second insert waits on the unique index)."""

from __future__ import annotations

import threading
import time

import pytest
import sqlalchemy as sa

from console.audit.models import AuditEvent
from console.auth import services
from console.auth.models import StaffRole, StaffUser
from console.db import db, utcnow
from tests.conftest import TEST_DATABASE_URL
from tests.factories import PASSWORD

pytestmark = pytest.mark.skipif(not TEST_DATABASE_URL, reason="row locks on a unique index: PostgreSQL")


def _create(email: str):
    return services.create_staff(
        email=email,
        full_name="Same Person",
        roles=["admin"],
        password=PASSWORD,
        actor="system:tests",
        now=utcnow(),
    )


def _wait_until_someone_waits_on_a_lock() -> None:
    with db.engine.connect() as conn:
        for _ in range(600):
            waiting = conn.scalar(
                sa.text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'")
            )
            if waiting:
                return
            time.sleep(0.05)
    raise AssertionError("the second creation never reached the unique index")


@pytest.mark.committed
def test_two_identical_staff_creations_at_once_make_one_account_and_a_clear_message(app):
    outcome: list[object] = []
    first = _create("twice@example.com")  # flushed, holding the unique key, not yet committed

    def second():
        with app.app_context():
            try:
                _create("twice@example.com")
                db.session.commit()
                outcome.append("created")
            except services.StaffError as exc:
                db.session.rollback()
                outcome.append(str(exc))
            finally:
                db.session.remove()

    thread = threading.Thread(target=second)
    thread.start()
    _wait_until_someone_waits_on_a_lock()
    db.session.commit()
    thread.join(timeout=60)
    assert outcome == ["A staff account with the e-mail twice@example.com already exists."]
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(StaffUser)) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(StaffRole)) == 1
    events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "staff.create")).all()
    assert [e.object_id for e in events] == [str(first.id)]
