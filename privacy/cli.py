"""`flask --app wsgi privacy export REFERENCE --out FILE [--pdf FILE]`: the subject access export
for automation (JSON, and the readable French PDF)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from console.db import db, utcnow
from privacy import services

privacy_cli = AppGroup("privacy", help="Subject rights: export everything held about a person.")
PDF_RENDERER = "subject_access_pdf"  # registered by the app factory (the reports package renders)


@privacy_cli.command("export")
@click.argument("reference")
@click.option(
    "--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="JSON file to write."
)
@click.option(
    "--pdf",
    "pdf",
    default=None,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the French PDF here.",
)
def export(reference: str, out: Path, pdf: Path | None) -> None:
    """Write everything held about the client or provider REFERENCE (CLI-…, PRV-…) as JSON."""
    try:
        subject_type, subject_id = services.find_person(reference)
    except services.UnknownPerson as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(2)
    data = services.export(subject_type, subject_id, now=utcnow())
    out.write_text(json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True), encoding="utf-8")
    if pdf is not None:
        pdf.write_bytes(current_app.extensions[PDF_RENDERER](data))
    db.session.rollback()  # nothing to keep: an export reads
    click.echo(f"{data['subject']['reference']}: {out}" + (f", {pdf}" if pdf else ""))
