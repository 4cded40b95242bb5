"""Accept an upload only when its content is a PDF, JPEG or PNG; store it under a random name.

The type is read from the first bytes, never from the name or the browser's claim. Files are
written before the transaction commits and removed again if it rolls back, so a failed save
leaves neither a row nor a file. Downloads go through `send_stored`, which audits the access.
"""

from __future__ import annotations

import hashlib
import io
import os
import secrets
import unicodedata
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, BinaryIO

import sqlalchemy as sa
from flask import current_app, send_file

from console.audit import services as audit
from console.db import after_commit, db, on_rollback
from console.domain import DomainError, _
from console.files.models import StoredFile

MAX_BYTES = 10 * 1024 * 1024
SIGNATURES = (
    (b"%PDF-", "application/pdf", ".pdf"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
)


def _missing() -> str:
    return _("The file is missing from storage; tell the team.")


class UploadRefused(DomainError):
    """The upload is empty, too large or not a PDF, JPEG or PNG."""


def sniff(head: bytes) -> tuple[str, str]:
    """(content type, extension) from the file's first bytes, or raise UploadRefused."""
    for magic, content_type, extension in SIGNATURES:
        if head.startswith(magic):
            return content_type, extension
    raise UploadRefused(
        _("Only PDF, JPEG or PNG files are accepted (checked from the content, not the name).")
    )


def store_upload(stream: BinaryIO, filename: str, *, actor: Any, now: datetime) -> StoredFile:
    """Check and store an uploaded file; return its (flushed) record."""
    data = stream.read(MAX_BYTES + 1)
    if not data:
        raise UploadRefused(_("The file is empty."))
    if len(data) > MAX_BYTES:
        raise UploadRefused(_("The file is larger than %(limit)s MB.", limit=MAX_BYTES // (1024 * 1024)))
    content_type, extension = sniff(data[:16])
    name = Path(filename or "upload").name[:200] or "upload"
    stored = _save(data, name, content_type=content_type, extension=extension, actor=actor, now=now)
    audit.record(
        actor, "file.upload", stored, changes={"sha256": stored.sha256, "size": stored.size}, now=now
    )
    return stored


def send_stored(stored: StoredFile, *, actor: Any, purpose: str, now: datetime):
    """A download response for a stored file, as an attachment; the access is audited."""
    path = _readable_path(stored)
    if not path.is_file():
        raise DomainError(_missing())
    return _attachment(path, stored, actor=actor, purpose=purpose, now=now)


def _readable_path(stored: StoredFile) -> Path:
    if stored.purged_at is not None:
        raise DomainError(_("This file was deleted under the retention rules; only its record remains."))
    return _path(stored.storage_name)


def read_bytes(stored: StoredFile) -> bytes:
    """The stored file's content (for a command that writes a generated file elsewhere)."""
    return _readable_path(stored).read_bytes()


def download_name(stored: StoredFile) -> str:
    """The name a download is saved under: the uploader's name without its control and direction
    characters (U+202E would show `gnp.html` as `lmth.png`), the extension of the detected type."""
    extension = next((ext for _magic, kind, ext in SIGNATURES if kind == stored.content_type), "")
    stem = Path((stored.original_name or "").replace("\\", "/")).name
    stem = stem.rsplit(".", 1)[0] if "." in stem else stem
    stem = "".join(c for c in stem if unicodedata.category(c) not in ("Cc", "Cf", "Zl", "Zp")).strip(" .")
    return (stem[:100] or "file") + extension


def _attachment(body: Path | BinaryIO, stored: StoredFile, *, actor: Any, purpose: str, now: datetime):
    """Audit the download, commit, and send the bytes as an attachment that never renders inline."""
    audit.record(actor, "file.download", stored, purpose=purpose, now=now)
    db.session.commit()
    response = send_file(
        body, mimetype=stored.content_type, as_attachment=True, download_name=download_name(stored)
    )
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "no-store"
    return response


def purge(stored: StoredFile, *, actor: Any, now: datetime) -> bool:
    """Delete the bytes, keep the record (retention) without the uploader's file name (it often
    names the person). Safe to run twice."""
    if stored.purged_at is not None:
        return False
    _remove(_path(stored.storage_name))
    stored.purged_at = now
    stored.original_name = "(purged)"
    audit.record(actor, "file.purge", stored, now=now)
    return True


def _path(storage_name: str) -> Path:
    return Path(current_app.config["FILES_DIR"]) / storage_name[:2] / storage_name


def _remove(path: Path) -> None:
    path.unlink(missing_ok=True)


# --- generated files (reports) ----------------------------------------------------------------


class FileIntegrityError(DomainError):
    """The stored bytes no longer match the SHA-256 recorded when they were saved."""


def store_generated(
    data: bytes, filename: str, *, content_type: str, extension: str, actor: Any, now: datetime
) -> StoredFile:
    """Store bytes the console produced (a PDF report); removed again if the transaction rolls back.

    An OSError (disk full, storage not writable) propagates and leaves no file behind.
    """
    return _save(data, filename[:200], content_type=content_type, extension=extension, actor=actor, now=now)


def _save(
    data: bytes, name: str, *, content_type: str, extension: str, actor: Any, now: datetime
) -> StoredFile:
    """Write the bytes under a random name (atomically) and add their record; a rollback removes them."""
    storage_name = secrets.token_hex(16) + extension
    path = _path(storage_name)
    temporary = path.with_suffix(".part")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary.write_bytes(data)
        os.replace(temporary, path)
    except OSError:
        _remove(temporary)
        raise
    on_rollback(_remove, path)
    stored = StoredFile(
        storage_name=storage_name,
        original_name=name,
        content_type=content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        uploaded_by=audit.actor_label(actor)[1],
        uploaded_at=now,
    )
    db.session.add(stored)
    db.session.flush()
    return stored


def send_verified(stored: StoredFile, *, actor: Any, purpose: str, now: datetime):
    """Like `send_stored`, but the bytes are hashed first: a mismatch is refused and audited."""
    try:
        data = _readable_path(stored).read_bytes()
    except OSError as exc:
        raise DomainError(_missing()) from exc
    actual = hashlib.sha256(data).hexdigest()
    if actual != stored.sha256:
        audit.record(
            actor,
            "file.integrity_mismatch",
            stored,
            changes={"expected": stored.sha256, "actual": actual},
            purpose=purpose,
            now=now,
        )
        db.session.commit()
        raise FileIntegrityError(
            _(
                "The stored file does not match the fingerprint recorded when it was made; it was not "
                "sent. The mismatch is in the audit trail; tell the team."
            )
        )
    return _attachment(io.BytesIO(data), stored, actor=actor, purpose=purpose, now=now)


# --- files no record points to ------------------------------------------------------------------

SWEEP_ACTOR = "system:files-sweep"
ORPHAN_AGE = timedelta(days=1)  # far longer than any transaction that writes a file before it commits


def sweep_orphans(*, now: datetime, batch: int = 500) -> int:
    """Delete files under FILES_DIR older than a day that no stored-file record names (a worker
    killed between writing a PDF and committing its record leaves one); each deletion is audited,
    and the file goes when that audit event commits."""
    root, deleted = Path(current_app.config["FILES_DIR"]), 0
    candidates = [p for p in root.glob("*/*") if p.is_file() and _older_than(p, now - ORPHAN_AGE)]
    for start in range(0, len(candidates), batch):
        chunk = candidates[start : start + batch]
        known = set(
            db.session.scalars(
                sa.select(StoredFile.storage_name).where(
                    StoredFile.storage_name.in_([_storage_name(p) for p in chunk])
                )
            )
        )
        for path in chunk:
            if _storage_name(path) not in known:
                size = path.stat().st_size
                after_commit(_remove, path)  # gone once its audit event is safely recorded
                audit.record(
                    SWEEP_ACTOR,
                    "file.orphan_deleted",
                    object_type="StoredFile",
                    object_id=path.name[:60],
                    changes={"size": size},
                    now=now,
                )
                deleted += 1
    return deleted


def _storage_name(path: Path) -> str:
    """The record's name for a file on disk (a half-written `.part` has none and is always an orphan)."""
    return "" if path.suffix == ".part" else path.name


def _older_than(path: Path, moment: datetime) -> bool:
    return path.stat().st_mtime < moment.timestamp()
