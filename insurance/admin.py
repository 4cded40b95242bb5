"""RC Pro screens: the policy register, the certificates to verify and the daily sweeps.

The managers' expiry board is in `insurance.expiry_admin`, registered here with the others.

Every state change goes through `insurance.services`; nothing is editable inline.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from flask import abort, flash, redirect, request, url_for
from flask_admin import expose
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy.orm import selectinload

from console import validation as v
from console.access import Role, user_has_any
from console.access_log import views as access_log
from console.admin_base import ConsoleModelView, EnumEqual, EnumNotEqual, attempt_decision, parse_id
from console.audit.labels import PURPOSES as PURPOSE_WORDS
from console.counts import capped_count, count_label
from console.db import db, utcnow
from console.domain import DomainError, _
from console.files.services import UploadRefused, send_stored
from console.formatting import format_money, format_number
from console.i18n import lazy_gettext as _l
from insurance import services
from insurance import workflow as wf
from insurance.expiry_admin import ExpiryBoard
from insurance.forms import PolicyForm, RejectForm, VerifyForm, field_error
from insurance.models import InsurancePolicy, InsuranceSweep
from insurance.reporting import today
from insurance.workflow import InsuranceStatus, Verification
from marketplace.models import Provider, ServiceKind
from marketplace.reporting import provider_reference

VETTING, MANAGER = Role.VETTING_OFFICER, Role.MANAGER
VERIFIERS = frozenset({VETTING, MANAGER})

# Why a certificate is opened: recorded with each download in the audit trail.
PURPOSES = {key: _l(PURPOSE_WORDS[key]) for key in ("verification", "dispute", "audit")}


# --- list formatters ------------------------------------------------------------------------


def _provider(view, context, model, name) -> Markup:
    provider = model.provider
    return Markup('<a href="{}">{}</a> {}').format(
        url_for("providers.details_view", id=provider.id), provider.reference, provider.display_name
    )


def _coverage(view, context, model, name) -> str:
    return format_money(model.coverage_per_claim_cents, model.currency)


def _deductible(view, context, model, name) -> str:
    return format_money(model.deductible_cents, model.currency)


def _activities(view, context, model, name) -> str:
    return ", ".join(ServiceKind(a).label for a in model.activities or []) or _("none declared")


def _certificate(view, context, model, name) -> str:
    stored = model.certificate
    return f"{stored} · SHA-256 {stored.sha256}" if stored else _("no certificate")


def _verification(view, context, model, name) -> Markup:
    colour = {Verification.PENDING: "warning", Verification.VERIFIED: "success"}.get(
        model.verification, "danger"
    )
    return Markup('<span class="badge badge-{}" data-testid="verification">{}</span>').format(
        colour, model.verification.label
    )


def _open(view, context, model, name) -> Markup:
    return Markup('<a class="btn btn-sm btn-primary" href="{}" data-testid="open-{}">{}</a>').format(
        url_for("policies.details_view", id=model.id), model.id, _("Open certificate")
    )


def _checks(view, context, model, name) -> Markup:
    flags = services.flags(model, context.get("insurance_today") or today())
    missing = Markup("")
    if model.certificate_id is None:  # verifying it needs the "seen elsewhere" statement
        missing = Markup(
            '<span class="badge badge-danger" data-testid="no-certificate-{}">{}</span> '
        ).format(model.id, _("no certificate"))
    if not flags:
        return missing + Markup('<span class="text-muted">{}</span>').format(_("none"))
    return missing + Markup('<span class="badge badge-warning" title="{}">{}</span>').format(
        "; ".join(flags), _("%(count)s to check", count=len(flags))
    )


def _verification_options() -> list[tuple[str, str]]:
    return [(member.value, member.label) for member in Verification]


STATUS_CLASSES = {
    InsuranceStatus.VALID: "success",
    InsuranceStatus.EXPIRING: "warning",
    InsuranceStatus.EXPIRED: "danger",
    InsuranceStatus.NONE: "secondary",
}


@dataclass(frozen=True)
class PolicyPanel:
    """What the policy page shows above the record."""

    today: date
    status: InsuranceStatus
    status_class: str
    flags: list[str]
    may_decide: bool
    allowed: frozenset[str]  # the verification steps the workflow allows now
    rejected: bool
    purposes: dict[str, str]


# --- decisions --------------------------------------------------------------------------------


def _already_decided(policy_id: int) -> str | None:
    """'... was already verified by X' when someone decided the policy first."""
    policy = db.session.get(InsurancePolicy, policy_id)
    if policy is None or policy.verification == Verification.PENDING:
        return None
    who = policy.verified_by.full_name if policy.verified_by else _("someone")
    return _(
        "This certificate was already %(verification)s by %(who)s; nothing was changed.",
        verification=policy.verification.label,
        who=who,
    )


def _attempt(policy_id: int, use_case: Callable[[], Any], success: str) -> bool:
    return attempt_decision(use_case, success, explain=lambda: _already_decided(policy_id))


# --- the policy register ----------------------------------------------------------------------


class PolicyColumns:
    """Columns shared by the register and the queue."""

    column_labels = {
        "provider": _l("Provider"),
        "insurer": _l("Insurer"),
        "policy_number": _l("Policy number"),
        "starts_on": _l("Start"),
        "ends_on": _l("End"),
        "coverage": _l("Coverage per claim"),
        "deductible": _l("Deductible"),
        "activities": _l("Activities"),
        "certificate": _l("Certificate"),
        "verification": _l("Verification"),
        "created_at": _l("Created"),
        "created_by": _l("Created by"),
        "insured_name": _l("Insured name"),
        "insured_siret": _l("Insured SIRET"),
        "verified_by": _l("Decided by"),
        "verified_at": _l("Decided at"),
        "rejection_reason": _l("Rejection reason"),
        "open": "",
        "checks": _l("Checks"),
    }
    column_formatters = {
        "provider": _provider,
        "coverage": _coverage,
        "deductible": _deductible,
        "activities": _activities,
        "certificate": _certificate,
        "verification": _verification,
        "open": _open,
        "checks": _checks,
    }
    column_formatters_detail = column_formatters
    column_searchable_list = ["policy_number", "insurer"]
    reference_searches = {"PRV": "provider_id"}


class InsurancePolicyAdmin(PolicyColumns, ConsoleModelView):
    """The register: every policy; registered through a hand-written form, decided on its page."""

    access_kind = "policy"

    roles = create_roles = VERIFIERS
    method_roles = {"verify": VERIFIERS, "reject": VERIFIERS, "certificate": VERIFIERS}
    export_roles = frozenset()
    details_template = "insurance/policy_details.html"
    form = PolicyForm
    form_widget_args = {"activities": {"class": "list-unstyled mb-0"}}
    column_list = [
        "provider",
        "insurer",
        "policy_number",
        "starts_on",
        "ends_on",
        "coverage",
        "verification",
        "created_at",
    ]
    column_details_list = [
        "provider",
        "insurer",
        "policy_number",
        "insured_name",
        "insured_siret",
        "activities",
        "coverage",
        "deductible",
        "starts_on",
        "ends_on",
        "certificate",
        "verification",
        "verified_by",
        "verified_at",
        "rejection_reason",
        "created_at",
        "created_by",
    ]
    column_sortable_list = ["policy_number", "starts_on", "ends_on", "created_at"]  # each one indexed
    column_default_sort = ("id", True)
    column_filters = [
        EnumEqual(InsurancePolicy.verification, _l("Verification"), options=_verification_options),
        EnumNotEqual(InsurancePolicy.verification, _l("Verification"), options=_verification_options),
        "ends_on",
        "starts_on",
    ]

    def get_query(self):
        return super().get_query().options(selectinload(InsurancePolicy.provider))

    def get_save_return_url(self, model, is_created: bool = False) -> str:
        return url_for(".details_view", id=model.id)

    def create_form(self, obj=None):
        form = super().create_form(obj)
        if not form.is_submitted() and request.args.get("provider"):
            form.provider_reference.data = request.args.get("provider", "")[:30]
        return form

    def create_model(self, form):
        key = v.parse_reference(form.provider_reference.data, Provider.REFERENCE_PREFIX)
        provider = db.session.get(Provider, key) if key else None
        if provider is None:
            field_error(form, "provider_reference", _("There is no provider with this reference."))
            return False
        upload = form.certificate.data
        fields = {
            "insurer": form.insurer.data,
            "policy_number": form.policy_number.data,
            "insured_name": form.insured_name.data,
            "insured_siret": form.insured_siret.data,
            "activities": form.activities.data,
            "coverage_per_claim_cents": form.coverage.cents,
            "deductible_cents": form.deductible.cents,
            "starts_on": form.starts_on.data,
            "ends_on": form.ends_on.data,
        }
        try:
            policy = services.register_policy(
                provider,
                fields=fields,
                certificate=(upload.stream, upload.filename),
                actor=current_user,
                now=utcnow(),
            )
            db.session.commit()
            return policy
        except v.InvalidField as exc:
            db.session.rollback()
            field_error(form, exc.field, str(exc))
            flash(str(exc), "danger")
        except UploadRefused as exc:
            db.session.rollback()
            field_error(form, "certificate", str(exc))
            flash(str(exc), "danger")
        except DomainError as exc:
            db.session.rollback()
            flash(str(exc), "danger")
        except sa.exc.IntegrityError:
            db.session.rollback()
            flash(
                _("The policy could not be saved as entered. Nothing was saved; check it and try again."),
                "danger",
            )
        return False

    def _load(self, policy_id: int) -> InsurancePolicy:
        policy = self.get_one(str(policy_id))
        if policy is None:
            abort(404)
        return policy

    def policy_panel(self, policy: InsurancePolicy) -> PolicyPanel:
        day = today()
        status = services.provider_status(policy.provider_id, day)
        return PolicyPanel(
            today=day,
            status=status,
            status_class=STATUS_CLASSES[status],
            flags=services.flags(policy, day),
            may_decide=user_has_any(self.roles_for("verify")),
            allowed=wf.allowed_verification_events(policy.verification),
            rejected=policy.verification == Verification.REJECTED,
            purposes=PURPOSES,
        )

    def _back(self, policy_id: int):
        return redirect(url_for(".details_view", id=policy_id))

    @expose("/verify/<int:policy_id>", methods=("POST",))
    def verify(self, policy_id: int):
        policy, form = self._load(policy_id), VerifyForm()
        if form.validate_on_submit():
            _attempt(
                policy.id,
                lambda: services.verify_policy(
                    policy,
                    actor=current_user,
                    now=utcnow(),
                    expected_version=parse_id(form.expected_version.data) or -1,  # missing: stale
                    without_certificate=form.without_certificate.data or None,
                    seen_elsewhere=form.seen_elsewhere.data,
                ),
                _("Verified: %(policy)s for %(provider)s.", policy=policy, provider=policy.provider),
            )
        else:
            flash(_("The form was incomplete; reload the page and try again."), "danger")
        return self._back(policy.id)

    @expose("/reject/<int:policy_id>", methods=("POST",))
    def reject(self, policy_id: int):
        policy, form = self._load(policy_id), RejectForm()
        if form.validate_on_submit():
            _attempt(
                policy.id,
                lambda: services.reject_policy(
                    policy,
                    reason=form.reason.data,
                    actor=current_user,
                    now=utcnow(),
                    expected_version=parse_id(form.expected_version.data) or -1,
                ),
                _("Rejected: %(policy)s for %(provider)s.", policy=policy, provider=policy.provider),
            )
        else:
            flash(_("Give the reason for rejecting the certificate (at most 1000 characters)."), "danger")
        return self._back(policy.id)

    @expose("/certificate/<int:policy_id>")
    def certificate(self, policy_id: int):
        policy = self._load(policy_id)
        if policy.certificate is None:
            abort(404)
        purpose = request.args.get("purpose", "")
        if purpose not in PURPOSES:
            page = self.render(
                "insurance/certificate_purpose.html", policy=policy, purposes=PURPOSES, refused=bool(purpose)
            )
            return page, (400 if purpose else 200)
        try:
            access_log.record(
                access_log.subjects_of(policy),
                record_type="InsuranceCertificate",
                record_id=policy.id,
                purpose=purpose,
            )
            return send_stored(policy.certificate, actor=current_user, purpose=purpose, now=utcnow())
        except DomainError as exc:
            db.session.rollback()
            flash(str(exc), "danger")
            return self._back(policy.id)


class CertificateQueueAdmin(PolicyColumns, ConsoleModelView):
    """Pending certificates, oldest first: the vetting officers' daily queue."""

    access_kind = "policy"
    access_purpose = "verification"

    roles = VERIFIERS
    export_roles = frozenset()
    can_view_details = False  # the policy page (policies.details_view) is where a decision is taken
    column_display_actions = False
    column_list = [
        "created_at",
        "provider",
        "insurer",
        "policy_number",
        "starts_on",
        "ends_on",
        "coverage",
        "checks",
        "open",
    ]
    column_sortable_list = ["created_at", "starts_on", "ends_on"]
    column_default_sort = [("created_at", False), ("id", False)]
    column_filters = ["ends_on", "starts_on"]

    @staticmethod
    def _pending(query):
        return query.filter(InsurancePolicy.verification == Verification.PENDING)

    def get_query(self):
        return self._pending(super().get_query()).options(selectinload(InsurancePolicy.provider))

    def get_count_query(self):
        return self._pending(super().get_count_query())

    def get_one(self, id: Any) -> Any:
        policy = super().get_one(id)  # through get_query, so already pending-only
        return policy if policy is not None and policy.verification == Verification.PENDING else None

    def render(self, template: str, **kwargs: Any):
        return super().render(template, insurance_today=today(), **kwargs)

    def home_badge(self) -> str | None:
        total = capped_count(self._pending(sa.select(InsurancePolicy.id)))
        return _("%(count)s to verify", count=count_label(total)) if total else None


