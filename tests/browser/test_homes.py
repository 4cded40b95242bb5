"""Each demo role opens its home in a real Chromium: its queue cards with the figures of the
database, a chart whose accessible table holds the measured figures, and a card that opens its
queue."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from console.business_time import week_starts
from console.db import db, utcnow
from disputes.complaints import workflow as complaint_wf
from disputes.complaints.models import Complaint
from tests.browser.conftest import sign_in
from vetting.models import VettingCase

pytestmark = [pytest.mark.browser, pytest.mark.committed]

# The demo's accounts (README): each lands on its own home.
HOMES = {
    "support": (
        [
            "Mes réclamations",
            "Réclamations non attribuées",
            "À risque",
            "Délai dépassé",
            "Litiges à décider",
            "Avis à modérer",
        ],
        "complaint-backlog",
    ),
    "vetting": (
        [
            "Mes contrôles",
            "Dossiers à attribuer",
            "Prêts pour décision",
            "En retard",
            "Attestations à vérifier",
            "File des restrictions",
        ],
        "vetting-throughput",
    ),
    "manager": (
        [
            "Prêts pour décision",
            "En retard",
            "À risque",
            "Délai dépassé",
            "Litiges à décider",
            "File des restrictions",
            "Messages en échec",
        ],
        "vetting-throughput",
    ),
    "admin": (["Messages en échec"], None),
}


# Cards that count a part of a list open that list filtered to it.
LIST_OF_CARD = {"Messages en échec": "Boîte d'envoi"}


@pytest.fixture
def seeded(app, queue_redis):
    result = app.test_cli_runner().invoke(args=["demo", "seed", "--scale", "small"])
    assert result.exit_code == 0, result.output


def _cards(page) -> list[tuple[str, str]]:
    return [
        (
            card.locator(".home-card-title").inner_text(),
            card.locator("[data-testid=queue-count]").inner_text(),
        )
        for card in page.locator("a.home-card").all()
    ]


def _table_totals(page, chart_id: str) -> int:
    """The sum of every figure in the chart's accessible table (as a screen reader reads it)."""
    cells = page.locator(f"[data-testid=chart-{chart_id}] table.chart-data tbody td").all_inner_texts()
    return sum(int(cell.replace("\u202f", "")) for cell in cells if cell != "–")


def _open_complaints() -> int:
    return db.session.scalar(
        sa.select(sa.func.count()).where(Complaint.status.in_(complaint_wf.OPEN_STATUSES))
    )


def _decided_in_the_last_8_weeks() -> int:
    now = utcnow()
    return db.session.scalar(
        sa.select(sa.func.count()).where(
            VettingCase.decided_at >= week_starts(now)[0], VettingCase.decided_at < now
        )
    )


@pytest.mark.parametrize("who", list(HOMES))
def test_each_demo_role_reads_its_home_and_opens_a_queue_from_a_card(page, live_url, seeded, who):
    titles, chart = HOMES[who]
    page.set_viewport_size({"width": 1440, "height": 900})
    sign_in(page, live_url, f"{who}@demo.ekoklean.fr", f"{who}-demo-2026")
    cards = _cards(page)
    assert [title for title, _ in cards] == titles
    assert all(count.replace("\u202f", "").rstrip("+").isdigit() for _, count in cards)
    assert all(card.is_visible() for card in page.locator("a.home-card").all())

    if chart == "complaint-backlog":
        assert _table_totals(page, chart) == _open_complaints() > 0
    elif chart == "vetting-throughput":
        assert _table_totals(page, chart) == _decided_in_the_last_8_weeks() > 0
        svg_title = page.locator("[data-testid=chart-vetting-throughput] svg[role=img] > title")
        assert svg_title.text_content() == "Décisions de vérification par semaine"
    else:
        assert page.locator("[data-testid^=chart-]").count() == 0
    assert page.console_errors == [], page.console_errors

    first = page.locator("a.home-card").first
    href, (title, count) = first.get_attribute("href"), cards[0]
    first.click()
    page.wait_for_url(f"{live_url}{href}")
    assert page.title().startswith(LIST_OF_CARD.get(title, title))
    # the queue shows what its card counted: in its tab's count, or row by row (lists without a count)
    rows = page.locator("table.model-list tbody tr:not(:has(td[colspan]))").count()
    assert f"({count})" in page.inner_text(".nav-tabs") or rows == int(count)
