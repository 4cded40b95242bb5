"""Consent records per client, recipient and purpose (DESIGN §7; promise 1 of the policy: personal
data never shared without explicit consent). Anything that shares a client's data with a third party
asks `has_consent` first (the insurer's claim of a damage dispute, for one).

The three consent columns of the client (marketing e-mails, texts, partner sharing) are kept as the
current state of their records, for the lists and the API's client body.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from console.audit import services as audit
from console.db import db
from console.domain import N_, DomainError, _
from marketplace.models import Client, ConsentRecord

SOURCES = {"app": N_("the app"), "support": N_("support"), "import": N_("an import")}


@dataclass(frozen=True)
class Purpose:
    recipient: str
    purpose: str
    label: str
    column: str | None = None  # the client's column that mirrors it


PURPOSES = (
    Purpose("ekoklean", "marketing_email", N_("Ekoklean: marketing e-mails"), "consent_marketing_email"),
    Purpose("ekoklean", "marketing_sms", N_("Ekoklean: marketing text messages"), "consent_marketing_sms"),
    Purpose(
        "partners", "partner_sharing", N_("Partners: sharing for their offers"), "consent_partner_sharing"
    ),
    Purpose("insurer", "damage_claim", N_("Provider's insurer: details shared for a damage claim")),
)
BY_KEY = {(p.recipient, p.purpose): p for p in PURPOSES}
BY_COLUMN = {p.column: p for p in PURPOSES if p.column}
INSURER_CLAIM = ("insurer", "damage_claim")
# The wording of the consents in the console's client form (support) when none is given.
SUPPORT_WORDING = "2026-12"
# Consents changed through the API's client fields without a wording version.
UNSPECIFIED_WORDING = "unspecified"
_WORDING = re.compile(r"[0-9A-Za-z][0-9A-Za-z._-]{0,19}")


def purpose_label(recipient: str, purpose: str) -> str:
    found = BY_KEY.get((recipient, purpose))
    return _(found.label) if found else f"{recipient}/{purpose}"


def source_label(source: str) -> str:
    return _(SOURCES[source]) if source in SOURCES else source


def _purpose(recipient: Any, purpose: Any) -> Purpose:
    found = BY_KEY.get((str(recipient or ""), str(purpose or "")))
    if found is None:
        raise DomainError(
            _(
                "Unknown consent: %(recipient)s / %(purpose)s. Known: %(known)s.",
                recipient=recipient,
                purpose=purpose,
                known=", ".join(f"{p.recipient}/{p.purpose}" for p in PURPOSES),
            )
        )
    return found


def open_record(client: Client, recipient: str, purpose: str) -> ConsentRecord | None:
    return db.session.scalar(
        sa.select(ConsentRecord).where(
            ConsentRecord.client_id == client.id,
            ConsentRecord.recipient == recipient,
            ConsentRecord.purpose == purpose,
            ConsentRecord.withdrawn_at.is_(None),
        )
    )


def has_consent(client: Client, recipient: str, purpose: str) -> bool:
    """Whether the client's consent to `recipient` for `purpose` is given and not withdrawn."""
    return open_record(client, recipient, purpose) is not None


def record_consent(
    client: Client,
    *,
    recipient: Any,
    purpose: Any,
    given: bool,
    source: str,
    wording_version: Any,
    actor: Any,
    now: datetime,
) -> ConsentRecord | None:
    """Give (with the wording the client saw) or withdraw a consent; nothing changes when it is
    already so. Returns the record written or closed."""
    found = _purpose(recipient, purpose)
    if source not in SOURCES:
        raise DomainError(_("Unknown source of consent: %(source)s.", source=source))
    current = open_record(client, found.recipient, found.purpose)
    if given:
        wording = str(wording_version or "").strip()
        if not _WORDING.fullmatch(wording):
            raise DomainError(
                _(
                    "Give the version of the wording the client agreed to (such as 2026-12), "
                    "at most 20 characters."
                )
            )
        if current is not None:
            return None
        record = ConsentRecord(
            client_id=client.id,
            recipient=found.recipient,
            purpose=found.purpose,
            source=source,
            wording_version=wording,
            given_at=now,
            recorded_by=audit.actor_label(actor)[1],
        )
        db.session.add(record)
    else:
        if current is None:
            return None
        record, record.withdrawn_at = current, now
    if found.column:
        setattr(client, found.column, bool(given))
    client.consents_updated_at = now
    db.session.flush()
    audit.record(
        actor,
        "consent.given" if given else "consent.withdrawn",
        client,
        changes={
            "recipient": found.recipient,
            "purpose": found.purpose,
            "source": source,
            "wording_version": record.wording_version,
        },
        now=now,
    )
    return record


def records_of(client_id: int) -> list[ConsentRecord]:
    """Every consent record of a client, newest first (client page, API, subject access)."""
    return list(
        db.session.scalars(
            sa.select(ConsentRecord)
            .where(ConsentRecord.client_id == client_id)
            .order_by(ConsentRecord.given_at.desc(), ConsentRecord.id.desc())
        )
    )
