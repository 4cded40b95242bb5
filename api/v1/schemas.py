"""The request and response bodies of /api/v1 (marshmallow): they validate what comes in and are
the OpenAPI document's schemas."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from api.workflow import BATCH_MAX
from console.events import EVENT_TYPES
from disputes.complaints.workflow import Category
from marketplace.models import BookingStatus, CancelledBy, ServiceKind

EXTERNAL_ID = validate.Regexp(r"^[A-Za-z0-9][A-Za-z0-9._:@-]{0,99}$")
LANGUAGES = ("fr", "en")
SERVICES = [s.value for s in ServiceKind]


def _external_id():
    return fields.Str(
        allow_none=True,
        validate=EXTERNAL_ID,
        metadata={"description": "The marketplace's own id (unique per API client and kind of record)."},
    )


def _lookup(what: str, required: bool = True):
    return fields.Str(
        required=required,
        allow_none=not required,
        validate=validate.Length(min=1, max=110),
        metadata={"description": f"The {what}: our reference, or `ext:` and the marketplace's id."},
    )


def _text(limit: int, required: bool = True):
    return fields.Str(required=required, allow_none=not required, validate=validate.Length(max=limit))


class Base(Schema):
    class Meta:
        ordered = True


class FieldError(Base):
    field = fields.Str(required=True)
    detail = fields.Str(required=True)


class Problem(Base):
    """RFC 9457 problem details."""

    type = fields.Str(required=True)
    title = fields.Str(required=True)
    status = fields.Int(required=True)
    detail = fields.Str()
    errors = fields.List(fields.Nested(FieldError))
    existing = fields.Str(metadata={"description": "Our reference of the record the external id names."})


class ProviderIn(Base):
    external_id = _external_id()
    legal_name = _text(200)
    trade_name = _text(200, required=False)
    siret = fields.Str(required=True, validate=validate.Length(max=20))
    email = fields.Str(required=True, validate=validate.Length(max=254))
    phone = fields.Str(required=True, validate=validate.Length(max=40))
    address_line = _text(200)
    postcode = fields.Str(required=True, validate=validate.Length(max=10))
    city = _text(100)
    services = fields.List(
        fields.Str(validate=validate.OneOf(SERVICES)), required=True, validate=validate.Length(min=1, max=6)
    )
    language = fields.Str(validate=validate.OneOf(LANGUAGES), load_default="fr")


class ProviderPatch(Base):
    legal_name = _text(200, required=False)
    trade_name = _text(200, required=False)
    siret = fields.Str(validate=validate.Length(max=20))
    email = fields.Str(validate=validate.Length(max=254))
    phone = fields.Str(validate=validate.Length(max=40))
    address_line = _text(200, required=False)
    postcode = fields.Str(validate=validate.Length(max=10))
    city = _text(100, required=False)
    services = fields.List(
        fields.Str(validate=validate.OneOf(SERVICES)), validate=validate.Length(min=1, max=6)
    )
    language = fields.Str(validate=validate.OneOf(LANGUAGES))


class ProviderOut(Base):
    reference = fields.Str(required=True)
    external_id = fields.Str(allow_none=True)
    legal_name = fields.Str(required=True)
    trade_name = fields.Str(allow_none=True)
    siret = fields.Str(required=True)
    email = fields.Str(required=True)
    phone = fields.Str(required=True)
    address_line = fields.Str(required=True)
    postcode = fields.Str(required=True)
    city = fields.Str(required=True)
    services = fields.List(fields.Str(), required=True)
    language = fields.Str(required=True)
    vetting_status = fields.Str(required=True)
    bookable = fields.Bool(required=True)


class Consents(Base):
    consent_marketing_email = fields.Bool()
    consent_marketing_sms = fields.Bool()
    consent_partner_sharing = fields.Bool()


class ConsentsChange(Consents):
    # The version of the wording the client agreed to in the app (recorded with each consent).
    wording_version = fields.Str(validate=validate.Length(min=1, max=20))


class ConsentRecordIn(Base):
    recipient = fields.Str(required=True, validate=validate.Length(max=20))
    purpose = fields.Str(required=True, validate=validate.Length(max=30))
    given = fields.Bool(required=True)
    wording_version = fields.Str(validate=validate.Length(min=1, max=20))


class ConsentRecordOut(Base):
    recipient = fields.Str(required=True)
    purpose = fields.Str(required=True)
    source = fields.Str(required=True)
    wording_version = fields.Str(required=True)
    given_at = fields.AwareDateTime(required=True)
    withdrawn_at = fields.AwareDateTime(allow_none=True)
    standing = fields.Bool(required=True)


class ConsentRecordsOut(Base):
    items = fields.List(fields.Nested(ConsentRecordOut), required=True)


class ClientIn(Consents):
    external_id = _external_id()
    full_name = _text(200)
    email = fields.Str(required=True, validate=validate.Length(max=254))
    phone = fields.Str(allow_none=True, validate=validate.Length(max=40))
    postcode = fields.Str(allow_none=True, validate=validate.Length(max=10))
    city = _text(100, required=False)
    language = fields.Str(validate=validate.OneOf(LANGUAGES), load_default="fr")


class ClientPatch(Consents):
    full_name = _text(200, required=False)
    email = fields.Str(validate=validate.Length(max=254))
    phone = fields.Str(allow_none=True, validate=validate.Length(max=40))
    postcode = fields.Str(allow_none=True, validate=validate.Length(max=10))
    city = _text(100, required=False)
    language = fields.Str(validate=validate.OneOf(LANGUAGES))


class ClientOut(Base):
    reference = fields.Str(required=True)
    external_id = fields.Str(allow_none=True)
    full_name = fields.Str(required=True)
    email = fields.Str(required=True)
    phone = fields.Str(allow_none=True)
    postcode = fields.Str(allow_none=True)
    city = fields.Str(allow_none=True)
    language = fields.Str(required=True)
    consent_marketing_email = fields.Bool(required=True)
    consent_marketing_sms = fields.Bool(required=True)
    consent_partner_sharing = fields.Bool(required=True)
    consents_updated_at = fields.AwareDateTime(allow_none=True)


class BookingIn(Base):
    external_id = _external_id()
    client = _lookup("client")
    provider = _lookup("provider")
    service = fields.Str(required=True, validate=validate.OneOf(SERVICES))
    scheduled_start = fields.AwareDateTime(required=True)
    duration_minutes = fields.Int(required=True, strict=True, validate=validate.Range(min=1, max=1440))
    price_cents = fields.Int(required=True, strict=True, validate=validate.Range(min=0, max=10_000_000))
    currency = fields.Str(validate=validate.OneOf(["EUR"]), load_default="EUR")
    status = fields.Str(
        validate=validate.OneOf([BookingStatus.SCHEDULED.value, BookingStatus.COMPLETED.value]),
        load_default=BookingStatus.SCHEDULED.value,
    )
    cancellation_terms_version = fields.Str(
        required=True,
        validate=validate.Regexp(r"^[0-9]{4}-[0-9]{2}([.-][0-9A-Za-z]{1,8})?$"),
        metadata={"description": "The cancellation terms the booking was sold under, e.g. `2026-03`."},
    )


class BookingBatchIn(Base):
    items = fields.List(
        fields.Nested(BookingIn), required=True, validate=validate.Length(min=1, max=BATCH_MAX)
    )


class BookingPatch(Base):
    event = fields.Str(required=True, validate=validate.OneOf(["complete", "reschedule", "cancel"]))
    scheduled_start = fields.AwareDateTime(metadata={"description": "The new start (reschedule)."})
    cancelled_by = fields.Str(validate=validate.OneOf([c.value for c in CancelledBy]))
    cancelled_at = fields.AwareDateTime()
    cancellation_terms_version = fields.Str(
        validate=validate.Length(max=20), metadata={"description": "Required to cancel: the booking's terms."}
    )


class BookingOut(Base):
    reference = fields.Str(required=True)
    external_id = fields.Str(allow_none=True)
    client = fields.Str(required=True)
    provider = fields.Str(required=True)
    service = fields.Str(required=True)
    scheduled_start = fields.AwareDateTime(required=True)
    duration_minutes = fields.Int(required=True)
    price_cents = fields.Int(required=True)
    currency = fields.Str(required=True)
    status = fields.Str(required=True)
    cancellation_terms_version = fields.Str(required=True)
    cancelled_at = fields.AwareDateTime(allow_none=True)
    cancelled_by = fields.Str(allow_none=True)
    completed_at = fields.AwareDateTime(allow_none=True)


class BatchItemResult(Base):
    index = fields.Int(required=True)
    status = fields.Int(required=True, metadata={"description": "201 created, 409 or 422 refused."})
    reference = fields.Str(allow_none=True)
    external_id = fields.Str(allow_none=True)
    errors = fields.List(fields.Nested(FieldError))


class BookingBatchOut(Base):
    created = fields.Int(required=True)
    refused = fields.Int(required=True)
    results = fields.List(fields.Nested(BatchItemResult), required=True)


class ReviewIn(Base):
    external_id = _external_id()
    booking = _lookup("completed booking")
    rating = fields.Int(required=True, strict=True, validate=validate.Range(min=1, max=5))
    text = fields.Str(validate=validate.Length(max=10_000), load_default="")


class ReviewOut(Base):
    reference = fields.Str(required=True)
    external_id = fields.Str(allow_none=True)
    booking = fields.Str(required=True)
    rating = fields.Int(required=True)


class ReviewReportIn(Base):
    detail = fields.Str(required=True, validate=validate.Length(min=1, max=500))


class ReviewReportOut(Base):
    review = fields.Str(required=True)
    flagged = fields.Bool(required=True, metadata={"description": "False when a report was already open."})


class ComplaintIn(Base):
    external_id = _external_id()
    client = _lookup("client")
    booking = _lookup("booking", required=False)
    provider = _lookup("provider", required=False)
    channel = fields.Str(required=True, validate=validate.OneOf(["app", "chat", "phone"]))
    category = fields.Str(required=True, validate=validate.OneOf([c.value for c in Category]))
    subject = fields.Str(required=True, validate=validate.Length(min=1, max=200))
    description = fields.Str(required=True, validate=validate.Length(min=1, max=20_000))


class ComplaintOut(Base):
    reference = fields.Str(required=True)
    external_id = fields.Str(allow_none=True)
    client = fields.Str(required=True)
    booking = fields.Str(allow_none=True)
    provider = fields.Str(allow_none=True)
    channel = fields.Str(required=True)
    category = fields.Str(required=True)
    severity = fields.Str(required=True)
    status = fields.Str(required=True)
    subject = fields.Str(required=True)
    description = fields.Str(required=True)


class MessageIn(Base):
    sender = fields.Str(required=True, validate=validate.OneOf(["client", "provider"]))
    body = fields.Str(required=True, validate=validate.Length(min=1, max=20_000))


class MessageOut(Base):
    complaint = fields.Str(required=True)
    status = fields.Str(required=True, metadata={"description": "The complaint's status after the message."})
    body = fields.Str(required=True, metadata={"description": "As stored (card numbers masked)."})


class Reason(Base):
    code = fields.Str(required=True, metadata={"description": "not_vetted, vetting_rejected or restricted."})
    detail = fields.Str(required=True)
    since = fields.AwareDateTime(allow_none=True)


class EligibilityOut(Base):
    provider = fields.Str(required=True)
    external_id = fields.Str(allow_none=True)
    bookable = fields.Bool(required=True)
    since = fields.AwareDateTime(allow_none=True, metadata={"description": "Since when the answer holds."})
    reasons = fields.List(fields.Nested(Reason), required=True)
    insurance = fields.Str(
        required=True, metadata={"description": "RC Pro today: valid, expiring, expired, none."}
    )


class ChangesQuery(Base):
    cursor = fields.Str(
        validate=validate.Length(max=100),
        metadata={"description": "The `next_cursor` of the previous answer (none: from the start)."},
    )
    limit = fields.Int(
        validate=validate.Range(min=1, max=1000), metadata={"description": "Changes per page (100)."}
    )


class EligibilityChangeOut(Base):
    id = fields.Str(required=True, metadata={"description": "The event's id, also its webhook-id."})
    provider = fields.Str(required=True)
    sequence = fields.Int(
        required=True, allow_none=True, metadata={"description": "Per provider, to order its changes."}
    )
    bookable = fields.Bool(required=True)
    reasons = fields.List(
        fields.Str(),
        required=True,
        metadata={"description": "Codes: not_vetted, vetting_rejected, restricted:<reason>."},
    )
    since = fields.AwareDateTime(required=True)


class ChangesPageOut(Base):
    items = fields.List(fields.Nested(EligibilityChangeOut), required=True)
    next_cursor = fields.Str(required=True, metadata={"description": "Send it back as `cursor`."})


class WebhookEndpointIn(Base):
    url = fields.Str(
        required=True,
        validate=validate.Length(min=1, max=2000),
        metadata={"description": "HTTPS; private and loopback addresses are refused."},
    )
    event_types = fields.List(
        fields.Str(validate=validate.OneOf(EVENT_TYPES)),
        required=True,
        validate=validate.Length(min=1, max=len(EVENT_TYPES)),
    )
    description = fields.Str(allow_none=True, validate=validate.Length(max=200))


class WebhookEndpointOut(Base):
    reference = fields.Str(required=True)
    url = fields.Str(required=True)
    description = fields.Str(allow_none=True)
    event_types = fields.List(fields.Str(), required=True)
    active = fields.Bool(required=True)
    failing_since = fields.AwareDateTime(allow_none=True)
    secret_prefix = fields.Str(required=True, metadata={"description": "To recognise the secret."})
    created_at = fields.AwareDateTime(required=True)
    secret = fields.Str(metadata={"description": "The signing secret (whsec_...): only in the POST answer."})


class WebhookEndpointList(Base):
    items = fields.List(fields.Nested(WebhookEndpointOut), required=True)
