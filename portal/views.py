"""The portal's pages (no account: a signed link), the "new link" form, the inbound e-mail
endpoint, and the staff's side: "send a new link" and the inbound triage queue."""

from __future__ import annotations

import io
import logging
from datetime import date
from decimal import Decimal, InvalidOperation

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_admin import expose
from flask_login import current_user
from limits import parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from console.access import public
from console.admin_base import ConsoleBaseView
from console.db import db, utcnow
from console.domain import DomainError, Role
from console.extensions import csrf
from console.i18n import gettext as _
from console.i18n import in_language
from console.i18n import lazy_gettext as _l
from console.jobs import redis_url
from console.validation import InvalidField
from disputes.complaints.models import ComplaintEntry, EntryKind
from marketplace.models import ServiceKind
from portal import inbound, services
from portal import workflow as wf
from portal.models import InboundEmail, PortalLink
from portal.workflow import LinkState, Purpose

log = logging.getLogger(__name__)
bp = Blueprint("portal", __name__, url_prefix="/portal")
inbound_bp = Blueprint("inbound", __name__)
STAFF = frozenset({Role.VETTING_OFFICER, Role.SUPPORT_AGENT, Role.MANAGER})


# --- rate limits (per token and per address, counted in Redis) ------------------------------


def _limiter() -> MovingWindowRateLimiter:
    limiter = current_app.extensions.get("portal_limiter")
    if limiter is None:
        url = redis_url()
        uri = "redis+unix://" + url[len("unix://") :] if url.startswith("unix://") else url
        limiter = MovingWindowRateLimiter(storage_from_string(uri))
        current_app.extensions["portal_limiter"] = limiter
    return limiter


def _over_limit(*keys: tuple[str, str]) -> bool:
    """Whether one of (limit, key) is exceeded; Redis down: counted as allowed (and logged)."""
    try:
        limiter = _limiter()
        return not all(limiter.hit(parse(limit), "portal", key) for limit, key in keys)
    except Exception:  # noqa: BLE001 - a rate limit never takes the portal down
        log.warning("portal rate limit not counted (Redis unreachable)", exc_info=True)
        return False


def _address_limit() -> tuple[str, str]:
    return current_app.config.get("PORTAL_ADDRESS_RATE_LIMIT", "120/minute"), f"ip:{request.remote_addr}"


def _too_many():
    return _answer(
        render_template(
            "portal/refused.html",
            title=_("Too many attempts"),
            message=_("Please wait a minute before trying again."),
            ask=False,
        ),
        429,
    )


def _answer(body: str, status: int = 200) -> Response:
    response = Response(body, status=status, mimetype="text/html")
    response.headers["Referrer-Policy"] = "no-referrer"  # the token is in the URL
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


# --- the pages --------------------------------------------------------------------------------


def _refused_page(state: str, token: str | None, language: str | None = None):
    status = 404 if state == "unknown" else 410
    with in_language(language):
        return _answer(
            render_template(
                "portal/refused.html",
                title=_("This link no longer works"),
                message=_("The link is wrong, has expired, was already used or was replaced by a newer one."),
                ask=True,
                token=token if state != "unknown" else None,
            ),
            status,
        )


@bp.route("/<token>", methods=["GET", "POST"])
@public
def page(token: str):
    now = utcnow()
    token_key = wf.token_digest(token or "")[:32]
    if _over_limit(
        _address_limit(), (current_app.config.get("PORTAL_TOKEN_RATE_LIMIT", "30/minute"), token_key)
    ):
        return _too_many()
    link = services.find_link(token)
    if link is None:
        services.record_refusal(None, "unknown", now=now)
        db.session.commit()
        return _refused_page("unknown", None)
    person = services.person_of(link)
    state = services.state_of(link, now)
    if state != LinkState.VALID or person is None:
        services.record_refusal(link, state.value, now=now)
        db.session.commit()
        return _refused_page(state.value, token, person.language if person else None)
    with in_language(person.language):
        handler = HANDLERS.get(link.purpose)
        if handler is None:
            return _refused_page("unknown", None, person.language)
        if request.method == "GET":
            services.record_view(link, now=now)
            db.session.commit()
        return handler(link, person, now)