def _counts(view, context, model, name) -> str:
    return ", ".join(
        f"{SWEEP_COUNTS.get(key, key.replace('_', ' '))}: {format_number(value)}"
        for key, value in sorted((model.counts or {}).items())
    )


def _progress(view, context, model, name) -> str:
    if model.resume_after is None:
        return str(_("Done"))
    return str(_("In progress: swept up to %(reference)s", reference=provider_reference(model.resume_after)))


SWEEP_COUNTS = {  # earlier sweeps also counted "cover_rows_fixed" and "covered"
    "cover_rows_fixed": _l("cover rows fixed"),
    "reminders": _l("reminders"),
    "proposals": _l("proposals"),
    "proposals_closed": _l("proposals closed"),
    "events": _l("marketplace events"),
    "covered": _l("covered"),
    "ending": _l("cover ending within 30 days"),
    "lapsed": _l("lapsed"),
}


class InsuranceSweepAdmin(ConsoleModelView):
    """What each daily sweep did: reminders sent, proposals opened and closed, cover counts."""

    roles = frozenset({Role.VETTING_OFFICER, MANAGER})
    export_roles = frozenset()
    can_view_details = False
    column_list = ["day", "started_at", "finished_at", "resume_after", "counts"]
    column_labels = {
        "day": _l("Day"),
        "started_at": _l("Started"),
        "finished_at": _l("Last batch"),
        "resume_after": _l("Progress"),
        "counts": _l("Counts"),
    }
    column_formatters = {"counts": _counts, "resume_after": _progress}
    column_default_sort = ("id", True)
    column_filters = ["day"]


def register(admin) -> None:
    category = _l("Insurance")
    admin.add_view(
        InsurancePolicyAdmin(
            InsurancePolicy, name=_l("RC Pro policies"), endpoint="policies", category=category
        )
    )
    admin.add_view(
        CertificateQueueAdmin(
            InsurancePolicy, name=_l("Certificates to verify"), endpoint="certificates", category=category
        )
    )
    admin.add_view(
        InsuranceSweepAdmin(InsuranceSweep, name=_l("Daily sweeps"), endpoint="sweeps", category=category)
    )
    admin.add_view(ExpiryBoard(name=_l("Expiry board"), endpoint="expiry", url="/expiry", category=category))
