"""Reports in the requester's language: French by default, English for a staff member who chose it.

Each PDF is built as the job builds it and read back with pypdf: headings, running header and
footer ("page 1 sur 2"), Paris times, the PDF's /Lang, and the register's CSV in French form.
"""

from __future__ import annotations

import csv
import io
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask import current_app
from flask_babel import force_locale

from console.db import db, utcnow
from reports import services
from reports.admin import run_facts
from reports.workflow import ReportKind, RunStatus
from tests import factories
from tests.conftest import sign_in
from tests.reports.conftest import read_pdf, squash

# A winter afternoon in UTC: Paris is one hour ahead, so the PDF says 14:05.
BUILT_AT = datetime(2025, 12, 2, 13, 5, tzinfo=UTC)

FRENCH = {
    "policy_compliance": (
        "Conformité à la politique de protection du client",
        "Sélection rigoureuse des prestataires",
    ),
    "provider_register": (
        "Registre de conformité des prestataires",
        "Prestataires pas entièrement conformes",
    ),
    "insurance_expiry": ("Échéances d'assurance et exposition sans assurance", "Exposition sans assurance"),
    "complaints": ("Réclamations et litiges", "Respect des délais (SLA) par gravité"),
    "provider_dossier": ("Dossier du prestataire", "Journal d'audit"),
}


def parameters(kind: str, world) -> dict:
    if kind in ("policy_compliance", "complaints"):
        end = world.today.replace(day=1) - timedelta(days=1)
        return {"starts_on": end.replace(day=1).isoformat(), "ends_on": end.isoformat()}
    if kind == "insurance_expiry":
        return {"days": 30}
    if kind == "provider_dossier":
        return {"provider_id": world.uninsured.id}
    return {}


def build(kind: str, world, actor, clock=lambda: BUILT_AT):
    """Request a run as `actor` and build it in this process (at BUILT_AT by default), as the job does."""
    run = services.request_report(
        ReportKind(kind), parameters=parameters(kind, world), actor=actor, now=utcnow()
    )
    run = services.start_run(run.id, now=utcnow())
    services.build_run(run, clock=clock, progress=lambda percent: None)
    assert run.status == RunStatus.SUCCEEDED
    path = Path(current_app.config["FILES_DIR"]) / run.file.storage_name[:2] / run.file.storage_name
    pdf = path.read_bytes()
    if os.environ.get("REPORTS_PDF_DIR"):  # for a look at the pages (pdftoppm), outside the repository
        Path(os.environ["REPORTS_PDF_DIR"], f"{kind}-{run.language}.pdf").write_bytes(pdf)
    return run, pdf


@pytest.mark.parametrize("kind", list(FRENCH))
def test_each_report_is_in_french_for_a_french_requester(kind, world, queue_redis):
    requester = factories.make_staff("manager", language="fr")
    run, pdf = build(kind, world, requester)
    assert run.language == "fr"
    reader, text = read_pdf(pdf)
    flat = squash(text)
    title, heading = FRENCH[kind]
    assert reader.metadata.title == title and flat.startswith(title)
    assert heading in flat
    assert f"page 1 sur {run.page_count}" in flat and "page 1 of" not in flat
    assert "Généré le 02/12/2025 14:05" in flat and "données au 02/12/2025 14:05" in flat  # Paris time
    assert "UTC" not in flat and "Generated" not in flat and "data as of" not in flat
    assert reader.trailer["/Root"]["/Lang"] == "fr"


def test_the_same_report_is_in_english_for_an_english_requester(world, queue_redis):
    requester = factories.make_staff("manager", language="en")
    run, pdf = build("policy_compliance", world, requester)
    assert run.language == "en"
    reader, text = read_pdf(pdf)
    flat = squash(text)
    assert reader.metadata.title == "Customer protection policy compliance"
    assert "Rigorous provider selection" in flat and f"page 1 of {run.page_count}" in flat
    assert "Generated 02/12/2025 14:05" in flat and "sur" not in flat.split()
    assert reader.trailer["/Root"]["/Lang"] == "en"