def _render(template: str, link: PortalLink, person, status: int = 200, **context):
    return _answer(
        render_template(
            template,
            link=link,
            person=person,
            purpose_label=link.purpose.label,
            language=person.language,
            **context,
        ),
        status,
    )


def _uploads(name: str) -> list[tuple[io.BytesIO, str]]:
    return [
        (io.BytesIO(item.read()), item.filename or "document")
        for item in request.files.getlist(name)
        if item and item.filename
    ]


def _submitted(link: PortalLink, person, message: str):
    db.session.commit()
    return _render("portal/done.html", link, person, message=message)


def _failed(exc: DomainError):
    db.session.rollback()
    return str(exc), getattr(exc, "field", None)


def _cents(value: str | None, field: str) -> int:
    try:
        amount = Decimal((value or "").replace("\u202f", "").replace(" ", "").replace(",", "."))
    except InvalidOperation as exc:
        raise InvalidField(field, _("Enter an amount in euros, e.g. 1500000 or 150,00.")) from exc
    if not amount.is_finite() or amount < 0 or amount > Decimal("1e12"):
        raise InvalidField(field, _("Enter an amount in euros, e.g. 1500000 or 150,00."))
    return int(amount * 100)


def _day(value: str | None, field: str) -> date:
    try:
        return date.fromisoformat((value or "").strip())
    except ValueError as exc:
        raise InvalidField(field, _("Enter a date.")) from exc


def certificate_page(link: PortalLink, provider, now):
    error = field = None
    form = request.form
    if request.method == "POST":
        try:
            fields = {
                "insurer": form.get("insurer"),
                "policy_number": form.get("policy_number"),
                "insured_name": form.get("insured_name"),
                "insured_siret": form.get("insured_siret"),
                "activities": form.getlist("activities"),
                "coverage_per_claim_cents": _cents(form.get("coverage"), "coverage"),
                "deductible_cents": _cents(form.get("deductible") or "0", "deductible"),
                "starts_on": _day(form.get("starts_on"), "starts_on"),
                "ends_on": _day(form.get("ends_on"), "ends_on"),
            }
            uploads = _uploads("certificate")
            services.submit_certificate(
                link, fields=fields, certificate=uploads[0] if uploads else None, now=now
            )
            return _submitted(
                link,
                provider,
                _("Thank you: your certificate was received. Our team will check it and write to you."),
            )
        except DomainError as exc:
            error, field = _failed(exc)
    return _render(
        "portal/certificate.html",
        link,
        provider,
        422 if error else 200,
        error=error,
        field=field,
        form=form,
        activities=list(ServiceKind),
    )


def message_page(link: PortalLink, person, now):
    error = None
    complaint = services.record_of(link)
    if request.method == "POST":
        try:
            services.post_message(
                link, body=request.form.get("body", ""), uploads=_uploads("evidence"), now=now
            )
            return _submitted(
                link,
                person,
                _("Thank you: your message was added to %(complaint)s.", complaint=complaint.reference),
            )
        except DomainError as exc:
            error, _field = _failed(exc)
            complaint = services.record_of(link)
    mine = (
        (EntryKind.TO_CLIENT, EntryKind.FROM_CLIENT)
        if link.purpose == Purpose.COMPLAINT_REPLY
        else (EntryKind.TO_PROVIDER, EntryKind.FROM_PROVIDER)
    )
    entries = [
        e
        for e in db.session.scalars(
            db.select(ComplaintEntry)
            .where(ComplaintEntry.complaint_id == complaint.id, ComplaintEntry.kind.in_(mine))
            .order_by(ComplaintEntry.created_at.desc(), ComplaintEntry.id.desc())
            .limit(10)
        )
    ][::-1]
    return _render(
        "portal/message.html",
        link,
        person,
        422 if error else 200,
        error=error,
        complaint=complaint,
        entries=entries,
        deadline=services.answer_deadline(link),
        form=request.form,
    )


