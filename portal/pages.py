"""The portal's page for each purpose: what the link shows and what it submits (the dispatch,
the refusals and the rate limits are in views.py)."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal, InvalidOperation

from flask import Response, render_template, request, url_for

from console.db import db
from console.domain import DomainError
from console.i18n import gettext as _
from console.validation import InvalidField
from disputes.complaints.models import ComplaintEntry, EntryKind
from marketplace.models import ServiceKind
from portal import answers, services
from portal.models import PortalLink
from portal.workflow import Purpose


def _answer(body: str, status: int = 200) -> Response:
    response = Response(body, status=status, mimetype="text/html")
    response.headers["Referrer-Policy"] = "no-referrer"  # the token is in the URL
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


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
            answers.submit_certificate(
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
            answers.post_message(
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
        deadline=answers.answer_deadline(link),
        form=request.form,
    )


def _answer_page(link: PortalLink, person, template: str, record_name: str, submit, thanks, **context):
    """One portal form: the record it is about, the answer taken once (`submit`), thanks
    (`thanks(record)`), or the page again with the refusal and what was typed."""
    error, record = None, services.record_of(link)
    if request.method == "POST":
        try:
            submit()
            return _submitted(link, person, thanks(record))
        except DomainError as exc:
            error, _field = _failed(exc)
            record = services.record_of(link)
    context[record_name] = record
    return _render(template, link, person, 422 if error else 200, error=error, form=request.form, **context)


def satisfaction_page(link: PortalLink, client, now):
    return _answer_page(
        link, client, "portal/satisfaction.html", "complaint",
        lambda: answers.rate(
            link, score=request.form.get("score"), comment=request.form.get("comment"), now=now
        ),
        lambda complaint: _("Thank you for your rating."),
    )  # fmt: skip


def vetting_page(link: PortalLink, provider, now):
    def submit():
        uploads = [("identity", upload) for upload in _uploads("identity")]
        uploads += [("certification", upload) for upload in _uploads("certification")]
        answers.submit_vetting_documents(link, answer=request.form.get("answer"), uploads=uploads, now=now)

    return _answer_page(
        link, provider, "portal/vetting.html", "case", submit,
        lambda case: _("Thank you: your documents were received and your application is back in review."),
    )  # fmt: skip


def dispute_page(link: PortalLink, provider, now):
    return _answer_page(
        link, provider, "portal/dispute.html", "dispute",
        lambda: answers.submit_dispute_answer(
            link, text=request.form.get("body", ""), uploads=_uploads("evidence"), now=now
        ),
        lambda dispute: _("Thank you: your account was added to %(dispute)s.", dispute=dispute.reference),
        deadline=answers.answer_deadline(link),
    )  # fmt: skip


def review_page(link: PortalLink, provider, now):
    return _answer_page(
        link, provider, "portal/review.html", "restriction",
        lambda: answers.submit_review_request(link, text=request.form.get("arguments", ""), now=now),
        lambda restriction: _(
            "Thank you: your request was received. A person other than "
            "the one who decided will examine it and answer with reasons."
        ),
    )  # fmt: skip


def policy_page(link: PortalLink, client, now):
    error = None
    notice = services.record_of(link)
    if request.method == "POST":
        try:
            answers.acknowledge_policy(link, now=now)
            return _submitted(link, client, _("Thank you: we have recorded that you read the new version."))
        except DomainError as exc:
            error, _field = _failed(exc)
            notice = services.record_of(link)
    if notice is None:
        return _render(
            "portal/done.html", link, client, 410, message=_("This link is not about a policy change.")
        )
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
