"""The daily sweep deletes the files a killed worker left without a record, and nothing else."""

from __future__ import annotations

import os
from datetime import timedelta

import pytest
import sqlalchemy as sa
from rq import Queue

from console.audit.models import AuditEvent
from console.db import db, utcnow
from console.files import services as files
from console.schedule import PERIODIC_JOBS
from tests.conftest import InProcessWorker

PDF = b"%PDF-1.7\n" + b"x" * 100


@pytest.fixture
def files_dir(app, tmp_path):
    saved = app.config["FILES_DIR"]
    app.config["FILES_DIR"] = str(tmp_path)
    yield tmp_path
    app.config["FILES_DIR"] = saved


def _age(path, days: float) -> None:
    moment = (utcnow() - timedelta(days=days)).timestamp()
    os.utime(path, (moment, moment))


def _orphan(root, name: str, days: float):
    path = root / name[:2] / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(PDF)
    _age(path, days)
    return path


def _stored(days: float):
    stored = files.store_generated(
        PDF, "report.pdf", content_type="application/pdf", extension=".pdf", actor="system:test", now=utcnow()
    )
    db.session.commit()
    path = files._path(stored.storage_name)
    _age(path, days)
    return stored, path


def test_old_orphans_go_and_each_deletion_is_audited(files_dir):
    _, kept_with_record = _stored(days=30)
    old_orphan = _orphan(files_dir, "ab" + "0" * 30 + ".pdf", days=2)
    half_written = _orphan(files_dir, "cd" + "0" * 30 + ".part", days=3)
    fresh_orphan = _orphan(files_dir, "ef" + "0" * 30 + ".pdf", days=0.5)  # its commit may be under way
    assert files.sweep_orphans(now=utcnow()) == 2
    assert old_orphan.exists()  # nothing goes before the audit events commit
    db.session.commit()
    assert not old_orphan.exists() and not half_written.exists()
    assert kept_with_record.exists() and fresh_orphan.exists()
    events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "file.orphan_deleted")).all()
    assert sorted(e.object_id for e in events) == sorted([old_orphan.name, half_written.name])
    assert {e.actor for e in events} == {files.SWEEP_ACTOR}
    assert files.sweep_orphans(now=utcnow()) == 0  # a second run finds nothing


def test_a_rolled_back_sweep_deletes_nothing(files_dir):
    orphan = _orphan(files_dir, "ab" + "1" * 30 + ".pdf", days=2)
    assert files.sweep_orphans(now=utcnow()) == 1
    db.session.rollback()
    assert orphan.exists()


def test_the_sweep_is_a_daily_job_a_real_worker_runs(files_dir, queue_redis):
    assert "console.files.jobs.sweep_orphans" in {p.func for p in PERIODIC_JOBS if p.daily_at}
    orphan = _orphan(files_dir, "ab" + "2" * 30 + ".pdf", days=2)
    queue = Queue("default", connection=queue_redis)
    job = queue.enqueue("console.files.jobs.sweep_orphans")
    InProcessWorker([queue], connection=queue_redis).work(burst=True)
    assert job.get_status(refresh=True) == "finished" and job.return_value() == 1
    assert not orphan.exists()
