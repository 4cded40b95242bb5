"""The review scan as a job on a real Redis with a real RQ worker."""

from __future__ import annotations

import sqlalchemy as sa
from rq import Queue
from rq.job import Job

from console import jobs
from console.db import db, utcnow
from reviews import jobs as review_jobs
from reviews import services as reviews
from reviews.models import ReviewFlag
from tests.conftest import InProcessWorker
from tests.factories import make_booking


def _work(queue_redis) -> None:
    InProcessWorker([Queue("default", connection=queue_redis)], connection=queue_redis).work(burst=True)


def test_the_review_scan_job_flags_contact_details(queue_redis):
    reviews.record_review(
        booking=make_booking(),
        rating=5,
        text="Contact direct: marie@example.fr",
        actor="system:tests",
        now=utcnow(),
    )
    db.session.commit()
    job = jobs.enqueue(review_jobs.scan_reviews)
    _work(queue_redis)
    assert Job.fetch(job.id, connection=queue_redis).get_status() == "finished"
    assert db.session.scalar(sa.select(ReviewFlag.rule)).value == "contact_details"
