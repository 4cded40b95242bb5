"""GET /providers/{ref}/eligibility: bookable or not, why, and since when; GET /eligibility/changes:
every change in order, by cursor.

Both read the one definition of eligibility, the feed's (`api.eligibility.reporting`, itself
`Provider.is_bookable`: latest vetting approved and no active restriction); this module only adds
the words and the times of each reason.
"""

from __future__ import annotations

from flask_smorest import Blueprint

from api.eligibility import reporting as feed
from api.eligibility.workflow import BadCursor
from api.v1 import calls
from api.v1.common import documented_errors
from api.v1.providers import KIND
from api.v1.resources import external_id, find
from api.v1.schemas import ChangesPageOut, ChangesQuery, EligibilityOut
from console import validation as v
from console.business_time import paris_today
from console.db import utcnow
from insurance import reporting as insurance
from restrictions import reporting as restrictions
from vetting import reporting as vetting

blp = Blueprint(
    "provider_eligibility",
    "provider_eligibility",
    url_prefix="/api/v1/providers",
    description="Whether a provider can be booked.",
)
changes_blp = Blueprint(
    "eligibility_changes",
    "eligibility_changes",
    url_prefix="/api/v1/eligibility",
    description="Every change of providers' eligibility, in order.",
)


def _iso(moment):
    return moment.isoformat() if moment is not None else None


def _reason_since(provider, code: str, decided_at):
    if code == "not_vetted":
        return provider.created_at
    if code == "vetting_rejected":
        return decided_at
    reason = code.removeprefix(provider.RESTRICTED_PREFIX)
    return min((r.started_at for r in provider.active_restrictions if r.reason_code == reason), default=None)


def eligibility(provider) -> dict:
    state = feed.eligibility_of(provider.id)
    decided_at = vetting.last_decision_at(provider.id)
    reasons = [
        {"code": code.split(":", 1)[0], "detail": provider.not_bookable_text(code),
         "since": _iso(_reason_since(provider, code, decided_at))}
        for code in state.reasons
    ]  # fmt: skip
    if state.since is not None:
        since = _iso(state.since)
    elif reasons:
        since = min((r["since"] for r in reasons if r["since"]), default=None)
    else:
        since = _iso(
            max(filter(None, (decided_at, restrictions.last_restriction_end(provider.id))), default=None)
        )
    return {
        "provider": provider.reference,
        "bookable": state.bookable,
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


@changes_blp.route("/changes", methods=["GET"])
@changes_blp.arguments(ChangesQuery, location="query")
@changes_blp.response(200, ChangesPageOut)
@documented_errors(changes_blp)
@calls.scope("eligibility:read")
def eligibility_changes(query):
    """Eligibility changes, oldest first, after `cursor` (from the start without one). Keep the
    `next_cursor` of each answer and send it back to read what came after; an empty `items` means
    nothing new yet (poll again later with the same cursor)."""
    try:
        page = feed.changes_after(query.get("cursor"), query.get("limit"))
    except BadCursor as exc:
        raise v.InvalidField("cursor", str(exc)) from exc
    items = [
        {"id": c.id, "provider": c.provider, "sequence": c.sequence, "bookable": c.bookable,
         "reasons": c.reasons, "since": _iso(c.since)}
        for c in page.items
    ]  # fmt: skip
    return calls.json_body({"items": items, "next_cursor": page.next_cursor})
