"""Subject requests, the export of everything held about a person, erasure under legal holds."""

from __future__ import annotations

import dataclasses
import json
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from console import personal_data
from console.access_log import services as access_log
from console.audit import personal as audit_personal
from console.audit import services as audit
from console.business_time import paris_today
from console.db import db, row_dict
from console.domain import DomainError, _
from console.notifications.models import Notification
from console.notifications.services import erase_recipient
from disputes.complaints import reporting as complaints
from disputes.complaints.erasure import erase_complaint_texts
from disputes.disputes import reporting as disputes
from disputes.disputes import services as dispute_services
from insurance import reporting as insurance
from marketplace import reporting as marketplace
from marketplace import services as marketplace_services
from privacy import workflow as wf
from privacy.models import SubjectRequest
from privacy.workflow import Hold, RequestKind, RequestStatus
from restrictions import reporting as restrictions
from reviews import reporting as reviews
from reviews import services as review_services
from vetting import reporting as vetting
from vetting import services as vetting_services

ERASED_TEXT = "[effacé à la demande de la personne]"
EXPORT_FORMAT = 1


class UnknownPerson(DomainError):
    pass


def find_person(reference: str) -> tuple[str, int]:
    """("client" | "provider", id) of a reference, or a clear error."""
    found = marketplace.person_by_reference(reference.strip().upper())
    if found is None:
        raise UnknownPerson(_("There is no client or provider %(reference)s.", reference=reference))
    return found


# --- requests --------------------------------------------------------------------------------


def open_request(
    *,
    kind: str,
    reference: str,
    requested_by: str,
    identity_check: str,
    received_at: datetime,
    actor: Any,
    now: datetime,
) -> SubjectRequest:
    subject_type, subject_id = find_person(reference)
    if not requested_by.strip() or not identity_check.strip():
        raise DomainError(_("Say who asked and how their identity was checked."))
    request = SubjectRequest(
        kind=RequestKind(kind),
        subject_type=subject_type,
        subject_id=subject_id,
        requested_by=requested_by.strip(),
        identity_check=identity_check.strip(),
        received_at=received_at,
        due_on=wf.due_on(paris_today(received_at)),
        status=RequestStatus.RECEIVED,
        recorded_by_id=actor.id,
    )
    db.session.add(request)
    db.session.flush()
    audit.record(
        actor, "privacy.request_open", request, changes={"kind": kind, "subject": reference}, now=now
    )
    return request


def close_request(
    request: SubjectRequest, *, outcome: str, actor: Any, now: datetime, refused: bool = False
) -> None:
    if request.status in (RequestStatus.DONE, RequestStatus.REFUSED):
        raise DomainError(_("This request is already closed."))
    request.status = RequestStatus.REFUSED if refused else RequestStatus.DONE
    request.outcome, request.closed_at, request.closed_by_id = outcome, now, actor.id
    db.session.flush()
    audit.record(actor, "privacy.request_close", request, changes={"status": request.status.value}, now=now)


# --- the export ------------------------------------------------------------------------------


def export(subject_type: str, subject_id: int, *, now: datetime) -> dict[str, Any]:
    """Everything held about the person, as plain JSON-able values."""
    record = marketplace.person_record(subject_type, subject_id)
    if record is None:
        raise UnknownPerson(_("There is no such client or provider."))
    data: dict[str, Any] = {
        "format": EXPORT_FORMAT,
        "generated_at": now.isoformat(),
        "subject": {"type": subject_type, "reference": record["reference"]},
        "record": record,
        "bookings": marketplace.person_bookings(subject_type, subject_id),
        "complaints": complaints.person_complaints(subject_type, subject_id),
        "disputes": disputes.person_disputes(subject_type, subject_id),
        "reviews": reviews.person_reviews(subject_type, subject_id),
        "consents": _consents(record) if subject_type == "client" else {},
        "consent_records": marketplace.consent_records(subject_id) if subject_type == "client" else [],
        "notifications": _notifications(record["email"]),
        "access_log": _access_log(subject_type, subject_id),
        "requests": [row_dict(r) for r in _requests(subject_type, subject_id)],
    }
    for name, holder in personal_data.HOLDERS.items():  # the portal's links and inbound e-mails
        data[name] = holder.export(subject_type, subject_id, record.get("email", ""))
    if subject_type == "provider":
        data["vetting_cases"] = [_plain(case) for case in vetting.provider_cases(subject_id)]
        data["restrictions"] = [_plain(r) for r in restrictions.provider_restrictions(subject_id)]
        data["insurance_policies"] = [_plain(p) for p in insurance.provider_policies(subject_id)]
    return json.loads(json.dumps(data, default=str))


def _plain(value: Any) -> dict[str, Any]:
    return dataclasses.asdict(value) if dataclasses.is_dataclass(value) else dict(value)


def _consents(record: dict[str, Any]) -> dict[str, Any]:
    """The consents as they stand today (their history: `consent_records`)."""
    keys = (
        "consent_marketing_email",
        "consent_marketing_sms",
        "consent_partner_sharing",
        "consents_updated_at",
    )
    return {key: record.get(key) for key in keys}


def _notifications(address: str) -> list[dict[str, Any]]:
    rows = db.session.scalars(
        sa.select(Notification)
        .where(sa.func.lower(Notification.recipient) == address.lower())
        .order_by(Notification.id)
    )
    return [row_dict(n, exclude=("last_error",)) for n in rows]


