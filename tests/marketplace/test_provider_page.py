"""The provider page: can this person work and why not, and each card from its domain's records."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from console.access_log.models import AccessEntry
from console.business_time import paris_today
from console.db import db, utcnow
from insurance.models import InsurancePolicy
from marketplace import services as marketplace
from policy.models import CancellationTerms
from restrictions import services as restrictions
from reviews import services as reviews
from tests.conftest import count_queries, sign_in
from tests.factories import (
    make_applicant,
    make_booking,
    make_client,
    make_complaint,
    make_dispute,
    make_policy,
    make_provider,
    make_staff,
    make_terms,
    make_verified_policy,
)
from tests.vetting.conftest import pass_all_checks
from vetting import services as vetting


def _page(client, provider) -> str:
    provider_id = provider if isinstance(provider, int) else provider.id
    response = client.get(f"/providers/details/?id={provider_id}")
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def _section(page: str, testid: str) -> str:
    """The HTML of the element carrying `data-testid=testid`, up to its closing tag."""
    start = page.index(f'data-testid="{testid}"')
    tag = page.rfind("<", 0, start)
    name = re.match(r"<(\w+)", page[tag:]).group(1)
    depth, at = 0, tag
    for match in re.finditer(rf"<(/?){name}\b", page[tag:]):
        depth += -1 if match.group(1) else 1
        if depth == 0:
            at = tag + match.end()
            break
    return page[tag:at]


def _link(page: str, href: str, text: str) -> bool:
    return re.search(rf'<a href="{re.escape(href)}"[^>]*>{re.escape(text)}</a>', page) is not None


def _approved_provider(now):
    """A provider approved through a real vetting case: checks by one officer, decision by another."""
    provider, case = make_applicant()
    make_verified_policy(provider)
    pass_all_checks(case, make_staff("vetting_officer"), now)
    vetting.approve_case(case, actor=make_staff("vetting_officer"), now=now)
    return provider, case


def test_a_vetted_insured_provider_can_work_and_each_card_shows_its_records(client_as):
    now = utcnow()
    provider, case = _approved_provider(now)
    policy = db.session.scalar(sa.select(InsurancePolicy).where(InsurancePolicy.provider_id == provider.id))
    past = make_booking(provider=provider, scheduled_start=now - timedelta(days=3), status="completed")
    older = make_booking(provider=provider, scheduled_start=now - timedelta(days=200), status="completed")
    upcoming = make_booking(
        provider=provider, scheduled_start=now + timedelta(days=4), status="scheduled", price_cents=6750
    )
    agent = make_staff("support_agent")
    for booking, rating in ((older, 2), (past, 5)):
        review = reviews.record_review(
            booking=booking, rating=rating, text=f"Avis {rating}", actor="system:tests", now=now
        )
        reviews.moderate(review, "publish", actor=agent, now=now)
    complaint = make_complaint(booking=past, category="quality", subject="Vitres mal faites", now=now)
    dispute = make_dispute(make_complaint(booking=older, now=now), now=now)
    db.session.commit()

    page = _page(client_as("manager"), provider)

    verdict = _section(page, "eligibility-panel")
    assert "Can work" in verdict and "can be booked by clients" in verdict and "alert-success" in verdict
    assert "verdict-reasons" not in verdict  # nothing stops them
    assert "2 complaints open." in verdict  # the one about quality and the one behind the dispute

    card = _section(page, "card-vetting")
    assert _link(card, f"/vetting_cases/details/?id={case.id}", case.reference) and "approved" in card
    due = _section(card, "revetting-due")
    assert "Next re-vetting" in card and case.revetting_due_on.strftime("%d/%m/%Y") in due

    card = _section(page, "card-insurance")
    assert "valid" in _section(card, "cover-status")
    assert _link(card, f"/policies/details/?id={policy.id}", f"{policy.insurer} {policy.policy_number}")
    assert policy.ends_on.strftime("%d/%m/%Y") in _section(card, "policy-ends")

    card = _section(page, "card-bookings")
    assert ">3<" in _section(card, "bookings-total") and ">1<" in _section(card, "bookings-recent")
    assert _link(card, f"/bookings/details/?id={past.id}", past.reference)
    assert _link(card, f"/bookings/details/?id={upcoming.id}", upcoming.reference)
    assert "€67.50" in _section(card, "booking-next")

    card = _section(page, "card-rating")
    assert ">3.5<" in _section(card, "rating-average") and "2 published reviews" in card
    assert "rating-sparkline" in card
    review_ids = db.session.scalars(sa.text("SELECT id FROM review ORDER BY id")).all()
    for review_id in review_ids:
        assert _link(card, f"/moderation/review/{review_id}", f"REV-{review_id:07d}")

    card = _section(page, "card-complaints")
    assert ">1<" in _section(card, "disputes-total") and ">2<" in _section(card, "complaints-total")
    assert _link(card, f"/complaints/details/?id={complaint.id}", complaint.reference)
    assert "Vitres mal faites" in card
    assert _link(card, f"/disputes/details/?id={dispute.id}", dispute.reference)
    assert "€120.00" in card

    timeline = _section(page, "timeline")
    assert _link(timeline, f"/complaints/details/?id={complaint.id}", complaint.reference)


def test_a_restricted_provider_cannot_work_and_the_restriction_is_linked(client_as, now):
    provider = make_provider()
    make_verified_policy(provider)
    manager = make_staff("manager")
    for days_ago in (40, 20):  # two ended restrictions: the later one is shown
        earlier = restrictions.restrict_provider(
            provider, reason_code="terms_breach", statement="Non-respect des conditions.", actor=manager,
            now=now - timedelta(days=days_ago),
        )  # fmt: skip
        restrictions.lift_restriction(
            earlier,
            reason="Conditions respectées.",
            actor=make_staff("manager"),
            now=now - timedelta(days=days_ago - 5),
        )
    proposal = restrictions.propose_restriction(
        provider,
        reason_code="low_rating",
        actor="system:tests",
        now=now,
        evidence=["REV-0000042 et REV-0000043"],
    )
    restriction = restrictions.confirm_proposal(proposal, actor=manager, now=now)
    restrictions.propose_restriction(
        provider,
        reason_code="insurance_lapsed",
        actor="system:tests",
        now=now,
        evidence=["<script>window.__x=1</script> REV-0000044"],
    )
    db.session.commit()

    page = _page(client_as("manager"), provider)

    verdict = _section(page, "eligibility-panel")
    assert "Cannot work" in verdict and "alert-danger" in verdict
    reasons = _section(verdict, "verdict-reasons")
    assert "restricted: low rating" in reasons
    assert f"/restrictions/details/?id={restriction.id}" in reasons
    assert "1 restriction proposal waits for a decision." in verdict
    card = _section(page, "card-restrictions")
    active = _section(card, "active-restrictions")
    assert f"/restrictions/details/?id={restriction.id}" in active and active.count("<li") == 1
    assert "2 restrictions ended" in card and f"/restrictions/details/?id={earlier.id}" in card
    proposals = _section(card, "open-proposals")
    assert "/proposals/decide/" in proposals
    assert _link(proposals, "/moderation/review/44", "REV-0000044")
    assert "<script>window.__x" not in page and "&lt;script&gt;window.__x=1&lt;/script&gt;" in proposals


def test_an_approved_provider_without_cover_can_work_but_the_lapse_is_the_first_point(client_as, now):
    provider = make_provider()
    db.session.commit()

    page = _page(client_as("manager"), provider)

    verdict = _section(page, "eligibility-panel")
    assert "Can work" in verdict  # the bookable rule: a lapse restricts only once a person decides
    assert "alert-warning" in verdict  # ... but it is not a green light
    assert "No verified RC Pro cover today." in _section(verdict, "point-uninsured")
    card = _section(page, "card-insurance")
    assert "none" in _section(card, "cover-status") and "none covers today" in card


def test_an_applicant_not_vetted_yet_cannot_work_and_the_case_under_way_is_linked(client_as):
    provider, case = make_applicant()
    db.session.commit()

    page = _page(client_as("vetting_officer"), provider)

    verdict = _section(page, "eligibility-panel")
    assert "Cannot work" in verdict and "not vetted yet" in _section(verdict, "verdict-reasons")
    assert "point-uninsured" not in verdict  # not approved: the cover is not yet the question
    card = _section(page, "card-vetting")
    assert _link(card, f"/vetting_cases/details/?id={case.id}", case.reference)
    assert "none yet" in card


def test_the_page_is_french_for_a_french_reader(app, now):
    provider = make_provider()
    make_booking(provider=provider, scheduled_start=utcnow() + timedelta(days=2), status="scheduled",
                 price_cents=123_450)  # fmt: skip
    staff = make_staff("manager", language="fr")
    db.session.commit()
    client = app.test_client()
    assert sign_in(client, staff.email).status_code == 302

    page = _page(client, provider).replace("\u202f", " ").replace("\u00a0", " ")

    assert "Peut travailler" in page and "Réservations" in page and "1 234,50 €" in page
    assert "Aucune couverture RC Pro vérifiée aujourd’hui." in page and "Réclamations ouvertes" in page
    assert "UTC" not in page and "Can work" not in page


@pytest.mark.parametrize("role", ["support_agent", "vetting_officer", "manager"])
def test_each_role_that_reads_providers_opens_the_page(client_as, role):
    provider, case = make_applicant()
    db.session.commit()
    page = _page(client_as(role), provider)
    card = _section(page, "card-vetting")
    may_open_cases = role != "support_agent"
    assert _link(card, f"/vetting_cases/details/?id={case.id}", case.reference) is may_open_cases
    assert case.reference in card  # support sees the reference, without a link it could not follow
    assert ('data-testid="restrict"' in page) is (role == "manager")


def test_other_roles_and_strangers_do_not_see_the_page(client_as, client):
    provider = make_provider()
    db.session.commit()
    url = f"/providers/details/?id={provider.id}"
    assert client_as("admin").get(url).status_code == 403
    response = client.get(url)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_every_view_of_the_page_is_access_logged(client_as):
    provider = make_provider()
    db.session.commit()
    client = client_as("support_agent")
    before = db.session.scalar(sa.select(sa.func.count()).select_from(AccessEntry))
    _page(client, provider)
    _page(client, provider)
    entries = db.session.scalars(
        sa.select(AccessEntry).where(
            AccessEntry.subject_type == "provider", AccessEntry.subject_id == provider.id
        )
    ).all()
    assert (
        len(entries) == 2 == db.session.scalar(sa.select(sa.func.count()).select_from(AccessEntry)) - before
    )
    assert {e.staff_id for e in entries} == {client.staff.id} and {e.record_type for e in entries} == {
        "Provider"
    }


def _busy_provider(bookings: int, now):
    """An approved, insured provider with `bookings` bookings, a review and a complaint per 10 of
    them, a restriction ended per 50 and one in force."""
    provider = make_provider()
    make_verified_policy(provider)
    client = make_client()
    terms = make_terms()
    terms_id = db.session.scalar(sa.select(CancellationTerms.id).where(CancellationTerms.id == terms.id))
    items = [
        {
            "client_id": client.id,
            "provider_id": provider.id,
            "service": "regular_cleaning",
            "scheduled_start": now - timedelta(days=i) + timedelta(days=3),
            "duration_minutes": 120,
            "price_cents": 5000,
            "currency": "EUR",
            "status": "completed" if i > 3 else "scheduled",
            "cancellation_terms_id": terms_id,
        }
        for i in range(bookings)
    ]
    made = marketplace.record_bookings(items, actor="system:tests", now=now)
    agent = make_staff("support_agent")
    for n, booking in enumerate(b for b in made if b.status == "completed"):
        if n % 10 == 0:
            review = reviews.record_review(
                booking=booking, rating=1 + n % 5, text="Bien", actor="system:tests", now=now
            )
            reviews.moderate(review, "publish", actor=agent, now=now)
            make_complaint(booking=booking, actor=agent, now=now)
    for n in range(bookings // 50 + 2):  # each decided and lifted by someone else: no name read per row
        restriction = restrictions.restrict_provider(
            provider,
            reason_code="terms_breach",
            statement="Manquement.",
            actor=make_staff("manager"),
            now=now - timedelta(days=n + 1),
        )
        if n:
            restrictions.lift_restriction(
                restriction, reason="Levée.", actor=make_staff("manager"), now=now - timedelta(days=n)
            )
    db.session.commit()
    return provider


def test_the_page_runs_the_same_number_of_queries_with_5_and_200_bookings(client_as):
    """... and 20 or 40 reviews and complaints, 1 or 5 ended restrictions."""
    now = utcnow()
    small, large = _busy_provider(5, now).id, _busy_provider(200, now).id
    client = client_as("manager")
    _page(client, small)  # the first request warms the caches
    counts = {}
    for provider_id in (small, large):
        with count_queries() as statements:
            _page(client, provider_id)
        counts[provider_id] = statements
    assert len(counts[small]) == len(counts[large]), (len(counts[small]), len(counts[large]))
    assert len(counts[large]) <= 40, [s[:80] for s in counts[large]]


def test_a_long_timeline_shows_its_100_latest_events(client_as):
    provider = make_provider()
    officer = make_staff("vetting_officer")
    today = paris_today(utcnow())
    for year in range(51):  # registered and verified: two events each
        starts = today - timedelta(days=365 * (year + 1) - 1)
        make_policy(provider, starts_on=starts, ends_on=starts + timedelta(days=364), verified_by=officer)
    db.session.commit()

    page = _page(client_as("manager"), provider)

    assert "The 100 most recent events." in _section(page, "timeline-cut")
    assert _section(page, "timeline").count("<tr>") == 100
    # the latest policy ends today: cover expiring, said in the verdict's points too
    assert "expiring" in _section(_section(page, "card-insurance"), "cover-status")
    assert "RC Pro cover ends on" in _section(page, "verdict-points")
