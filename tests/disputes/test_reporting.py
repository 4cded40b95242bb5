"""The plain figures the compliance reports read about complaints and disputes."""

from __future__ import annotations

from datetime import timedelta

from disputes import reporting
from disputes.complaints import services
from disputes.disputes import services as dispute_services
from tests.factories import make_booking, make_complaint, make_provider, make_staff


def test_figures_for_a_period(now):
    agent, manager = make_staff("support_agent"), make_staff("manager")
    provider = make_provider()
    since, until = now - timedelta(days=1), now + timedelta(days=30)
    damage = make_complaint(booking=make_booking(provider=provider, price_cents=9_000), actor=agent, now=now)
    question = make_complaint(category="question", actor=agent, now=now)
    make_complaint(category="question", actor=agent, now=now - timedelta(days=3))  # before the period
    services.send_message(question, to="to_client", body="Bonjour", actor=agent, now=now)
    for event in ("triage", "start", "resolve"):
        services.transition(question, event, actor=agent, now=now + timedelta(hours=2))
    for event in ("triage", "start", "resolve"):
        services.transition(damage, event, actor=agent, now=now + timedelta(days=10), reason="Réglé")
    dispute = dispute_services.open_dispute(
        damage, kind="refund", amount_claimed_cents=9_000, claim="x", actor=agent, now=now
    )
    dispute_services.decide_dispute(
        dispute, outcome="partially_upheld", amount_awarded_cents=4_000, reasons="y", actor=manager, now=now
    )

    assert reporting.complaint_volumes(since, until) == [("damage", 1), ("question", 1)]
    assert reporting.sla_by_severity(since, until) == [("high", 1, 0.0, 0.0), ("low", 1, 100.0, 100.0)]
    median, p90 = reporting.resolution_hours(since, until)
    assert (median, p90) == (121.0, 216.2)
    assert reporting.dispute_outcomes(since, until) == [("partially_upheld", 1, 9_000, 4_000)]
    assert reporting.most_complained_about(since, until) == [(provider.reference, provider.display_name, 1)]
    assert reporting.provider_complaints(provider.id) == [("damage", 1)]


def test_an_empty_period_has_no_figures(now):
    since, until = now - timedelta(days=400), now - timedelta(days=399)
    assert reporting.complaint_volumes(since, until) == []
    assert reporting.sla_by_severity(since, until) == []
    assert reporting.resolution_hours(since, until) == (None, None)
    assert reporting.dispute_outcomes(since, until) == []
    assert reporting.most_complained_about(since, until) == []
