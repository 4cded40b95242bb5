"""POST /reviews (of a completed booking), POST /reviews/{ref}/reports (into the flag queue)."""

from __future__ import annotations

from flask import abort

from api import services as api_services
from api.v1 import calls
from api.v1.common import blueprint, documented_errors
from api.v1.resources import find, object_id, reference, remember
from api.v1.schemas import ReviewIn, ReviewOut, ReviewReportIn, ReviewReportOut
from api.workflow import ResourceKind
from console import validation as v
from console.db import utcnow
from reviews import services

blp = blueprint("reviews", "Clients' reviews of completed bookings, and reports about reviews.")
KIND = ResourceKind.REVIEW


@blp.route("", methods=["POST"])
@blp.arguments(ReviewIn)
@blp.response(201, ReviewOut)
@documented_errors(blp, post=True)
@calls.scope("reviews:write")
def create_review(body):
    """Take in a client's review (rating 1-5 and text) of a completed booking; it awaits moderation."""
    now, ext = utcnow(), body.pop("external_id", None)
    api_services.ensure_external_id_free(calls.client_id(), KIND, ext)
    booking = find(ResourceKind.BOOKING, body["booking"], field="booking")
    review = services.record_review(
        booking=booking, rating=body["rating"], text=body["text"], actor=calls.actor(), now=now
    )
    remember(KIND, ext, review.id, now)
    data = {
        "reference": review.reference,
        "external_id": ext,
        "booking": booking.reference,
        "rating": review.rating,
    }
    return calls.json_body(data, 201, f"/api/v1/reviews/{review.reference}")


@blp.route("/<string:reference>/reports", methods=["POST"])
@blp.arguments(ReviewReportIn)
@blp.response(201, ReviewReportOut)
@documented_errors(blp, lookup=True, post=True)
@calls.scope("reviews:write")
def report_review(body, reference):
    """A user reported this review in the app: it joins the moderators' flag queue."""
    review_id = object_id(KIND, reference)
    if review_id is None or not services.review_exists(review_id):
        abort(404, description=v.no_such_record(reference[:110]))
    flag = services.receive_review_report(review_id, detail=body["detail"], actor=calls.actor(), now=utcnow())
    return calls.json_body({"review": _ref(review_id), "flagged": flag is not None}, 201)


def _ref(review_id: int) -> str:
    return reference(KIND, review_id)
