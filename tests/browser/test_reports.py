"""A manager requests a provider dossier in a real browser, watches a real forked worker build it
(the page updates by itself) and downloads the PDF."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from console.db import db
from reports.models import ReportRun
from tests.conftest import PROJECT_ROOT_ENV
from tests.factories import PASSWORD, make_provider, make_staff
from tests.reports.conftest import read_pdf, squash

pytestmark = [pytest.mark.browser, pytest.mark.committed]


def test_a_manager_requests_a_dossier_watches_it_finish_and_downloads_it(
    page, live_url, app, queue_redis, tmp_path
):
    manager = make_staff("manager", name="Marie Manager")
    provider = make_provider(trade_name="Éclat <b>Propre</b>")
    db.session.commit()
    reference = provider.reference

    page.goto(f"{live_url}/login")
    page.fill("#email", manager.email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("[data-testid=signed-in-as]")

    page.goto(f"{live_url}/reports/")
    assert page.locator("[data-testid=no-runs]").count() == 1
    page.select_option("[data-testid=kind]", "provider_dossier")
    assert page.locator("[data-testid=starts-on]").is_hidden()  # only the dossier's parameter is shown
    page.fill("[data-testid=provider-reference]", reference)
    page.click("[data-testid=request]")
    page.wait_for_selector(".alert-success")
    db.session.rollback()  # end the test's own read snapshot before looking
    run = db.session.query(ReportRun).one()
    status = page.locator(f"[data-testid=status-{run.id}]")
    assert status.inner_text() == "queued"
    assert page.locator(f"[data-testid=download-{run.id}]").is_hidden()

    env = PROJECT_ROOT_ENV | {
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "REDIS_URL": app.config["REDIS_URL"],
        "FILES_DIR": app.config["FILES_DIR"],
        "CONSOLE_ENV": "testing",
        "SECRET_KEY": app.config["SECRET_KEY"],
        "INSTANCE_PATH": str(tmp_path),
    }
    worker = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "jobs", "worker", "--queues", "reports", "--burst"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert worker.returncode == 0, worker.stderr[-3000:]

    # No reload: the page's own polling turns the row green and shows the download link.
    page.wait_for_selector(f"[data-testid=status-{run.id}]:text('succeeded')", timeout=15_000)
    link = page.locator(f"[data-testid=download-{run.id}]")
    assert link.is_visible()
    page.screenshot(path=str(tmp_path / "reports.png"), full_page=True)
    with page.expect_download() as download_info:
        link.click()
    download = download_info.value
    assert download.suggested_filename == f"provider-dossier-{run.reference}.pdf"
    reader, text = read_pdf(Path(download.path()).read_bytes())
    flat = squash(text)
    assert reference in flat and "Éclat <b>Propre</b>" in flat and reader.metadata.title == "Provider dossier"
    assert page.console_errors == [], page.console_errors
