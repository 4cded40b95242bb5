"""Each report rendered from fixture data and read back with pypdf: text, pages, metadata, attachments."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from pathlib import Path

from flask import current_app

from console.db import utcnow
from reports import services
from reports.workflow import ReportKind, RunStatus
from tests import factories
from tests.reports.conftest import read_pdf, squash


def build(kind: str, parameters: dict, actor):
    """Request a run and build it in this process, as the job does; return it and its PDF bytes."""
    run = services.request_report(ReportKind(kind), parameters=parameters, actor=actor, now=utcnow())
    run = services.start_run(run.id, now=utcnow())
    seen: list[int] = []
    services.build_run(run, clock=utcnow, progress=seen.append)
    assert run.status == RunStatus.SUCCEEDED and run.progress == 100
    assert seen == sorted(seen) and len(seen) >= 3  # progress reported between steps
    path = Path(current_app.config["FILES_DIR"]) / run.file.storage_name[:2] / run.file.storage_name
    return run, path.read_bytes()


def check_common(run, reader, text: str, title: str) -> None:
    assert reader.metadata.title == title
    assert reader.metadata.author == "Ekoklean Console"
    assert reader.metadata.subject
    assert len(reader.pages) == run.page_count
    flat = squash(text)
    assert f"page 1 of {run.page_count}" in flat
    assert run.reference in flat and "data as of" in flat and "Generated" in flat


def last_month(today):
    end = today.replace(day=1) - timedelta(days=1)
    return {"starts_on": end.replace(day=1).isoformat(), "ends_on": end.isoformat()}


def test_provider_dossier(world, queue_redis):
    factories.make_complaint(provider=world.insured, category="quality")
    run, pdf = build("provider_dossier", {"provider_id": world.insured.id}, world.manager)
    reader, text = read_pdf(pdf)
    check_common(run, reader, text, "Provider dossier")
    flat = squash(text)
    assert world.insured.reference in flat and world.insured.siret in flat
    assert "Provider created" in flat and "policy" in flat.lower()  # the audit trail, in words
    assert "No complaint or dispute data is recorded" not in flat
    assert "quality 1" in flat.split("Complaints and disputes")[-1].lower()  # from the complaints module
    # Injected markup is printed as text, never interpreted or fetched.
    assert '<img src="http://127.0.0.1:9/tracker.png">' in flat and "<script>alert(1)</script>" in flat
    assert '<link rel="attachment" href="file:///etc/passwd">' in flat
    assert "url(file:///etc/passwd)" in flat
    assert not reader.attachments


def test_provider_register_lists_exceptions_and_attaches_the_full_register(world, queue_redis):
    run, pdf = build("provider_register", {}, world.officer)
    reader, text = read_pdf(pdf)
    check_common(run, reader, text, "Provider compliance register")
    flat = squash(text)
    assert world.uninsured.reference in flat and world.restricted.reference in flat
    assert world.insured.reference not in flat  # compliant: only in the CSV
    assert world.applicant.reference not in flat
    assert "RC Pro expired" in flat and "restricted: safety complaint" in flat
    (name,) = reader.attachments
    assert name.startswith("provider-register-") and name.endswith(".csv")
    rows = list(csv.DictReader(io.StringIO(reader.attachments[name][0].decode("utf-8-sig")), delimiter=";"))
    by_reference = {row["reference"]: row for row in rows}
    assert by_reference[world.insured.reference]["compliant"] == "yes"
    assert by_reference[world.insured.reference]["RC Pro today"] == "valid"
    assert by_reference[world.uninsured.reference]["RC Pro today"] == "expired"
    assert by_reference[world.restricted.reference]["RC Pro today"] == "expiring"
    assert by_reference[world.restricted.reference]["active restrictions"] == "safety complaint"
    assert world.applicant.reference not in by_reference
    # PDF/A-3b: the variant that allows embedded files.
    metadata = reader.trailer["/Root"]["/Metadata"].get_object().get_data()
    assert b'pdfaid:part="3"' in metadata and b'pdfaid:conformance="B"' in metadata


def test_insurance_expiry(world, queue_redis):
    run, pdf = build("insurance_expiry", {"days": 30}, world.manager)
    reader, text = read_pdf(pdf)
    check_common(run, reader, text, "Insurance expiry and uninsured exposure")
    flat = squash(text)
    assert world.restricted.reference in flat  # cover ends within 12 days
    assert world.uninsured.reference in flat  # expired, with a scheduled booking
    assert "Uninsured exposure" in flat
    (name,) = reader.attachments
    rows = list(csv.reader(io.StringIO(reader.attachments[name][0].decode("utf-8-sig")), delimiter=";"))
    lists = {(row[0], row[1]) for row in rows[1:]}
    assert ("expired", world.uninsured.reference) in lists and (
        "exposure",
        world.uninsured.reference,
    ) in lists


def test_insurance_expiry_window_is_respected(world, queue_redis):
    _, pdf = build("insurance_expiry", {"days": 7}, world.manager)
    flat = squash(read_pdf(pdf)[1])
    assert "Cover ending within 7 days" in flat
    assert world.restricted.reference not in flat.split("Expired")[0].split("Cover ending within 7 days")[1]


def test_policy_compliance(world, queue_redis):
    run, pdf = build("policy_compliance", last_month(world.today), world.manager)
    reader, text = read_pdf(pdf)
    check_common(run, reader, text, "Customer protection policy compliance")
    flat = squash(text)
    for n in range(1, 9):
        assert f"{n}. " in flat
    assert "Rigorous provider selection" in flat and "Providers hold RC Pro insurance" in flat
    assert "No complaint or dispute data is recorded" not in flat  # promise 6 reads the complaints module
    assert "Responsive customer service" in flat
    assert "No significant version has been published yet." in flat  # promise 8: not applicable
    assert "Bookings served or scheduled while uninsured (exposure)" in flat
    assert (
        "<svg" not in flat and "Each promise against its target" in flat
    )  # the chart is drawn, not printed as markup


def test_complaints_report_reads_the_complaints_module(world, queue_redis):
    from datetime import UTC, date, datetime, time

    from disputes.complaints import services as complaints

    period = last_month(world.today)
    when = datetime.combine(date.fromisoformat(period["starts_on"]) + timedelta(days=9), time(10), UTC)
    agent = factories.make_staff("support_agent")
    complaint = factories.make_complaint(provider=world.insured, category="quality", actor=agent, now=when)
    for event in ("triage", "start", "resolve"):
        complaints.transition(complaint, event, actor=agent, now=when + timedelta(hours=5), reason="Réglé")
    run, pdf = build("complaints", period, world.manager)
    reader, text = read_pdf(pdf)
    check_common(run, reader, text, "Complaints and disputes")
    flat = squash(text)
    assert "No complaint or dispute data is recorded" not in flat
    assert "1 complaint in the period" in flat and world.insured.reference in flat
    assert "5 hours" in flat  # median time to resolution


def test_a_long_register_paginates_with_its_table_header_on_every_page(queue_redis):
    manager = factories.make_staff("manager")
    for n in range(150):  # approved, never insured: all exceptions
        factories.make_provider(trade_name=f"Sans Assurance {n:03d}")
    run, pdf = build("provider_register", {}, manager)
    reader, _ = read_pdf(pdf)
    assert len(reader.pages) >= 3
    table_pages = [
        squash(page.extract_text()) for page in reader.pages if "Sans Assurance" in page.extract_text()
    ]
    assert len(table_pages) >= 2
    for text in table_pages:
        assert all(word in text for word in ("Reference", "Insurer", "Expired", "exposed", "Issues"))
    assert "Sans Assurance 149" in squash(read_pdf(pdf)[1])


def test_the_register_names_insurer_expiry_and_exposure_and_caps_its_table(queue_redis, monkeypatch):
    from datetime import UTC, datetime

    from reports.builders import register

    monkeypatch.setattr(register, "MAX_TABLE_ROWS", 3)
    manager, officer = factories.make_staff("manager"), factories.make_staff("vetting_officer")
    today = utcnow().date()
    lapsed = factories.make_provider(trade_name="Couverture Échue")
    factories.make_policy(lapsed, starts_on=today - timedelta(days=400), ends_on=today - timedelta(days=10),
                          verified_by=officer)  # fmt: skip
    start = datetime.combine(today + timedelta(days=3), datetime.min.time(), UTC).replace(hour=9)
    factories.make_booking(provider=lapsed, status="scheduled", scheduled_start=start)
    for n in range(5):
        factories.make_provider(trade_name=f"Sans Assurance {n}")
    run, pdf = build("provider_register", {}, manager)
    flat = squash(read_pdf(pdf)[1])
    assert "shows the 3 most serious of the 6 providers not fully compliant" in flat
    table = flat.split("not fully compliant", 2)[-1]
    assert table.index(lapsed.reference) < table.index("Sans Assurance")  # exposure first
    assert (today - timedelta(days=9)).strftime("%d/%m/%Y") in table  # uncovered since
    reader = read_pdf(pdf)[0]
    attached = next(iter(reader.attachments.values()))[0].decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(attached), delimiter=";"))
    assert len(rows) == 1 + 6 and "insurer" in rows[0] and "bookings exposed while uncovered" in rows[0]


def test_the_dossier_shows_disputes_and_restrictions_with_their_statements(world, queue_redis):
    booking = factories.make_booking(provider=world.restricted)
    dispute = factories.make_dispute(factories.make_complaint(booking=booking), amount_claimed_cents=9_000)
    run, pdf = build("provider_dossier", {"provider_id": world.restricted.id}, world.manager)
    flat = squash(read_pdf(pdf)[1])
    assert "Statement of reasons: A client reported an incident; bookings are paused" in flat
    disputes = flat.split("Disputes", 1)[1]
    assert dispute.reference in disputes and "€90.00" in disputes
