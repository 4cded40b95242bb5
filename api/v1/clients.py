"""POST /clients, PATCH /clients/{ref}, POST /clients/{ref}/consents."""

from __future__ import annotations

from api import services as api_services
from api.v1 import calls
from api.v1.common import blueprint, documented_errors
from api.v1.resources import dump, external_id, find, remember
from api.v1.schemas import ClientIn, ClientOut, ClientPatch, Consents
from api.workflow import ResourceKind
from console.db import utcnow
from console.domain import DomainError, _
from marketplace import services

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
    client = services.create_client(fields=body, actor=calls.actor(), now=now)
    client.language = language
    remember(KIND, ext, client.id, now)
    return calls.json_body(client_json(client, ext), 201, f"/api/v1/clients/{client.reference}")


def _update(reference: str, body: dict):
    client = find(KIND, reference)
    language = body.pop("language", None)
    services.update_client(
        client, fields=_current(client) | body, expected_version=None, actor=calls.actor(), now=utcnow()
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
@blp.arguments(Consents)
@blp.response(200, ClientOut)
@documented_errors(blp, lookup=True, post=True)
@calls.scope("clients:write")
def change_consents(body, reference):
    """Record consents given or withdrawn in the app (timestamped)."""
    if not body:
        raise DomainError(_("Send at least one consent."))
    return _update(reference, body)