def satisfaction_page(link: PortalLink, client, now):
    error = None
    complaint = services.record_of(link)
    if request.method == "POST":
        try:
            services.rate(link, score=request.form.get("score"), comment=request.form.get("comment"), now=now)
            return _submitted(link, client, _("Thank you for your rating."))
        except DomainError as exc:
            error, _field = _failed(exc)
            complaint = services.record_of(link)
    return _render(
        "portal/satisfaction.html",
        link,
        client,
        422 if error else 200,
        error=error,
        complaint=complaint,
        form=request.form,
    )


def vetting_page(link: PortalLink, provider, now):
    error = None
    case = services.record_of(link)
    if request.method == "POST":
        try:
            uploads = [("identity", upload) for upload in _uploads("identity")] + [
                ("certification", upload) for upload in _uploads("certification")
            ]
            services.submit_vetting_documents(
                link, answer=request.form.get("answer"), uploads=uploads, now=now
            )
            return _submitted(
                link,
                provider,
                _("Thank you: your documents were received and your application is back in review."),
            )
        except DomainError as exc:
            error, _field = _failed(exc)
            case = services.record_of(link)
    return _render(
        "portal/vetting.html",
        link,
        provider,
        422 if error else 200,
        error=error,
        case=case,
        form=request.form,
    )


def dispute_page(link: PortalLink, provider, now):
    error = None
    dispute = services.record_of(link)
    if request.method == "POST":
        try:
            services.submit_dispute_answer(
                link, text=request.form.get("body", ""), uploads=_uploads("evidence"), now=now
            )
            return _submitted(
                link,
                provider,
                _("Thank you: your account was added to %(dispute)s.", dispute=dispute.reference),
            )
        except DomainError as exc:
            error, _field = _failed(exc)
            dispute = services.record_of(link)
    return _render(
        "portal/dispute.html",
        link,
        provider,
        422 if error else 200,
        error=error,
        dispute=dispute,
        deadline=services.answer_deadline(link),
        form=request.form,
    )


def review_page(link: PortalLink, provider, now):
    error = None
    restriction = services.record_of(link)
    if request.method == "POST":
        try:
            services.submit_review_request(link, text=request.form.get("arguments", ""), now=now)
            return _submitted(
                link,
                provider,
                _(
                    "Thank you: your request was received. A person other than "
                    "the one who decided will examine it and answer with reasons."
                ),
            )
        except DomainError as exc:
            error, _field = _failed(exc)
            restriction = services.record_of(link)
    return _render(
        "portal/review.html",
        link,
        provider,
        422 if error else 200,
        error=error,
        restriction=restriction,
        form=request.form,
    )


def policy_page(link: PortalLink, client, now):
    error = None
    notice = services.record_of(link)
    if request.method == "POST":
        try:
            services.acknowledge_policy(link, now=now)
            return _submitted(link, client, _("Thank you: we have recorded that you read the new version."))
        except DomainError as exc:
            error, _field = _failed(exc)
            notice = services.record_of(link)
    version = notice.policy_version
    return _render(
        "portal/policy.html",
        link,
        client,
        422 if error else 200,
        error=error,
        version=version,
        version_url=url_for("policy_public.public_version", number=version.number),
        diff_url=url_for("policy_public.public_diff", number=version.number),
    )


HANDLERS = {
    Purpose.POLICY_ACK: policy_page,
    Purpose.VETTING_DOCUMENTS: vetting_page,
    Purpose.DISPUTE_ANSWER: dispute_page,
    Purpose.RESTRICTION_REVIEW: review_page,
    Purpose.CERTIFICATE: certificate_page,
    Purpose.COMPLAINT_REPLY: message_page,
    Purpose.COMPLAINT_ANSWER: message_page,
    Purpose.SATISFACTION: satisfaction_page,
}


@bp.route("/new-link", methods=["GET", "POST"])
@public
def new_link():
    """Ask for a new link: the same answer whether or not the address is known."""
    sent = False
    if request.method == "POST":
        email = (request.form.get("email") or "").strip().lower()
        if _over_limit(_address_limit(), ("5/hour", f"email:{wf.token_digest(email)[:32]}")):
            return _too_many()
        services.ask_again(email, token=request.form.get("token") or None, now=utcnow())
        db.session.commit()
        sent = True
    return _answer(render_template("portal/new_link.html", sent=sent, token=request.args.get("token")))