def _access_log(subject_type: str, subject_id: int) -> list[dict[str, Any]]:
    entries = access_log.entries_for(access_log.Subject(subject_type, subject_id), limit=None)
    return [row_dict(e, exclude=("id", "staff_id")) for e in entries]


def _requests(subject_type: str, subject_id: int) -> list[SubjectRequest]:
    return list(
        db.session.scalars(
            sa.select(SubjectRequest).where(
                SubjectRequest.subject_type == subject_type, SubjectRequest.subject_id == subject_id
            )
        )
    )


# --- erasure ---------------------------------------------------------------------------------


def erasure_holds(subject_type: str, subject_id: int, *, now: datetime) -> list[Hold]:
    """What erasure would keep, and why (shown before anyone confirms)."""
    return wf.holds(
        complaints=complaints.person_complaints(subject_type, subject_id),
        disputes=disputes.person_disputes(subject_type, subject_id),
        restrictions_under_review=(
            restrictions.restriction_under_review(subject_id) if subject_type == "provider" else []
        ),
        bookings=marketplace.person_bookings(subject_type, subject_id),
        now=now,
    )


def _restricted(subject_type: str, subject_id: int) -> bool:
    return subject_type == "provider" and subject_id in restrictions.active_restriction_codes()


def ask_erasure(request: SubjectRequest, *, actor: Any, now: datetime) -> bool:
    """Erase now, or, for a provider under restriction, wait for a second person; True once erased."""
    _open_erasure(request)
    if wf.needs_second_person(request.subject_type, _restricted(request.subject_type, request.subject_id)):
        request.status = RequestStatus.AWAITING_CONFIRMATION
        request.erasure_requested_by_id = actor.id
        db.session.flush()
        audit.record(actor, "privacy.erasure_asked", request, now=now)
        return False
    request.erasure_requested_by_id = actor.id
    erase(request, actor=actor, now=now)
    return True


def confirm_erasure(request: SubjectRequest, *, actor: Any, now: datetime) -> None:
    _open_erasure(request)
    if request.status != RequestStatus.AWAITING_CONFIRMATION:
        raise DomainError(_("This erasure is not waiting for a confirmation."))
    if not wf.may_confirm(request.erasure_requested_by_id, actor.id):
        raise DomainError(_("Another person must confirm the erasure you asked for."))
    erase(request, actor=actor, now=now)


def _open_erasure(request: SubjectRequest) -> None:
    if request.kind != RequestKind.ERASURE:
        raise DomainError(_("This request is not an erasure request."))
    if request.status in (RequestStatus.DONE, RequestStatus.REFUSED):
        raise DomainError(_("This request is already closed."))


def erase(request: SubjectRequest, *, actor: Any, now: datetime) -> dict[str, int]:
    """Pseudonymise the person's fields and files, outside what a legal hold keeps; remove their
    personal values from the audit trail (the chain still verifies); close the request."""
    kind, person_id = request.subject_type, request.subject_id
    kept = erasure_holds(kind, person_id, now=now)
    held = {(h.kind, h.reference) for h in kept}
    record = marketplace.person_record(kind, person_id) or {}
    identifiers = [
        record.get(k) for k in ("full_name", "legal_name", "trade_name", "email", "phone", "address_line")
    ]
    person_complaints = complaints.person_complaints(kind, person_id)
    free = [c["id"] for c in person_complaints if ("complaint", c["reference"]) not in held]
    person_reviews = reviews.person_reviews(kind, person_id)
    counts = {
        "complaints_erased": erase_complaint_texts(free, placeholder=ERASED_TEXT) if kind == "client" else 0,
        "reviews_erased": review_services.erase_review_texts(
            [r["id"] for r in person_reviews], placeholder=ERASED_TEXT
        )
        if kind == "client"
        else 0,
        "notifications_erased": erase_recipient(record.get("email", ""), placeholder=ERASED_TEXT),
        "disputes_erased": dispute_services.erase_decided_disputes(
            [d["id"] for d in disputes.person_disputes(kind, person_id) if not d["open"]]
            if kind == "client"
            else [],
            placeholder=ERASED_TEXT,
            actor=actor,
            now=now,
        ),
    }
    for name, holder in personal_data.HOLDERS.items():
        counts[f"{name}_erased"] = holder.erase(kind, person_id, record.get("email", ""), ERASED_TEXT)
    if kind == "client":
        marketplace_services.pseudonymise_client_by_id(person_id)
    else:
        vetting_services.erase_provider_by_id(person_id, actor=actor, now=now)
    objects = [("Client" if kind == "client" else "Provider", str(person_id))]
    objects += [("Complaint", str(i)) for i in free] + [("Review", str(r["id"])) for r in person_reviews]
    db.session.flush()
    counts["audit_values_erased"] = audit_personal.erase(
        objects=objects, containing=[i for i in identifiers if i]
    )
    request.status, request.closed_at, request.closed_by_id = RequestStatus.DONE, now, actor.id
    request.outcome = "; ".join(f"{h.kind} {h.reference}: {h.reason}" for h in kept) or None
    db.session.flush()
    audit.record(
        actor,
        "privacy.erasure",
        request,
        changes=counts | {"kept": sorted(f"{k} {r}" for k, r in held)},
        now=now,
    )
    return counts
