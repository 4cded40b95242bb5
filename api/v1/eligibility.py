"""GET /providers/{ref}/eligibility: bookable or not, why, and since when.

"Bookable" is the marketplace's one definition (`Provider.is_bookable`: latest vetting approved
and no active restriction); the times come from the vetting and restrictions reporting modules.
"""

from __future__ import annotations

from flask_smorest import Blueprint

from api.v1 import calls
from api.v1.common import documented_errors
from api.v1.providers import KIND
from api.v1.resources import external_id, find
from api.v1.schemas import EligibilityOut
from console.business_time import paris_today
from console.db import utcnow
from console.domain import _
from insurance import reporting as insurance
from marketplace.models import VettingStatus
from restrictions import reporting as restrictions
from vetting import reporting as vetting

blp = Blueprint(
    "provider_eligibility",
    "provider_eligibility",
    url_prefix="/api/v1/providers",
    description="Whether a provider can be booked.",
)


def _iso(moment):
    return moment.isoformat() if moment is not None else None


def eligibility(provider) -> dict:
    decided_at = vetting.last_decision_at(provider.id)
    reasons = []
    if provider.vetting_status != VettingStatus.APPROVED:
        not_vetted = provider.vetting_status == VettingStatus.NOT_VETTED
        reasons.append({
            "code": "not_vetted" if not_vetted else "vetting_rejected",
            "detail": _("not vetted yet") if not_vetted else _("vetting rejected"),
            "since": _iso(provider.created_at if not_vetted else decided_at),
        })  # fmt: skip
    for restriction in provider.active_restrictions:
        reasons.append({
            "code": "restricted",
            "detail": _("restricted: %(reason)s", reason=provider.restriction_reason_text(restriction.reason_code)),  # noqa: E501
            "since": _iso(restriction.started_at),
        })  # fmt: skip
    if reasons:
        since = min((r["since"] for r in reasons if r["since"]), default=None)
    else:
        since = _iso(
            max(filter(None, (decided_at, restrictions.last_restriction_end(provider.id))), default=None)
        )
    return {
        "provider": provider.reference,
        "bookable": not reasons,
        "since": since,
        "reasons": reasons,
        "insurance": insurance.provider_status(provider.id, paris_today(utcnow())).value,
    }


@blp.route("/<string:reference>/eligibility", methods=["GET"])
@blp.response(200, EligibilityOut)
@documented_errors(blp, lookup=True)
@calls.scope("eligibility:read")
def provider_eligibility(reference):
    """Whether clients can book this provider now; the reasons when not; since when."""
    provider = find(KIND, reference)
    return calls.json_body(eligibility(provider) | {"external_id": external_id(KIND, provider.id)})
