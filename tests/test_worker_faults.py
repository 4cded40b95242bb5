"""The worker against faults: Redis losing its data, signal handlers left by in-process workers."""

from __future__ import annotations

import signal

from rq import Queue, Worker

from console.worker import make_worker
from tests.conftest import InProcessWorker, restored_signal_handlers


def test_a_worker_registers_again_after_redis_lost_its_data(app, queue_redis):
    worker = make_worker(app, ["default"])
    worker.register_birth()
    try:
        assert worker.name in {w.name for w in Worker.all(connection=queue_redis)}
        queue_redis.flushdb()  # Redis restarted without persistence
        assert Worker.all(connection=queue_redis) == []
        worker.heartbeat()  # what the idle loop does every few seconds
        assert worker.name in {w.name for w in Worker.all(connection=queue_redis)}
        assert [w.name for w in Worker.all(queue=Queue("default", connection=queue_redis))] == [worker.name]
    finally:
        worker.register_death()


def test_an_in_process_worker_leaves_the_signal_handlers_as_they_were(queue_redis):
    before = signal.getsignal(signal.SIGTERM)
    with restored_signal_handlers():
        InProcessWorker([Queue("default", connection=queue_redis)], connection=queue_redis).work(burst=True)
        assert signal.getsignal(signal.SIGTERM) != before  # RQ installed its own
    assert signal.getsignal(signal.SIGTERM) == before