def test_the_french_register_attaches_a_csv_in_french_form(world, queue_redis):
    officer = factories.make_staff("vetting_officer", language="fr")
    run, pdf = build("provider_register", world, officer, clock=utcnow)  # the fixture's data is as of today
    reader, text = read_pdf(pdf)
    flat = squash(text)
    assert "restreint : réclamation de sécurité" in flat and "RC Pro expirée" in flat
    (name,) = reader.attachments
    data = reader.attachments[name][0].decode("utf-8")
    assert data.startswith("\ufeff")  # the byte-order mark a French spreadsheet needs
    rows = list(csv.DictReader(io.StringIO(data.removeprefix("\ufeff")), delimiter=";"))
    by_reference = {row["référence"]: row for row in rows}
    insured, restricted = by_reference[world.insured.reference], by_reference[world.restricted.reference]
    assert insured["conforme"] == "oui" and insured["RC Pro aujourd'hui"] == "valide"
    assert restricted["conforme"] == "non" and restricted["restrictions actives"] == "réclamation de sécurité"
    assert insured["vérification"] == "approuvé"
    joined = world.insured.joined_on
    assert insured["inscrit le"] == f"{joined:%d/%m/%Y}"  # dd/mm/yyyy


def test_a_scheduled_run_takes_the_consoles_default_language(app, queue_redis):
    app.config["DEFAULT_LANGUAGE"] = "fr"
    try:
        run = services.request_monthly_policy_report(now=utcnow())
    finally:
        app.config["DEFAULT_LANGUAGE"] = "en"
    assert run.language == "fr" and run.requested_by_id is None


def test_a_failure_is_described_in_the_requesters_language(queue_redis):
    from reports.jobs import build_report

    requester = factories.make_staff("manager", language="fr")
    missing = factories.make_provider()
    run = services.request_report(
        ReportKind.PROVIDER_DOSSIER, parameters={"provider_id": missing.id}, actor=requester, now=utcnow()
    )
    run.parameters = {"provider_id": missing.id + 1000}  # gone by the time the job runs
    db.session.commit()
    assert build_report(run.id) == "failed"
    db.session.refresh(run)
    assert run.status == RunStatus.FAILED and run.error.startswith("Il n'y a pas de prestataire PRV-")


def test_the_runs_page_is_in_french_with_the_language_of_each_pdf(app, queue_redis):
    staff = factories.make_staff("manager", language="fr")
    winter = datetime(2025, 12, 2, 13, 5, tzinfo=UTC)
    factories.make_report_run_row(
        "succeeded", requester=staff, requested_at=winter, language="fr", **_finished(1)
    )
    factories.make_report_run_row("failed", requester=staff, requested_at=winter, language="en")
    db.session.commit()
    client = app.test_client()
    sign_in(client, staff.email)
    page = client.get("/reports/").get_data(as_text=True)
    assert "Exécutions récentes" in page and "Télécharger le PDF" in page and "Relancer" in page
    assert "Registre de conformité des prestataires" in page
    assert "Français" in page and "Anglais" in page  # the PDF's language, per run
    assert "02/12/2025 14:05" in page and "UTC" not in page  # requested at, in Paris time
    assert ">terminé<" in page and ">en échec<" not in page and "1 page, 1 Ko" in page


def _finished(pages: int) -> dict:
    from console.files.services import store_generated

    stored = store_generated(
        b"%PDF-1.4 fake", "x.pdf", content_type="application/pdf", extension=".pdf", actor="system:tests",
        now=utcnow(),
    )  # fmt: skip
    return {
        "file_id": stored.id, "sha256": stored.sha256, "page_count": pages, "byte_size": stored.size,
        "finished_at": utcnow(), "progress": 100,
    }  # fmt: skip


def test_page_counts_agree_with_their_number(app):
    class Run:
        byte_size = 4096

    one, two = Run(), Run()
    one.page_count, two.page_count = 1, 2
    with force_locale("fr"):
        assert run_facts(one) == "1 page, 4 Ko" and run_facts(two) == "2 pages, 4 Ko"
    with force_locale("en"):
        assert run_facts(one) == "1 page, 4 KB" and run_facts(two) == "2 pages, 4 KB"


def test_the_french_dossiers_audit_trail_is_in_words(world, queue_redis):
    requester = factories.make_staff("manager", language="fr")
    run, pdf = build("provider_dossier", world, requester)
    flat = squash(read_pdf(pdf)[1])
    trail = flat.split("Journal d'audit")[-1]
    assert "Prestataire créé" in trail and "provider.create" not in trail  # the action in words
    assert "Prestataire" in trail and "Provider " not in trail  # the object type in words
