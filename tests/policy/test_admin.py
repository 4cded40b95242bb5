"""Policy screens: roles, drafting and four-eyes publication through the console, public pages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from console.db import db
from policy import services
from policy.workflow import VersionStatus
from tests import factories
from tests.conftest import csrf_token

NOW = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)


def _published(drafter, publisher, body, *, significant=False):
    version = services.draft_version(
        title="Politique", body=body, summary="Résumé", significant=significant,
        effective_at=NOW + timedelta(days=30), actor=drafter, now=NOW,
    )  # fmt: skip
    services.submit_version(version, actor=drafter, now=NOW)
    services.publish_version(version, actor=publisher, now=NOW)
    return version


@pytest.mark.parametrize("url", ["/policy_versions/", "/cancellation_terms/", "/policy_campaigns/"])
def test_managers_and_admins_see_the_policy_screens_others_do_not(client_as, url):
    assert client_as("manager").get(url).status_code == 200
    assert client_as("admin").get(url).status_code == 200
    assert client_as("support_agent").get(url).status_code == 403
    assert client_as("admin").get("/policy_versions/draft/").status_code == 403  # managers draft


def test_the_drafting_links_are_offered_only_to_managers_who_may_follow_them(client_as):
    admin, manager = client_as("admin"), client_as("manager")
    assert "/policy_versions/draft/" not in admin.get("/policy_versions/").get_data(as_text=True)
    assert "/cancellation_terms/add/" not in admin.get("/cancellation_terms/").get_data(as_text=True)
    assert "/policy_versions/draft/" in manager.get("/policy_versions/").get_data(as_text=True)
    assert "/cancellation_terms/add/" in manager.get("/cancellation_terms/").get_data(as_text=True)


def test_a_manager_drafts_in_the_console_and_only_another_manager_publishes(client_as):
    drafter, publisher = client_as("manager"), client_as("manager")
    page = "/policy_versions/draft/"
    response = drafter.post(page, data={
        "csrf_token": csrf_token(drafter, page), "title": "Politique v1", "body": "# Titre\n\nTexte",
        "summary": "Première version", "effective_on": "2027-01-01", "significant": "y",
    })  # fmt: skip
    assert response.status_code == 302
    version = db.session.scalar(
        db.select(services.PolicyVersion).where(services.PolicyVersion.title == "Politique v1")
    )
    assert version.status == VersionStatus.DRAFT and version.significant
    for client, action in ((drafter, "submit"), (drafter, "publish")):
        response = client.post("/policy_versions/action/", data={
            "csrf_token": csrf_token(client, "/policy_versions/"), "action": action, "rowid": [version.id],
        }, follow_redirects=True)  # fmt: skip
    assert "Another manager must publish a version you drafted." in response.get_data(as_text=True)
    db.session.refresh(version)
    assert version.status == VersionStatus.IN_REVIEW
    publisher.post("/policy_versions/action/", data={
        "csrf_token": csrf_token(publisher, "/policy_versions/"), "action": "publish", "rowid": [version.id],
    })  # fmt: skip
    db.session.refresh(version)
    assert version.status == VersionStatus.PUBLISHED and version.published_by_id == publisher.staff.id
    details = publisher.get(f"/policy_versions/details/?id={version.id}").get_data(as_text=True)
    assert "<h1>Titre</h1>" in details and "Première version" in details


def test_the_public_pages_need_no_sign_in_and_show_the_text_and_its_changes(client):
    drafter, publisher = factories.make_staff("manager"), factories.make_staff("manager")
    _published(drafter, publisher, "# Politique\n\nAncienne règle")
    second = _published(drafter, publisher, "# Politique\n\nNouvelle règle <script>x</script>")
    page = client.get(f"/policy/versions/{second.number}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "<h1>Politique</h1>" in html and "<script>x" not in html
    assert "navbar" not in html  # no console chrome
    diff = client.get(f"/policy/versions/{second.number}/changes").get_data(as_text=True)
    assert "<del" in diff and "Ancienne règle" in diff and "<ins" in diff and "Nouvelle règle" in diff
    draft = services.draft_version(title="Brouillon", body="x", summary="y", significant=False,
                                   effective_at=NOW + timedelta(days=30), actor=drafter, now=NOW)  # fmt: skip
    assert client.get(f"/policy/versions/{draft.number}").status_code == 404


def test_terms_are_recorded_from_the_console(client_as):
    manager = client_as("manager")
    page = "/cancellation_terms/add/"
    response = manager.post(page, data={
        "csrf_token": csrf_token(manager, page), "label": "2027-01", "effective_on": "2027-01-01",
        "free_hours": "48", "late_percent": "40", "no_show_percent": "100", "summary": "Nouvelles",
    })  # fmt: skip
    assert response.status_code == 302
    terms = factories.make_terms("2027-01")  # found, not created again
    assert terms.fee_tiers == [{"notice_hours": 48, "percent": 0}, {"notice_hours": 0, "percent": 40}]
    assert "40 % from 0 h before" in manager.get("/cancellation_terms/").get_data(as_text=True)
