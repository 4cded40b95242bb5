"""Two months of the access log: the demo staff opening providers' and clients' pages, each
with the purpose their work gives, so the access log tabs and report (1) have something to show."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

import sqlalchemy as sa

from console.access_log.services import Subject, record_access
from console.auth import services as staff_services
from console.db import db
from demo.staff import DEMO_STAFF
from marketplace.models import Client, Provider

# The pages a role opens, with the purposes its queues give them.
WORK = {
    "support_agent": [
        ("client", "clients.details_view", ("support_case", "support_case", "dispute", "moderation")),
    ],
    "vetting_officer": [
        ("provider", "providers.details_view", ("vetting_work", "vetting_work", "verification")),
    ],
    "manager": [
        ("provider", "providers.details_view", ("dispute", "audit")),
        ("client", "clients.details_view", ("dispute", "subject_request")),
    ],
}
VIEWS = {"small": 300, "large": 5_000, "xlarge": 50_000}


def seed_access_log(*, now: datetime, seed: int, scale: str) -> int:
    """Page views spread over the last 60 days; the number of entries written."""
    rng = random.Random(seed + 17)
    people = [(staff_services.get_staff_by_email(email), roles) for email, _, roles, _ in DEMO_STAFF]
    workers = [
        (person, kind) for person, roles in people if person for role in roles for kind in WORK.get(role, [])
    ]
    ranges = {
        kind: db.session.execute(sa.select(sa.func.min(model.id), sa.func.max(model.id))).one()
        for kind, model in (("provider", Provider), ("client", Client))
    }
    if not workers or any(low is None for low, _ in ranges.values()):
        return 0
    written = 0
    for _ in range(VIEWS.get(scale, VIEWS["small"])):
        person, (kind, page, purposes) = rng.choice(workers)
        low, high = ranges[kind]
        subject = rng.randint(low, high)
        at = now - timedelta(days=60) * rng.random()
        written += record_access(person, [Subject(kind, subject)], record_type=kind, record_id=subject,
                                 purpose=rng.choice(purposes), page=page, now=at)  # fmt: skip
    return written
