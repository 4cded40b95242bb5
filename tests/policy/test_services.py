"""Policy versions and cancellation terms through their services, on the real database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from console.audit.models import AuditEvent
from console.db import db
from console.domain import DomainError
from disputes.disputes import services as dispute_services
from policy import services, workflow
from policy.workflow import VersionStatus
from tests import factories

NOW = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)


def draft(manager, *, significant=True, body="# Politique\n\nTexte.", effective=NOW + timedelta(days=30)):
    return services.draft_version(
        title="Politique de Protection du Client", body=body, summary="Nouvelles conditions.",
        effective_at=effective, significant=significant, actor=manager, now=NOW,
    )  # fmt: skip


def test_a_manager_drafts_another_publishes_and_the_numbers_follow():
    drafter, publisher = factories.make_staff("manager"), factories.make_staff("manager")
    first = draft(drafter)
    services.submit_version(first, actor=drafter, now=NOW)
    with pytest.raises(workflow.SamePerson):
        services.publish_version(first, actor=drafter, now=NOW)
    services.publish_version(first, actor=publisher, now=NOW)
    assert first.status == VersionStatus.PUBLISHED and first.published_by_id == publisher.id
    second = draft(drafter)
    assert (first.number, second.number) == (1, 2)
    actions = set(
        db.session.scalars(sa.select(AuditEvent.action).where(AuditEvent.object_type == "PolicyVersion"))
    )
    assert {"policy.draft", "policy.submit", "policy.publish"} <= actions


def test_the_database_refuses_a_version_published_by_its_drafter():
    manager = factories.make_staff("manager")
    version = draft(manager)
    version.status, version.published_by_id, version.published_at = VersionStatus.PUBLISHED, manager.id, NOW
    with pytest.raises(sa.exc.IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_a_draft_cannot_be_published_before_review_nor_a_significant_one_after_it_took_effect():
    drafter, publisher = factories.make_staff("manager"), factories.make_staff("manager")
    version = draft(drafter)
    with pytest.raises(workflow.TransitionNotAllowed):
        services.publish_version(version, actor=publisher, now=NOW)
    services.submit_version(version, actor=drafter, now=NOW)
    with pytest.raises(DomainError):
        services.publish_version(version, actor=publisher, now=NOW + timedelta(days=31))


def test_markdown_is_rendered_without_html_or_script_links():
    html = str(
        services.render_markdown("# Titre\n\n<script>alert(1)</script> [x](javascript:alert(1)) **gras**")
    )
    assert "<h1>Titre</h1>" in html and "<strong>gras</strong>" in html
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert 'href="javascript' not in html


def test_the_diff_compares_with_the_previous_published_version():
    drafter, publisher = factories.make_staff("manager"), factories.make_staff("manager")
    first, second = draft(drafter, body="a\nb"), None
    for version in (first,):
        services.submit_version(version, actor=drafter, now=NOW)
        services.publish_version(version, actor=publisher, now=NOW)
    second = draft(drafter, body="a\nc")
    kinds = [(line.kind, line.text) for line in services.version_diff(second)]
    assert kinds == [("same", "a"), ("removed", "b"), ("added", "c")]


def test_terms_in_force_and_unknown_or_duplicate_labels():
    older = factories.make_terms("2025-06")
    newer = factories.make_terms("2026-03")
    assert services.terms_in_force(datetime(2026, 1, 1, tzinfo=UTC)) == older
    assert services.terms_in_force(datetime(2026, 3, 1, tzinfo=UTC)) == newer
    with pytest.raises(DomainError):
        services.create_terms(label="2026-03", effective_at=NOW, tiers=[(24, 0)], no_show_percent=100,
                              summary=None, actor="system:tests", now=NOW)  # fmt: skip
    with pytest.raises(DomainError):
        services.create_terms(label="2027-01", effective_at=NOW, tiers=[(24, 60), (0, 50)],
                              no_show_percent=100, summary=None, actor="system:tests", now=NOW)  # fmt: skip


def test_a_cancellation_fee_dispute_shows_the_fee_the_terms_allowed_and_flags_a_claim_above_it():
    from marketplace import services as marketplace

    booking = factories.make_booking(status="scheduled", price_cents=8_000,
                                     scheduled_start=datetime(2026, 11, 20, 9, 0, tzinfo=UTC))  # fmt: skip
    marketplace.change_booking(booking, "cancel", actor="system:tests", now=NOW, cancelled_by="client",
                               cancelled_at=datetime(2026, 11, 19, 20, 0, tzinfo=UTC),
                               cancellation_terms_version="2026-03")  # fmt: skip
    complaint = factories.make_complaint(booking=booking, category="billing")
    dispute = factories.make_dispute(complaint, kind="cancellation_fee", amount_claimed_cents=6_000)
    allowed, above = dispute_services.terms_fee(dispute)
    assert (allowed.terms, allowed.allowed_cents, above) == ("2026-03", 4_000, True)  # 13 h notice: 50 %
    fair = factories.make_dispute(factories.make_complaint(booking=booking, category="billing"),
                                  kind="cancellation_fee", amount_claimed_cents=4_000)  # fmt: skip
    assert dispute_services.terms_fee(fair)[1] is False
