"""POST /providers (an application: opens the initial vetting case), PATCH /providers/{ref}."""

from __future__ import annotations

from datetime import date

from api import services as api_services
from api.v1 import calls
from api.v1.common import blueprint, documented_errors
from api.v1.resources import dump, external_id, find, remember
from api.v1.schemas import ProviderIn, ProviderOut, ProviderPatch
from api.workflow import ResourceKind
from console.db import utcnow
from marketplace import services

blp = blueprint("providers", "Provider applications and changes to their details.")
KIND = ResourceKind.PROVIDER
FIELDS = ("legal_name", "trade_name", "siret", "email", "phone", "address_line", "postcode", "city",
          "services", "language", "vetting_status")  # fmt: skip


def provider_json(provider, ext: str | None) -> dict:
    return dump(provider, FIELDS, external_id=ext, bookable=provider.is_bookable)


@blp.route("", methods=["POST"])
@blp.arguments(ProviderIn)
@blp.response(201, ProviderOut)
@documented_errors(blp, post=True)
@calls.scope("providers:write")
def create_provider(body):
    """Take in a provider's application; the initial vetting case opens at once."""
    now, ext = utcnow(), body.pop("external_id", None)
    api_services.ensure_external_id_free(calls.client_id(), KIND, ext)
    language = body.pop("language", "fr")
    provider = services.create_provider(fields=body, joined_on=date.today(), actor=calls.actor(), now=now)
    provider.language = language
    remember(KIND, ext, provider.id, now)
    return calls.json_body(provider_json(provider, ext), 201, f"/api/v1/providers/{provider.reference}")


@blp.route("/<string:reference>", methods=["PATCH"])
@blp.arguments(ProviderPatch)
@blp.response(200, ProviderOut)
@documented_errors(blp, lookup=True)
@calls.scope("providers:write")
def update_provider(body, reference):
    """Change a provider's details (the fields sent; the others stay)."""
    provider = find(KIND, reference)
    language = body.pop("language", None)
    fields = {name: getattr(provider, name) for name in services.PROVIDER_FIELDS} | {
        "services": provider.services
    }
    services.update_provider(
        provider, fields=fields | body, expected_version=None, actor=calls.actor(), now=utcnow()
    )
    if language:
        provider.language = language
    return calls.json_body(provider_json(provider, external_id(KIND, provider.id)))
