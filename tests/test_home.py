"""The home page per role: queue cards (capped counts, the oldest item's age) and charts whose
figures are measured from the rows."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from console import counts
from console.business_time import paris_today, week_starts
from console.charts import iso_weeks
from console.db import db, utcnow
from console.home import CHART_CACHE_KEY, CHART_CACHE_SECONDS
from disputes.complaints.models import Complaint
from tests.conftest import signed_in_client
from tests.factories import make_applicant, make_complaint, make_policy, make_provider, make_staff
from vetting.models import VettingCase

CARDS = {
    "support_agent": {
        "complaints_mine",
        "complaints_unassigned",
        "complaints_at_risk",
        "complaints_breached",
        "disputes_awaiting",
        "moderation",
    },
    "vetting_officer": {
        "vetting_mine",
        "vetting_unassigned",
        "vetting_ready",
        "vetting_overdue",
        "certificates",
        "proposals",
    },
    "manager": {
        "vetting_ready",
        "vetting_overdue",
        "complaints_at_risk",
        "complaints_breached",
        "disputes_awaiting",
        "proposals",
        "outbox",
    },
    "admin": {"outbox"},
}
CHARTS = {
    "support_agent": {"sla-by-week", "complaint-backlog"},
    "vetting_officer": {"vetting-throughput", "vetting-time", "insurance-cover"},
    "manager": {"sla-by-week", "vetting-throughput", "vetting-time", "insurance-cover"},
    "admin": set(),
}


def _cards(page: str) -> set[str]:
    return set(re.findall(r'data-testid="card-([a-z_]+)"', page))


def _charts(page: str) -> set[str]:
    return set(re.findall(r'data-testid="chart-([a-z-]+)"', page))


def _card(page: str, endpoint: str) -> tuple[str, str]:
    """(count, age text) of one card."""
    block = page.split(f'data-testid="card-{endpoint}"')[1].split("</a>")[0]
    count = re.search(r'data-testid="queue-count">([^<]*)<', block).group(1)
    age = re.sub(r"<[^>]+>", "", block.split('data-testid="queue-age">')[1]).strip()
    return count, age


def _chart_table(page: str, chart_id: str) -> dict[str, list[str]]:
    """The chart's accessible table: {row label: [figure per series]}, and the series names."""
    block = page.split(f'data-testid="chart-{chart_id}"')[1].split("</figure>")[0]
    head = re.findall(r'<th scope="col">(.*?)</th>', block)
    rows = {}
    for row in re.findall(r"<tr><th scope=\"row\">(.*?)</tr>", block):
        label, *cells = re.findall(r"^(.*?)</th>|<td>(.*?)</td>", row)
        rows[html.unescape(label[0])] = [html.unescape(cell[1]) for cell in cells]
    rows["__series__"] = head
    return rows


def page_week(start) -> str:
    """The axis label of the week starting at `start`, as an English reader sees it."""
    return f"W{iso_weeks([start])[0]}"


@pytest.fixture
def home(app, queue_redis):
    """GET / as a fresh staff member with `roles` (the chart cache emptied first)."""

    def get(*roles: str) -> str:
        client = signed_in_client(app, *roles)
        response = client.get("/")
        assert response.status_code == 200
        return response.get_data(as_text=True)

    return get


@pytest.mark.parametrize("role", sorted(CARDS))
def test_each_role_sees_its_own_cards_and_charts_and_nothing_of_the_others(home, role):
    page = home(role)
    assert _cards(page) == CARDS[role]
    assert _charts(page) == CHARTS[role]


def test_a_person_with_two_roles_sees_each_card_and_chart_once(home):
    page = home("support_agent", "manager")
    assert _cards(page) == CARDS["support_agent"] | CARDS["manager"]
    assert page.count('data-testid="card-complaints_breached"') == 1
    assert page.count('data-testid="chart-sla-by-week"') == 1


def test_cards_count_the_rows_and_give_the_oldest_ones_age(app, queue_redis):
    now = utcnow()
    for days in (2, 1, 0):
        make_complaint(now=now - timedelta(days=days, minutes=5))
    agent = signed_in_client(app, "support_agent")
    page = agent.get("/").get_data(as_text=True)
    assert _card(page, "complaints_unassigned") == ("3", "Oldest: 2 days ago")
    assert _card(page, "complaints_mine") == ("0", "Nothing waiting")
    assert 'href="/queue/unassigned/"' in page


