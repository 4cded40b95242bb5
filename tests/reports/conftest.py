"""Fixture data for the reports: a few providers with policies, restrictions, bookings and reviews."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from pypdf import PdfReader

from console.business_time import paris_today
from console.db import db, utcnow
from insurance import services as insurance
from restrictions import services as restrictions
from reviews import services as reviews
from tests import factories

# Text a client or provider could type: it must come out of the PDF as text, never be fetched.
INJECTION = '<img src="http://127.0.0.1:9/tracker.png"><script>alert(1)</script>'
LEGAL_INJECTION = '<link rel="attachment" href="file:///etc/passwd"><svg onload="alert(2)"></svg>'
ADDRESS_INJECTION = '<span style="background:url(file:///etc/passwd)">12</span> rue Haute'


@dataclass
class World:
    officer: object
    manager: object
    insured: object  # approved, covered, bookings and reviews
    uninsured: object  # approved, cover ended 10 days ago, a scheduled booking
    restricted: object  # approved, covered, restricted
    applicant: object  # not vetted: not in the register
    today: date


@pytest.fixture
def world() -> World:
    today = paris_today(utcnow())
    officer = factories.make_staff("vetting_officer", name="Olivia Officer")
    manager = factories.make_staff("manager", name="Marc Manager")
    insured = factories.make_provider(
        trade_name="Propreté " + INJECTION, legal_name=LEGAL_INJECTION, address_line=ADDRESS_INJECTION
    )
    uninsured = factories.make_provider(trade_name="Lapsed Nettoyage")
    restricted = factories.make_provider(trade_name="Restricted Services")
    applicant = factories.make_provider(approved=False, trade_name="New Applicant")
    factories.make_policy(
        insured,
        starts_on=today - timedelta(days=200),
        ends_on=today + timedelta(days=165),
        verified_by=officer,
    )
    factories.make_policy(
        uninsured,
        starts_on=today - timedelta(days=375),
        ends_on=today - timedelta(days=10),
        verified_by=officer,
    )
    factories.make_policy(
        restricted,
        starts_on=today - timedelta(days=30),
        ends_on=today + timedelta(days=12),
        verified_by=officer,
    )
    restrictions.restrict_provider(
        restricted,
        reason_code="safety_complaint",
        statement="A client reported an incident; bookings are paused during the investigation.",
        actor=manager,
        now=utcnow(),
    )
    client = factories.make_client()
    last_month = datetime.combine(today.replace(day=1) - timedelta(days=10), datetime.min.time(), UTC)
    for offset in range(3):
        booking = factories.make_booking(
            client, insured, scheduled_start=last_month + timedelta(hours=offset)
        )
        reviews.record_review(
            booking=booking,
            rating=4 + offset % 2,
            text="Très bien " + INJECTION,
            actor="system:tests",
            now=utcnow(),
        )
    factories.make_booking(
        client, uninsured, status="scheduled", scheduled_start=datetime.now(UTC) + timedelta(days=3)
    )
    factories.make_booking(
        client, uninsured, scheduled_start=datetime.now(UTC) - timedelta(days=5)
    )  # uninsured
    insurance.refresh_cover()
    db.session.flush()
    return World(officer, manager, insured, uninsured, restricted, applicant, today)


def read_pdf(data: bytes) -> tuple[PdfReader, str]:
    reader = PdfReader(io.BytesIO(data))
    return reader, "\n".join(page.extract_text() for page in reader.pages)


def squash(text: str) -> str:
    """Text extracted from a PDF without line breaks or repeated spaces."""
    return " ".join(text.split())
