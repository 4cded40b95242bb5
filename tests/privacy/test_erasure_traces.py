"""Erasure leaves no trace of the person anywhere in the database or the files folder, and the
audit chain still verifies (DESIGN §7: personal values live outside the chain)."""

from __future__ import annotations

import io
import subprocess
import uuid
from pathlib import Path

import pytest
from flask import current_app

from console.audit import services as audit
from console.db import db, utcnow
from console.notifications.models import Notification
from marketplace import services as marketplace
from privacy import services
from reviews import services as reviews
from tests.factories import make_applicant, make_booking, make_client, make_staff
from vetting import checks

PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


def _database_bytes() -> bytes:
    """A dump of the whole database (pg_dump on PostgreSQL; the file's bytes on SQLite)."""
    url = db.engine.url
    if url.get_backend_name() == "postgresql":
        target = url.set(drivername="postgresql").render_as_string(hide_password=False)
        return subprocess.run(["pg_dump", "--dbname", target], check=True, capture_output=True).stdout
    db.session.remove()
    with db.engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    db.engine.dispose()
    path = Path(url.database)
    return b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists())


def _files_bytes() -> bytes:
    return b"".join(
        p.read_bytes() + p.name.encode()
        for p in Path(current_app.config["FILES_DIR"]).rglob("*")
        if p.is_file()
    )


def _request(reference: str, staff, now):
    return services.open_request(
        kind="erasure",
        reference=reference,
        requested_by="the person",
        identity_check="ID card seen",
        received_at=now,
        actor=staff,
        now=now,
    )


@pytest.mark.committed
def test_erasing_a_client_and_a_provider_leaves_no_trace(app):
    now = utcnow()
    unique = f"Zq{uuid.uuid4().hex[:12]}"
    staff = make_staff("manager")
    client = make_client(full_name=f"Alice {unique}", email=f"{unique.lower()}@example.fr")
    fields = {
        "full_name": f"Alice B. {unique}",
        "email": client.email,
        "phone": client.phone,
        "postcode": "75011",
        "city": "Paris",
    }
    marketplace.update_client(
        client, fields=fields, expected_version=None, actor=staff, now=now
    )  # a diff audited
    booking = make_booking(client=client)
    reviews.record_review(
        booking=booking, rating=5, text=f"Merci, signé {unique}", actor="system:tests", now=now
    )
    db.session.add(
        Notification(recipient=client.email, template="x", subject="Bonjour", body=f"Bonjour {unique}")
    )
    provider, case = make_applicant(legal_name=f"Nettoyage {unique} SARL")
    checks.upload_document(
        case,
        kind="identity",
        upload=(io.BytesIO(PDF + unique.encode()), f"id-{unique}.pdf"),
        actor=make_staff("vetting_officer"),
        now=now,
    )
    db.session.commit()
    references = (client.reference, provider.reference)
    assert unique.encode() in _database_bytes() and unique.encode() in _files_bytes()  # the probe works

    staff = make_staff("manager")
    for reference in references:
        request = _request(reference, staff, now)
        assert services.ask_erasure(request, actor=staff, now=now)
        db.session.commit()

    assert unique.encode() not in _database_bytes()
    assert unique.lower().encode() not in _database_bytes()
    assert unique.encode() not in _files_bytes()
    assert audit.verify().ok