def test_a_card_opens_its_queue(app, queue_redis):
    make_complaint()
    agent = signed_in_client(app, "support_agent")
    page = agent.get("/").get_data(as_text=True)
    url = re.search(r'href="([^"]+)"[^>]*data-testid="card-complaints_unassigned"', page).group(1)
    queue = agent.get(url)
    assert queue.status_code == 200 and "CMP-" in queue.get_data(as_text=True)


def test_counts_past_the_cap_read_as_a_floor(app, queue_redis, monkeypatch):
    monkeypatch.setattr(counts, "CARD_CAP", 2)
    now = utcnow()
    for days in (0, 1, 3):  # the oldest last: past the cap it is still found
        make_complaint(now=now - timedelta(days=days, minutes=5))
    page = signed_in_client(app, "support_agent").get("/").get_data(as_text=True)
    assert _card(page, "complaints_unassigned") == ("2+", "Oldest: 3 days ago")


def _resolve(complaint: Complaint, at, *, in_time: bool) -> None:
    complaint.resolved_at = at
    complaint.resolution_met = in_time


def test_sla_attainment_is_measured_per_week_and_severity(home):
    now = utcnow()
    starts = week_starts(now)
    last_week = starts[-2] + timedelta(hours=30)
    for category, in_time in [("damage", True), ("damage", True), ("damage", False), ("question", True)]:
        _resolve(
            make_complaint(category=category, now=last_week - timedelta(days=3)), last_week, in_time=in_time
        )
    old = make_complaint(category="damage", now=starts[0] - timedelta(days=20))
    _resolve(old, starts[0] - timedelta(days=1), in_time=False)  # before the 8 weeks: not counted
    db.session.flush()
    table = _chart_table(home("support_agent"), "sla-by-week")
    assert table["__series__"] == ["Critical", "High", "Medium", "Low"]
    week = page_week(starts[-2])
    assert table[week] == ["–", "66.7%", "–", "100.0%"]
    assert all(cells == ["–"] * 4 for label, cells in table.items() if label not in (week, "__series__"))


def test_the_backlog_is_counted_by_age_and_severity(home):
    now = utcnow()
    for days, category in [(0.2, "damage"), (2, "damage"), (2, "question"), (5, "quality"), (40, "damage")]:
        make_complaint(category=category, now=now - timedelta(days=days))
    closed = make_complaint(category="damage", now=now - timedelta(days=2))
    closed.status, closed.resolved_at, closed.closed_at = "closed", now, now  # not in the backlog
    db.session.flush()
    table = _chart_table(home("support_agent"), "complaint-backlog")
    assert table["__series__"] == ["Critical", "High", "Medium", "Low"]
    assert table["< 1 day"] == ["0", "1", "0", "0"]
    assert table["1-3 days"] == ["0", "1", "0", "1"]
    assert table["3-7 days"] == ["0", "0", "1", "0"]
    assert table["> 30 days"] == ["0", "1", "0", "0"]


def _decide(case: VettingCase, status: str, *, opened_days: float, decided_at, decider) -> None:
    db.session.execute(
        sa.update(VettingCase)
        .where(VettingCase.id == case.id)
        .values(
            status=status,
            opened_at=decided_at - timedelta(days=opened_days),
            decided_at=decided_at,
            decided_by_id=decider.id,
            rejection_reason="other" if status == "rejected" else None,
            revetting_due_on=paris_today(decided_at) + timedelta(days=730) if status == "approved" else None,
        )
    )


def test_vetting_throughput_and_median_time_to_decision(home):
    now = utcnow()
    starts = week_starts(now)
    decider = make_staff("manager")
    at = starts[-3] + timedelta(days=1, hours=10)
    for status, days in [("approved", 4), ("approved", 10), ("rejected", 6), ("withdrawn", 30)]:
        _decide(make_applicant()[1], status, opened_days=days, decided_at=at, decider=decider)
    page = home("vetting_officer")
    week = page_week(starts[-3])
    throughput = _chart_table(page, "vetting-throughput")
    assert throughput["__series__"] == ["Approved", "Rejected", "Withdrawn"]
    assert throughput[week] == ["2", "1", "1"]
    assert _chart_table(page, "vetting-time")[week] == ["6 d"]  # median of 4, 6 and 10 days


