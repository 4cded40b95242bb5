"""The portal's pages (no account: a signed link), the "new link" form, the inbound e-mail
endpoint, and the staff's side: "send a new link" and the inbound triage queue."""

from __future__ import annotations

import logging

from flask import (
    Blueprint,
    Response,
    abort,
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
from console.files import services as files
from console.i18n import gettext as _
from console.i18n import in_language
from console.i18n import lazy_gettext as _l
from console.jobs import redis_url
from portal import inbound, services
from portal import workflow as wf
from portal.models import InboundEmail, PortalAttachment
from portal.pages import HANDLERS, _answer
from portal.personal import register_holders
from portal.workflow import LinkState

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
    return current_app.config["PORTAL_ADDRESS_RATE_LIMIT"], f"ip:{request.remote_addr}"


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
    if _over_limit(_address_limit(), (current_app.config["PORTAL_TOKEN_RATE_LIMIT"], token_key)):
        with in_language("fr"):
            return _too_many()
    link = services.find_link(token)
    if link is None:
        services.record_refusal(None, "unknown", now=now)
        db.session.commit()
        return _refused_page("unknown", None)
    person = services.person_of(link)
    state = services.state_of(link, now)
    if (
        state == LinkState.VALID
        and link.purpose != wf.Purpose.CERTIFICATE
        and services.record_of(link) is None
    ):
        state = LinkState.REVOKED  # its record is gone: nothing left to answer
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


@bp.route("/new-link", methods=["GET", "POST"])
@public
def new_link():
    """Ask for a new link: the same answer whether or not the address is known."""
    language = request.values.get("lang")  # French unless the person's page was in English
    with in_language(language if language in ("fr", "en") else "fr"):
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
            wf.ensure_sender(wf.purpose(form.get("purpose", "")), current_user.roles)
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


class PortalFiles(ConsoleBaseView):
    """Support: the files a client or a provider sent with a complaint message (portal or e-mail),
    downloaded as attachments, audited and written to the access log."""

    roles = frozenset({Role.SUPPORT_AGENT, Role.MANAGER})

    def is_visible(self) -> bool:
        return False

    @expose("/")
    def index(self):
        return redirect(url_for("admin.index"))

    @expose("/<int:attachment_id>")
    def download(self, attachment_id: int):
        from console.access_log.services import Subject, record_access
        from disputes.complaints.models import Complaint

        attachment = db.session.get(PortalAttachment, attachment_id)
        complaint = db.session.get(Complaint, attachment.record_id) if attachment else None
        if complaint is None or attachment.record_type != "Complaint":
            abort(404)
        now = utcnow()
        subjects = [Subject("client", complaint.client_id), Subject("provider", complaint.provider_id)]
        record_access(
            current_user,
            subjects,
            record_type="Complaint",
            record_id=complaint.reference,
            purpose="support_case",
            page="portal attachment",
            now=now,
        )
        try:
            return files.send_stored(
                attachment.stored_file, actor=current_user, purpose="support_case", now=now
            )
        except DomainError as exc:
            db.session.rollback()
            flash(str(exc), "danger")
            return redirect(url_for("complaints.details_view", id=complaint.id))


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
    register_holders()  # the subject access export and erasure read what the portal holds
    admin.add_view(PortalLinks(name=_l("Portal links"), endpoint="portal_links", url="/portal-links"))
    admin.add_view(PortalFiles(name=_l("Portal files"), endpoint="portal_files", url="/portal-files"))
    admin.add_view(
        InboundTriage(
            name=_l("Inbound to triage"),
            endpoint="inbound_triage",
            url="/inbound-triage",
            category=_l("Complaints"),
        )
    )
    app.register_blueprint(bp)
    app.register_blueprint(inbound_bp)
    from console import links

    app.extensions[links.LINK_MAKER] = services.make_link
    app.extensions[links.LINKS_MAKER] = services.make_links
    app.extensions[links.REPLY_ADDRESS] = inbound.reply_address_for
    app.jinja_env.globals["portal_attachments"] = services.attachments_by_entry
