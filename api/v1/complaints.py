"""POST /complaints (from the apps; a safety category opens a restriction proposal, never a
restriction), POST /complaints/{ref}/messages (restarts a clock paused on that party)."""

from __future__ import annotations

from api import services as api_services
from api.v1 import calls
from api.v1.common import blueprint, documented_errors
from api.v1.resources import dump, find, reference, remember
from api.v1.schemas import ComplaintIn, ComplaintOut, MessageIn, MessageOut
from api.workflow import ResourceKind
from console.db import utcnow
from disputes.complaints import intake

blp = blueprint("complaints", "Complaints typed in the apps and the messages that follow.")
KIND = ResourceKind.COMPLAINT
FIELDS = ("channel", "category", "severity", "status", "subject", "description")


def complaint_json(complaint, ext: str | None) -> dict:
    return dump(
        complaint, FIELDS, external_id=ext,
        client=reference(ResourceKind.CLIENT, complaint.client_id),
        booking=reference(ResourceKind.BOOKING, complaint.booking_id) if complaint.booking_id else None,
        provider=reference(ResourceKind.PROVIDER, complaint.provider_id) if complaint.provider_id else None,
    )  # fmt: skip


@blp.route("", methods=["POST"])
@blp.arguments(ComplaintIn)
@blp.response(201, ComplaintOut)
@documented_errors(blp, post=True)
@calls.scope("complaints:write")
def create_complaint(body):
    """Take in a complaint (card numbers in its text are masked before anything is saved)."""
    now, ext = utcnow(), body.pop("external_id", None)
    api_services.ensure_external_id_free(calls.client_id(), KIND, ext)
    client = find(ResourceKind.CLIENT, body.pop("client"), field="client")
    booking_term, provider_term = body.pop("booking", None), body.pop("provider", None)
    booking = find(ResourceKind.BOOKING, booking_term, field="booking") if booking_term else None
    provider = find(ResourceKind.PROVIDER, provider_term, field="provider") if provider_term else None
    complaint = intake.receive_complaint(
        client=client, booking=booking, provider=provider, actor=calls.actor(), now=now, **body
    )
    remember(KIND, ext, complaint.id, now)
    return calls.json_body(complaint_json(complaint, ext), 201, f"/api/v1/complaints/{complaint.reference}")


@blp.route("/<string:reference>/messages", methods=["POST"])
@blp.arguments(MessageIn)
@blp.response(201, MessageOut)
@documented_errors(blp, lookup=True, post=True)
@calls.scope("complaints:write")
def add_message(body, reference):
    """The client's or the provider's message, written in the app."""
    complaint = find(KIND, reference)
    entry = intake.receive_message(
        complaint, sender=body["sender"], body=body["body"], actor=calls.actor(), now=utcnow()
    )
    return calls.json_body(
        {"complaint": complaint.reference, "status": complaint.status.value, "body": entry.body}, 201
    )