def test_insurance_cover_is_the_share_of_approved_providers_covered(home):
    today = paris_today(utcnow())
    officer = make_staff("vetting_officer")
    covered = [make_provider() for _ in range(3)]
    for provider in covered:
        make_policy(
            provider,
            starts_on=today - timedelta(days=3),
            ends_on=today + timedelta(days=300),
            verified_by=officer,
        )
    make_provider()  # approved, uninsured
    make_provider(approved=False)  # not approved: not counted
    page = home("vetting_officer")
    table = _chart_table(page, "insurance-cover")
    approved = db.session.scalar(sa.text("SELECT count(*) FROM provider WHERE vetting_status = 'approved'"))
    assert approved == 4
    assert table[page_week(week_starts(utcnow())[-1])] == ["75.0%"]  # 3 of 4 today


def test_chart_figures_are_kept_a_few_minutes_in_redis(app, queue_redis):
    agent = signed_in_client(app, "support_agent")
    agent.get("/")
    assert 0 < queue_redis.ttl(f"{CHART_CACHE_KEY}:complaint_backlog") <= 300
    make_complaint(category="damage")
    db.session.flush()
    cached = _chart_table(agent.get("/").get_data(as_text=True), "complaint-backlog")
    assert cached["< 1 day"] == ["0", "0", "0", "0"]  # the figures of a minute ago
    queue_redis.flushdb()
    fresh = _chart_table(agent.get("/").get_data(as_text=True), "complaint-backlog")
    assert fresh["< 1 day"] == ["0", "1", "0", "0"]


def test_the_home_page_works_with_redis_down(app_without_redis):
    make_complaint(category="question")
    db.session.flush()
    client = signed_in_client(app_without_redis, "support_agent")
    response = client.get("/")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert _card(page, "complaints_unassigned")[0] == "1"
    assert _chart_table(page, "complaint-backlog")["< 1 day"] == ["0", "0", "0", "1"]


def test_the_admin_home_promises_nothing_that_does_not_exist(home):
    page = home("admin")
    assert "settings" not in page.lower()


def test_notices_past_the_cap_read_as_a_floor(app, queue_redis, monkeypatch):
    """The "also waiting" notices count as the cards do: at most CARD_CAP + 1 rows, a floor past it,
    while the lists keep their own cap."""
    monkeypatch.setattr(counts, "CARD_CAP", 2)
    for _ in range(3):
        make_policy(
            make_applicant()[0],
            starts_on=paris_today(utcnow()),
            ends_on=paris_today(utcnow()) + timedelta(days=300),
        )
    page = signed_in_client(app, "manager").get("/").get_data(as_text=True)
    notices = re.sub(r"<[^>]+>", " ", page.split('data-testid="notices-manager"')[1].split("</p>")[0])
    assert "2+ to verify" in " ".join(notices.split()), notices
    assert counts.current_cap() == counts.COUNT_CAP  # outside the home page
    listed = signed_in_client(app, "vetting_officer").get("/certificates/").get_data(as_text=True)
    assert "(3)" in listed


def test_the_worker_measures_the_charts_before_they_expire_so_the_page_reads_them(app, queue_redis):
    from rq import Queue

    from console import jobs
    from console.home import refresh_charts
    from console.schedule import PERIODIC_JOBS
    from tests.conftest import InProcessWorker

    periodic = next(p for p in PERIODIC_JOBS if p.func == "console.home.refresh_charts")
    assert periodic.every.total_seconds() < CHART_CACHE_SECONDS  # refreshed before they expire
    jobs.enqueue(refresh_charts)
    InProcessWorker([Queue("default", connection=queue_redis)], connection=queue_redis).work(burst=True)
    assert 0 < queue_redis.ttl(f"{CHART_CACHE_KEY}:complaint_backlog") <= CHART_CACHE_SECONDS
    make_complaint(category="damage")
    db.session.commit()
    agent = signed_in_client(app, "support_agent")
    cached = _chart_table(agent.get("/").get_data(as_text=True), "complaint-backlog")
    assert cached["< 1 day"] == ["0", "0", "0", "0"]  # the worker's figures, not the tables
    jobs.enqueue(refresh_charts)
    InProcessWorker([Queue("default", connection=queue_redis)], connection=queue_redis).work(burst=True)
    fresh = _chart_table(agent.get("/").get_data(as_text=True), "complaint-backlog")
    assert fresh["< 1 day"] == ["0", "1", "0", "0"]