# --- inbound e-mail ---------------------------------------------------------------------------


@inbound_bp.post("/inbound/email")
@public
@csrf.exempt
def inbound_email():
    """A raw RFC 5322 message from the mail service, signed with the shared secret:
    `X-Inbound-Timestamp` (Unix seconds) and `X-Inbound-Signature` (hex HMAC-SHA256 of
    `<timestamp>.<body>`)."""
    now = utcnow()
    raw = request.get_data(cache=False)
    headers = request.headers
    if not inbound.signature_valid(
        raw, headers.get("X-Inbound-Timestamp"), headers.get("X-Inbound-Signature"), now=now
    ):
        return Response("bad signature\n", status=401, mimetype="text/plain")
    if not raw:
        return Response("empty message\n", status=400, mimetype="text/plain")
    row = inbound.receive(raw, now=now)
    db.session.commit()
    if row is None:
        return Response("duplicate\n", status=200, mimetype="text/plain")
    return Response(f"{row.status}\n", status=202, mimetype="text/plain")


# --- the staff's side ---------------------------------------------------------------------------


class PortalLinks(ConsoleBaseView):
    """Send a new signed link from a record's page (the partial `portal/_send_link.html`)."""

    roles = STAFF

    def is_visible(self) -> bool:
        return False

    @expose("/")
    def index(self):
        return redirect(url_for("admin.index"))

    @expose("/send", methods=("POST",))
    def send(self):
        form, now = request.form, utcnow()
        back = form.get("next") or url_for("admin.index")
        if not back.startswith("/") or back.startswith("//"):
            back = url_for("admin.index")
        person = services.find_person(form.get("person", ""))
        try:
            if person is None:
                raise DomainError(_("No provider or client with this reference."))
            record = (
                services.find_record(form.get("purpose", ""), form.get("record", ""))
                if form.get("record")
                else None
            )
            if record is None:
                record = services.open_record(form.get("purpose", ""), person)
            services.send_link(form.get("purpose", ""), person, record, actor=current_user, now=now)
            db.session.commit()
            flash(_("A new link was sent to %(person)s.", person=person.reference), "success")
        except DomainError as exc:
            db.session.rollback()
            flash(str(exc), "danger")
        return redirect(back)


class InboundTriage(ConsoleBaseView):
    """Support: inbound e-mails that matched no complaint, failed the tag, were too large or had
    no text part."""

    roles = frozenset({Role.SUPPORT_AGENT, Role.MANAGER})

    @expose("/")
    def index(self):
        return self.render(
            "portal/triage.html",
            rows=inbound.triage_queue(),
            reason_label=lambda r: _(inbound.REASONS.get(r, r)),
        )

    @expose("/<int:inbound_id>/handled", methods=("POST",))
    def handled(self, inbound_id: int):
        row = db.session.get(InboundEmail, inbound_id)
        if row is None:
            flash(_("This message does not exist."), "danger")
            return redirect(url_for(".index"))
        try:
            inbound.mark_handled(row, actor=current_user, now=utcnow())
            db.session.commit()
            flash(_("Marked as handled."), "success")
        except DomainError as exc:
            db.session.rollback()
            flash(str(exc), "danger")
        return redirect(url_for(".index"))


def register(admin) -> None:
    app = admin.app
    admin.add_view(PortalLinks(name=_l("Portal links"), endpoint="portal_links", url="/portal-links"))
    admin.add_view(
        InboundTriage(
            name=_l("Inbound to triage"),
            endpoint="inbound_triage",
            url="/inbound-triage",
            category=_l("Support"),
        )
    )
    app.register_blueprint(bp)
    app.register_blueprint(inbound_bp)
    from console import links

    app.extensions[links.LINK_MAKER] = services.make_link
    app.extensions[links.LINKS_MAKER] = services.make_links
    app.extensions[links.REPLY_ADDRESS] = inbound.reply_address_for
