"""The demo's policy versions, cancellation terms and announcement, and report (1) on them."""

from __future__ import annotations

from collections import Counter

import pytest
import sqlalchemy as sa

from console.db import db
from console.notifications.models import Notification, NotificationStatus
from marketplace.models import Booking, Client
from policy.models import CancellationTerms, PolicyCampaign, PolicyNotice, PolicyVersion
from policy.workflow import CampaignStatus, VersionStatus
from tests.demo.test_demo_data import SEED
from tests.reports.conftest import read_pdf, squash


@pytest.mark.committed
def test_the_demo_announces_its_significant_version_to_every_client_once_and_report_one_measures_it(
    app, tmp_path
):
    result = app.test_cli_runner().invoke(args=SEED)
    assert result.exit_code == 0, result.output
    versions = db.session.scalars(sa.select(PolicyVersion).order_by(PolicyVersion.number)).all()
    assert [(v.number, v.status, v.significant) for v in versions] == [
        (1, VersionStatus.PUBLISHED, False), (2, VersionStatus.PUBLISHED, True),
    ]  # fmt: skip
    assert all(v.published_by_id != v.drafted_by_id for v in versions)
    announcement = db.session.scalars(sa.select(PolicyCampaign)).one()
    assert announcement.status == CampaignStatus.DONE and announcement.started_at < versions[1].effective_at
    clients = db.session.scalar(sa.select(sa.func.count()).select_from(Client))
    told = Counter(db.session.scalars(sa.select(PolicyNotice.client_id)))
    assert len(told) == clients and set(told.values()) == {1}
    statuses = Counter(
        db.session.scalars(sa.select(Notification.status).where(Notification.related_type == "PolicyNotice"))
    )
    assert statuses == {NotificationStatus.SENT: clients - 3, NotificationStatus.FAILED: 3}
    used = db.session.scalars(sa.select(Booking.cancellation_terms_id).distinct()).all()
    assert (
        len(used) >= 2 and db.session.scalar(sa.select(sa.func.count()).select_from(CancellationTerms)) >= 2
    )
    out = tmp_path / "policy.pdf"
    built = app.test_cli_runner().invoke(args=["reports", "build", "policy_compliance", "--out", str(out)])
    assert built.exit_code == 0, built.output
    flat = squash(read_pdf(out.read_bytes())[1])
    for n in range(1, 9):
        section = flat.split(f"{n}. ", 1)[1]
        measured = section.split("Measured ", 1)[1].split(" ", 1)[0]
        assert measured not in ("—", ""), (n, section[:200])  # a figure or "not", never a placeholder
