"""The one definition of "verified cover on day D" and of the expiring window, read by other packages."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa

from console.db import db
from insurance import reporting, services
from insurance.workflow import EXPIRING_WITHIN_DAYS, InsuranceStatus
from marketplace.models import Provider
from tests.factories import make_booking, make_policy, make_provider, make_staff

DAY = date(2026, 11, 2)


def _covered(day) -> set[int]:
    return set(db.session.scalars(sa.select(Provider.id).where(reporting.covered_on(day))))


def test_cover_on_a_day_includes_both_ends_and_only_verified_policies(app):
    officer = make_staff("vetting_officer")
    insured, pending = make_provider(), make_provider()
    make_policy(insured, starts_on=DAY, ends_on=DAY + timedelta(days=9), verified_by=officer)
    make_policy(pending, starts_on=DAY, ends_on=DAY + timedelta(days=9))
    assert _covered(DAY - timedelta(days=1)) == set()
    assert _covered(DAY) == _covered(DAY + timedelta(days=9)) == {insured.id}
    assert _covered(DAY + timedelta(days=10)) == set()
    assert reporting.cover_ends(DAY) == {insured.id: DAY + timedelta(days=9)}
    assert reporting.covered_before(DAY + timedelta(days=10)) == {insured.id}
    assert reporting.insured_approved_count(DAY) == (1, 2)


def test_cover_on_a_day_also_takes_a_sql_day(app):
    """Bookings are checked against the cover of their own day (the exposure figure)."""
    officer = make_staff("vetting_officer")
    provider = make_provider()
    make_policy(provider, starts_on=DAY, ends_on=DAY + timedelta(days=9), verified_by=officer)
    make_booking(provider=provider, scheduled_start=datetime(2026, 11, 5, 8, 0, tzinfo=UTC))
    make_booking(provider=provider, scheduled_start=datetime(2026, 11, 20, 8, 0, tzinfo=UTC))
    since, until = datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC)
    assert reporting.uninsured_bookings(since, until) == 1


def test_the_expiring_window_is_the_one_of_the_workflow(app):
    officer = make_staff("vetting_officer")
    edge, beyond = make_provider(), make_provider()
    make_policy(edge, starts_on=DAY, ends_on=DAY + timedelta(days=EXPIRING_WITHIN_DAYS), verified_by=officer)
    make_policy(
        beyond, starts_on=DAY, ends_on=DAY + timedelta(days=EXPIRING_WITHIN_DAYS + 1), verified_by=officer
    )
    board = reporting.build_board(DAY)
    assert [r.provider_id for r in board.rows[reporting.EXPIRING_WINDOW]] == [edge.id]
    assert reporting.provider_status(edge.id, DAY) == InsuranceStatus.EXPIRING
    assert reporting.provider_status(beyond.id, DAY) == InsuranceStatus.VALID
    end = DAY + timedelta(days=EXPIRING_WITHIN_DAYS)
    assert reporting.cover_label(DAY, end, False) == "expiring"
    assert reporting.cover_label(DAY, end + timedelta(days=1), False) == "valid"
    assert reporting.cover_label(DAY, None, True) == "expired"
    assert reporting.cover_label(DAY, None, False) == "none"


def test_services_use_the_same_provider_status():
    assert services.provider_status is reporting.provider_status
    assert services.periods_by_provider is reporting.periods_by_provider


def test_a_providers_policies_are_plain_values(app):
    officer = make_staff("vetting_officer")
    provider = make_provider()
    make_policy(provider, starts_on=DAY, ends_on=DAY + timedelta(days=9), verified_by=officer, number="RCP-1")
    [policy] = reporting.provider_policies(provider.id)
    assert (policy.policy_number, policy.verification, policy.verified_by) == (
        "RCP-1",
        "verified",
        officer.full_name,
    )
