"""`flask --app wsgi demo seed`: the small, deterministic marketplace data set."""

from __future__ import annotations

import re

import phonenumbers
import pytest
import sqlalchemy as sa
from stdnum.fr import siret as stdnum_siret

from console.audit.models import AuditEvent
from console.db import db, utcnow
from console.demo_data.generator import SCALES, card_number, siret_for
from console.marketplace.models import Booking, BookingStatus, Client, Provider, Review, VettingStatus
from console.marketplace.validation import POSTCODE_RE
from console.privacy import REDACTION_ACTION
from console.redaction import find_card_numbers
from console.restrictions.models import RestrictionProposal
from console.restrictions.workflow import ProposalStatus

SEED = ["demo", "seed", "--scale", "small", "--seed", "7"]


def _count(model, *where) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def _first_provider_name() -> str:
    return db.session.scalar(sa.select(Provider.legal_name).order_by(Provider.id).limit(1))


@pytest.mark.committed
def test_small_seed_is_realistic_idempotent_and_deterministic(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=SEED)
    assert result.exit_code == 0, result.output
    assert "manager@demo.ekoklean.fr" in result.output

    small = SCALES["small"]
    assert _count(Provider) == small.providers
    assert _count(Client) == small.clients
    assert _count(Booking) == small.bookings
    assert _count(Review) == small.reviews

    providers = db.session.scalars(sa.select(Provider)).all()
    assert all(stdnum_siret.is_valid(p.siret) for p in providers)
    assert len({p.siret for p in providers}) == len(providers)
    assert all(p.email == p.email.lower() and "@" in p.email for p in providers)
    assert all(POSTCODE_RE.match(p.postcode) for p in providers)
    assert all(phonenumbers.is_valid_number(phonenumbers.parse(p.phone)) for p in providers)
    statuses = [p.vetting_status for p in providers]
    assert statuses.count(VettingStatus.APPROVED) > 0.8 * len(providers)
    assert 0.05 * len(providers) < statuses.count(VettingStatus.NOT_VETTED) < 0.16 * len(providers)
    assert 0 < statuses.count(VettingStatus.REJECTED) < 0.07 * len(providers)

    # Bookings go to approved providers only; the status mix is about 70/20/10.
    unvetted = _count(
        Booking, Booking.provider_id.in_(sa.select(Provider.id).where(Provider.vetting_status != "approved"))
    )
    assert unvetted == 0
    completed = _count(Booking, Booking.status == BookingStatus.COMPLETED)
    scheduled = _count(Booking, Booking.status == BookingStatus.SCHEDULED)
    assert 0.62 < completed / small.bookings < 0.78 and 0.12 < scheduled / small.bookings < 0.28
    prices = db.session.execute(
        sa.select(sa.func.min(Booking.price_cents), sa.func.max(Booking.price_cents))
    ).one()
    assert prices[0] >= 2_500 and prices[1] <= 25_000
    assert _count(Booking, Booking.scheduled_start > utcnow(), Booking.status == BookingStatus.COMPLETED) == 0
    assert _count(Booking, Booking.created_at > Booking.scheduled_start) == 0
    before_joining = sa.select(sa.func.count()).select_from(Booking).join(Provider)
    before_joining = before_joining.where(Provider.joined_on > sa.func.date(Booking.created_at))
    assert db.session.scalar(before_joining) == 0
    before_signup = sa.select(sa.func.count()).select_from(Booking).join(Client)
    assert db.session.scalar(before_signup.where(Client.created_at > Booking.created_at)) == 0

    # Reviews: completed bookings only, one each; no card number stored anywhere.
    not_completed = _count(
        Review, Review.booking_id.in_(sa.select(Booking.id).where(Booking.status != BookingStatus.COMPLETED))
    )
    assert not_completed == 0
    assert _count(Review) == len(set(db.session.scalars(sa.select(Review.booking_id))))
    texts = db.session.scalars(sa.select(Review.text)).all()
    assert not any(find_card_numbers(text) for text in texts)
    masked = [text for text in texts if "[card \u2022\u2022\u2022\u2022" in text]
    assert len(masked) == 3
    assert _count(AuditEvent, AuditEvent.action == REDACTION_ACTION, AuditEvent.object_type == "Review") == 3

    # The managers' queue: open proposals from several sources, some overdue, opened by the seed.
    proposals = db.session.scalars(
        sa.select(RestrictionProposal).where(RestrictionProposal.status == ProposalStatus.OPEN)
    ).all()
    assert 5 <= len(proposals) <= 8
    assert len({p.source for p in proposals}) >= 4
    assert {p.created_by for p in proposals} == {"system:demo-seed"}
    now = utcnow()
    assert any(p.due_at < now for p in proposals) and any(p.due_at > now for p in proposals)
    assert _count(AuditEvent, AuditEvent.action == "restriction.propose") == len(proposals)

    # A second run keeps the data (and still succeeds, so that `make demo` can run again).
    first_name = _first_provider_name()
    db.session.remove()
    again = runner.invoke(args=SEED)
    assert again.exit_code == 0, again.output
    assert "(exists)" in again.output and "use --reset to replace" in again.output
    assert _count(Provider) == small.providers

    # --reset replaces it; the same seed gives the same data, another seed different data.
    db.session.remove()
    reset = runner.invoke(args=[*SEED, "--reset"])
    assert reset.exit_code == 0, reset.output
    assert _count(Provider) == small.providers and _count(Review) == small.reviews
    assert _first_provider_name() == first_name
    assert db.session.scalar(sa.select(sa.func.min(Provider.id))) == 1  # identities restarted
    db.session.remove()
    other = runner.invoke(args=["demo", "seed", "--seed", "8", "--reset"])
    assert other.exit_code == 0, other.output
    assert _first_provider_name() != first_name


def test_generated_identifiers_are_valid():
    sirets = {siret_for(n) for n in range(1, 60_001)}
    assert len(sirets) == 60_000 and all(stdnum_siret.is_valid(s) for s in sirets)
    import random

    number = card_number(random.Random(1), "497010")
    assert re.fullmatch(r"4970 10\d\d( \d{4}){2}", number)
    assert find_card_numbers(f"j'ai payé avec {number} hier")
