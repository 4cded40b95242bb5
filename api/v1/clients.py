"""POST /clients, PATCH /clients/{ref}, POST /clients/{ref}/consents, GET and POST
/clients/{ref}/consent-records (marketplace/consents.py: source "app")."""

from __future__ import annotations

from api import services as api_services
from api.v1 import calls
from api.v1.common import blueprint, documented_errors
from api.v1.resources import dump, external_id, find, remember
from api.v1.schemas import (
    ClientIn,
    ClientOut,
    ClientPatch,
    ConsentRecordIn,
    ConsentRecordsOut,
    ConsentsChange,
)
from api.workflow import ResourceKind
from console.db import utcnow
from console.domain import DomainError, _
from marketplace import consents, services

blp = blueprint("clients", "Clients of the marketplace and their consents.")
KIND = ResourceKind.CLIENT
FIELDS = (
    "full_name",
    "email",
    "phone",
    "postcode",
    "city",
    "language",
    *services.CONSENTS,
    "consents_updated_at",
)


def client_json(client, ext: str | None) -> dict:
    return dump(client, FIELDS, external_id=ext)


def _current(client) -> dict:
    return {name: getattr(client, name) for name in services.CLIENT_FIELDS + services.CONSENTS}


@blp.route("", methods=["POST"])
@blp.arguments(ClientIn)
@blp.response(201, ClientOut)
@documented_errors(blp, post=True)
@calls.scope("clients:write")
def create_client(body):
    """Take in a client (with the consents given in the app)."""
    now, ext = utcnow(), body.pop("external_id", None)
    api_services.ensure_external_id_free(calls.client_id(), KIND, ext)
    language = body.pop("language", "fr")
    client = services.create_client(fields=body, actor=calls.actor(), now=now, consent_source="app")
    client.language = language
    remember(KIND, ext, client.id, now)
    return calls.json_body(client_json(client, ext), 201, f"/api/v1/clients/{client.reference}")


def _update(reference: str, body: dict):
    client = find(KIND, reference)
    language = body.pop("language", None)
    wording = body.pop("wording_version", None)
    services.update_client(
        client,
        fields=_current(client) | body,
        expected_version=None,
        actor=calls.actor(),
        now=utcnow(),
        consent_source="app",
        wording_version=wording,
    )
    if language:
        client.language = language
    return calls.json_body(client_json(client, external_id(KIND, client.id)))


@blp.route("/<string:reference>", methods=["PATCH"])
@blp.arguments(ClientPatch)
@blp.response(200, ClientOut)
@documented_errors(blp, lookup=True)
@calls.scope("clients:write")
def update_client(body, reference):
    """Change a client's details (the fields sent; the others stay)."""
    return _update(reference, body)


@blp.route("/<string:reference>/consents", methods=["POST"])
@blp.arguments(ConsentsChange)
@blp.response(200, ClientOut)
@documented_errors(blp, lookup=True, post=True)
@calls.scope("clients:write")
def change_consents(body, reference):
    """Record consents given or withdrawn in the app (timestamped)."""
    if not set(body) - {"wording_version"}:
        raise DomainError(_("Send at least one consent."))
    return _update(reference, body)


def _records(client) -> dict:
    return {
        "items": [
            {
                "recipient": r.recipient,
                "purpose": r.purpose,
                "source": r.source,
                "wording_version": r.wording_version,
                "given_at": r.given_at.isoformat(),
                "withdrawn_at": r.withdrawn_at.isoformat() if r.withdrawn_at else None,
                "standing": r.withdrawn_at is None,
            }
            for r in consents.records_of(client.id)
        ]
    }


@blp.route("/<string:reference>/consent-records", methods=["GET"])
@blp.response(200, ConsentRecordsOut)
@documented_errors(blp, lookup=True)
@calls.scope("clients:write")
def consent_records(reference):
    """Every consent of the client per recipient and purpose, newest first: where it was given,
    the wording version, when, and its withdrawal."""
    return calls.json_body(_records(find(KIND, reference)))


@blp.route("/<string:reference>/consent-records", methods=["POST"])
@blp.arguments(ConsentRecordIn)
@blp.response(200, ConsentRecordsOut)
@documented_errors(blp, lookup=True, post=True)
@calls.scope("clients:write")
def record_consent(body, reference):
    """A consent given (with the version of the wording the client saw in the app) or withdrawn;
    recipients and purposes: ekoklean/marketing_email, ekoklean/marketing_sms,
    partners/partner_sharing, insurer/damage_claim."""
    client = find(KIND, reference)
    consents.record_consent(
        client,
        recipient=body["recipient"],
        purpose=body["purpose"],
        given=body["given"],
        source="app",
        wording_version=body.get("wording_version"),
        actor=calls.actor(),
        now=utcnow(),
    )
    return calls.json_body(_records(client))
