"""Report (1) on seeded data where each measured promise has a known figure, read back with pypdf."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from console.db import db
from marketplace import services as marketplace
from policy import campaign
from policy import services as policy
from reports.builders.common import pct
from reports.builders.policy_compliance import build_policy_compliance
from reports.workflow import Period, Verdict
from tests import factories
from tests.reports.conftest import read_pdf, squash
from tests.reports.test_reports_pdf import build

NOV = Period(datetime(2026, 11, 1).date(), datetime(2026, 11, 30).date())


def at(day: int, hour: int = 10) -> datetime:
    return datetime(2026, 11, day, hour, 0, tzinfo=UTC)


def _versions(drafter, publisher) -> None:
    old = policy.draft_version(title="Politique", body="Texte 1", summary="Première", significant=False,
                               effective_at=datetime(2026, 10, 20, tzinfo=UTC), actor=drafter,
                               now=datetime(2026, 10, 1, tzinfo=UTC))  # fmt: skip
    policy.submit_version(old, actor=drafter, now=datetime(2026, 10, 1, tzinfo=UTC))
    policy.publish_version(old, actor=publisher, now=datetime(2026, 10, 2, tzinfo=UTC))
    new = policy.draft_version(title="Politique", body="Texte 2", summary="Frais revus", significant=True,
                               effective_at=datetime(2026, 12, 1, tzinfo=UTC), actor=drafter,
                               now=at(4))  # fmt: skip
    policy.submit_version(new, actor=drafter, now=at(4))
    policy.publish_version(new, actor=publisher, now=at(5))
    started = campaign.start_campaign(new, actor=publisher, now=at(6))
    campaign.run_chunk(started.id, now=at(6))


def seed():
    """Nov 2026: no document opened (1: not applicable); one planted card number (2); 4 bookings,
    3 under terms published before them, 2 fee disputes, 1 within its terms (7); a significant
    version announced before it took effect, to 4 of the 5 clients (8)."""
    drafter, publisher = factories.make_staff("manager"), factories.make_staff("manager")
    clients = [factories.make_client() for _ in range(4)]
    factories.make_terms("2026-03")
    policy.create_terms(
        label="2026-11",
        effective_at=at(1),
        tiers=[(24, 0), (0, 50)],
        no_show_percent=100,
        summary=None,
        actor=publisher,
        now=at(20),
    )  # fmt: skip — published after a booking
    provider = factories.make_provider()
    bookings = [
        factories.make_booking(clients[n], provider, status="scheduled", price_cents=8_000, now=at(2 + n),
                               scheduled_start=at(25, 9), cancellation_terms_version=terms)
        for n, terms in enumerate(("2026-03", "2026-03", "2026-03", "2026-11"))
    ]  # fmt: skip
    for booking in bookings[:2]:  # cancelled 13 h before: 50 % of 80 € allowed, 40 €
        marketplace.change_booking(booking, "cancel", actor="system:tests", now=at(24, 20),
                                   cancelled_by="client", cancelled_at=at(24, 20),
                                   cancellation_terms_version="2026-03")  # fmt: skip
    for booking, claimed in ((bookings[0], 4_000), (bookings[1], 6_000)):
        complaint = factories.make_complaint(booking=booking, category="billing", now=at(26))
        factories.make_dispute(complaint, kind="cancellation_fee", amount_claimed_cents=claimed, now=at(26))
    _versions(drafter, publisher)
    late = factories.make_client()  # joined after the announcement: not reached
    db.session.execute(
        sa.text("UPDATE client SET full_name = :name, created_at = :at WHERE id = :id"),
        {"name": "Carte 4111 1111 1111 1111 collée", "at": at(12), "id": late.id},
    )  # a card number written past the redactor (raw SQL), in the period
    db.session.flush()
    return late


def test_each_promise_has_its_expected_figure(app):
    late = seed()
    data = build_policy_compliance(NOV, progress=lambda p: None).data
    promises = {p.number: p for p in data.promises}
    assert promises[1].verdict == Verdict.NOT_APPLICABLE and promises[1].share is None
    assert promises[2].measured == "1" and promises[2].verdict == Verdict.NOT_MET
    assert dict(promises[2].evidence)["Found in"] == f"client.full_name #{late.id}"
    assert promises[7].share == 75.0 and promises[7].verdict == Verdict.NOT_MET
    assert dict(promises[7].evidence)["Fees claimed within what the booking's terms allowed"] == pct(50.0)
    assert promises[8].share == 80.0 and promises[8].verdict == Verdict.NOT_MET
    evidence = dict(promises[8].evidence)
    assert evidence["Versions published in the period"] == "1"
    assert evidence["Announced before their effective date"] == "1"
    assert len(data.chart) == 8 and all(p.method for p in data.promises)
    assert data.counts[Verdict.NOT_APPLICABLE] >= 1


def test_promise_one_counts_the_access_logs_views_and_their_purposes(app):
    from console.access_log.services import Subject, record_access

    seed()
    officer, client = factories.make_staff("support_agent"), factories.make_client()
    for n, purpose in enumerate(("support_case", "support_case", "dispute", "")):
        record_access(officer, [Subject("client", client.id)], record_type="client", record_id=client.id,
                      purpose=purpose, page="clients.details_view", now=at(10 + n))  # fmt: skip
    record_access(officer, [Subject("client", client.id)], record_type="client", record_id=client.id,
                  purpose="audit", page="clients.details_view", now=at(1) - timedelta(days=3))  # fmt: skip
    db.session.flush()
    promise = build_policy_compliance(NOV, progress=lambda p: None).data.promises[0]
    assert promise.share == 75.0 and promise.verdict == Verdict.NOT_MET
    evidence = dict(promise.evidence)
    assert evidence["Person pages viewed (access log)"] == "4"
    assert evidence["Viewed with a recorded purpose"] == "3"
    assert evidence["Most given purposes"].startswith("Support case handling 2")


def test_report_one_read_back_from_the_pdf(app):
    seed()
    manager = factories.make_staff("manager")
    run, pdf = build("policy_compliance", {"starts_on": "2026-11-01", "ends_on": "2026-11-30"}, manager)
    reader, text = read_pdf(pdf)
    flat = squash(text)
    first = flat.split("2. Secure transactions")[0]
    assert "1. Personal data kept confidential not applicable" in first
    assert "No personal data was viewed in the period: nothing to measure." in first
    assert "Unmasked card numbers found by scanning the period's free text" in flat
    assert "Values holding an unmasked card number 1" in flat and "client.full_name" in flat
    assert f"Measured {pct(75.0)}" in flat  # promise 7
    assert f"Measured {pct(80.0)}" in flat  # promise 8
    assert "Method:" in flat and "Each promise against its target" in flat
    assert len(reader.pages) == run.page_count


def test_promise_one_checks_each_insurer_claim_against_the_consent_in_force(app):
    from console.audit import services as audit
    from marketplace import consents

    seed()
    agent = factories.make_staff("support_agent")
    shared = []
    for _ in range(2):
        dispute = factories.make_dispute(factories.make_complaint(booking=factories.make_booking()))
        shared.append(dispute)
    consents.record_consent(shared[0].booking.client, recipient="insurer", purpose="damage_claim", given=True,
                            source="support", wording_version="2026-12", actor=agent, now=at(9))  # fmt: skip
    for n, dispute in enumerate(shared):  # the trail's record of each share with the insurer
        audit.record(agent, "dispute.insurer_claim", dispute, changes={"insurer_claim_reference": f"AXA/{n}"},
                     now=at(10 + n))  # fmt: skip
    db.session.flush()
    promise = build_policy_compliance(NOV, progress=lambda p: None).data.promises[0]
    evidence = dict(promise.evidence)
    assert evidence["Data shared with a third party (insurer claims)"] == "2"
    assert evidence["Shared with the client's consent in force"] == "1"
    assert promise.verdict == Verdict.NOT_MET
