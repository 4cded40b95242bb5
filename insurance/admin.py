"""RC Pro screens: the policy register, the certificates to verify and the managers' expiry board.

Every state change goes through `insurance.services`; nothing is editable inline.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from flask import Response, abort, flash, redirect, request, url_for
from flask_admin import expose
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from markupsafe import Markup
from sqlalchemy.orm import aliased, joinedload, selectinload
from wtforms import DateField, HiddenField, SelectMultipleField, StringField, TextAreaField, widgets
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError

from console import validation as v
from console.access import Role, user_has_any
from console.admin_base import ConsoleBaseView, ConsoleModelView, attempt_decision, parse_id
from console.business_time import PARIS, paris_today
from console.db import db, utcnow
from console.domain import DomainError
from console.files.services import UploadRefused, send_stored
from console.money import AmountField, format_cents
from console.spreadsheet import neutralise
from insurance import services
from insurance.models import InsuranceCover, InsurancePolicy, InsuranceSweep
from insurance.workflow import InsuranceStatus, Verification
from marketplace.models import Booking, BookingStatus, Provider, ServiceKind, VettingStatus

VETTING, MANAGER = Role.VETTING_OFFICER, Role.MANAGER
VERIFIERS = frozenset({VETTING, MANAGER})
PAGE_SIZE = 50

# Why a certificate is opened: recorded with each download in the audit trail.
PURPOSES = {
    "verification": "Verifying the certificate",
    "dispute": "A dispute or a claim",
    "audit": "An audit or inspection",
}


def today() -> date:
    """The day in France: the day insurance cover is counted in."""
    return paris_today(utcnow())


# --- the registration form ------------------------------------------------------------------


class PolicyForm(FlaskForm):
    provider_reference = StringField(
        "Provider reference",
        validators=[DataRequired(), Length(max=30)],
        description="The provider's reference, e.g. PRV-000123 (shown on the provider's page).",
    )
    insurer = StringField("Insurer", validators=[DataRequired(), Length(max=120)])
    policy_number = StringField("Policy number", validators=[DataRequired(), Length(max=60)])
    insured_name = StringField(
        "Insured name (as on the certificate)", validators=[DataRequired(), Length(max=200)]
    )
    insured_siret = StringField("Insured SIRET", validators=[DataRequired(), Length(max=20)])
    activities = SelectMultipleField(
        "Activities covered",
        choices=[SelectChoice(s.value, s.label) for s in ServiceKind],
        widget=widgets.ListWidget(prefix_label=False),
        option_widget=widgets.CheckboxInput(),
    )
    coverage = AmountField("Coverage per claim (EUR)", allow_zero=False)
    deductible = AmountField("Deductible (EUR)", allow_zero=True)
    starts_on = DateField("Cover starts on", validators=[InputRequired()])
    ends_on = DateField("Cover ends on (last day covered)", validators=[InputRequired()])
    certificate = FileField(
        "Certificate (PDF, JPEG or PNG)",
        validators=[FileRequired("Attach the insurer's certificate.")],
    )

    def validate_provider_reference(self, field) -> None:
        if v.parse_reference(field.data, Provider.REFERENCE_PREFIX) is None:
            raise ValidationError("Enter a provider reference such as PRV-000123.")

    def validate_ends_on(self, field) -> None:
        if self.starts_on.data and field.data and field.data < self.starts_on.data:
            raise ValidationError("The end date is before the start date.")


# Service field names that differ from the form's.
FORM_FIELDS = {
    "siret": "insured_siret",
    "coverage_per_claim_cents": "coverage",
    "deductible_cents": "deductible",
}


def _field_error(form, name: str, message: str) -> None:
    field = getattr(form, FORM_FIELDS.get(name, name), None)
    if field is not None:
        field.errors = [*field.errors, message]


class DecisionForm(FlaskForm):
    expected_version = HiddenField()


class RejectForm(DecisionForm):
    reason = TextAreaField("Reason", validators=[DataRequired(), Length(max=1000)])


# --- list formatters ------------------------------------------------------------------------


def _provider(view, context, model, name) -> Markup:
    provider = model.provider
    return Markup('<a href="{}">{}</a> {}').format(
        url_for("providers.details_view", id=provider.id), provider.reference, provider.display_name
    )


def _coverage(view, context, model, name) -> str:
    return format_cents(model.coverage_per_claim_cents, model.currency)


def _deductible(view, context, model, name) -> str:
    return format_cents(model.deductible_cents, model.currency)


def _activities(view, context, model, name) -> str:
    return ", ".join(ServiceKind(a).label for a in model.activities or []) or "none declared"


def _certificate(view, context, model, name) -> str:
    stored = model.certificate
    return f"{stored} · SHA-256 {stored.sha256}" if stored else "no certificate"


def _verification(view, context, model, name) -> Markup:
    colour = {Verification.PENDING: "warning", Verification.VERIFIED: "success"}.get(
        model.verification, "danger"
    )
    return Markup('<span class="badge badge-{}" data-testid="verification">{}</span>').format(
        colour, model.verification.value
    )


def _open(view, context, model, name) -> Markup:
    return Markup(
        '<a class="btn btn-sm btn-primary" href="{}" data-testid="open-{}">Open certificate</a>'
    ).format(url_for("policies.details_view", id=model.id), model.id)


def _checks(view, context, model, name) -> Markup:
    flags = services.flags(model, context.get("insurance_today") or today())
    if not flags:
        return Markup('<span class="text-muted">none</span>')
    return Markup('<span class="badge badge-warning" title="{}">{} to check</span>').format(
        "; ".join(flags), len(flags)
    )


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
    purposes: dict[str, str]


# --- decisions --------------------------------------------------------------------------------


def _already_decided(policy_id: int) -> str | None:
    """'... was already verified by X' when someone decided the policy first."""
    policy = db.session.get(InsurancePolicy, policy_id)
    if policy is None or policy.verification == Verification.PENDING:
        return None
    who = policy.verified_by.full_name if policy.verified_by else "someone"
    return f"This certificate was already {policy.verification.value} by {who}; nothing was changed."


def _attempt(policy_id: int, use_case: Callable[[], Any], success: str) -> bool:
    return attempt_decision(use_case, success, explain=lambda: _already_decided(policy_id))


# --- the policy register ----------------------------------------------------------------------


class PolicyColumns:
    """Columns shared by the register and the queue."""

    column_labels = {
        "policy_number": "Policy number",
        "starts_on": "Start",
        "ends_on": "End",
        "coverage": "Coverage per claim",
        "created_at": "Created",
        "created_by": "Created by",
        "insured_name": "Insured name",
        "insured_siret": "Insured SIRET",
        "verified_by": "Decided by",
        "verified_at": "Decided at",
        "rejection_reason": "Rejection reason",
        "open": "",
        "checks": "Checks",
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
    column_sortable_list = [
        "policy_number",
        "starts_on",
        "ends_on",
        ("coverage", "coverage_per_claim_cents"),
        "created_at",
    ]
    column_default_sort = ("id", True)
    column_filters = ["verification", "ends_on", "starts_on"]

    def get_query(self):
        return super().get_query().options(joinedload(InsurancePolicy.provider))

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
            _field_error(form, "provider_reference", "There is no provider with this reference.")
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
            _field_error(form, exc.field, str(exc))
            flash(str(exc), "danger")
        except UploadRefused as exc:
            db.session.rollback()
            _field_error(form, "certificate", str(exc))
            flash(str(exc), "danger")
        except DomainError as exc:
            db.session.rollback()
            flash(str(exc), "danger")
        except sa.exc.IntegrityError:
            db.session.rollback()
            flash(
                "The policy could not be saved as entered. Nothing was saved; check it and try again.",
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
            purposes=PURPOSES,
        )

    def _back(self, policy_id: int):
        return redirect(url_for(".details_view", id=policy_id))

    @expose("/verify/<int:policy_id>", methods=("POST",))
    def verify(self, policy_id: int):
        policy, form = self._load(policy_id), DecisionForm()
        if form.validate_on_submit():
            _attempt(
                policy.id,
                lambda: services.verify_policy(
                    policy,
                    actor=current_user,
                    now=utcnow(),
                    expected_version=parse_id(form.expected_version.data) or -1,  # missing: stale
                ),
                f"Verified: {policy} for {policy.provider}.",
            )
        else:
            flash("The form was incomplete; reload the page and try again.", "danger")
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
                f"Rejected: {policy} for {policy.provider}.",
            )
        else:
            flash("Give the reason for rejecting the certificate (at most 1000 characters).", "danger")
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
            return send_stored(policy.certificate, actor=current_user, purpose=purpose, now=utcnow())
        except DomainError as exc:
            db.session.rollback()
            flash(str(exc), "danger")
            return self._back(policy.id)


class CertificateQueueAdmin(PolicyColumns, ConsoleModelView):
    """Pending certificates, oldest first: the vetting officers' daily queue."""

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
        return self._pending(super().get_query()).options(joinedload(InsurancePolicy.provider))

    def get_count_query(self):
        return self._pending(super().get_count_query())

    def get_one(self, id: Any) -> Any:
        policy = super().get_one(id)  # through get_query, so already pending-only
        return policy if policy is not None and policy.verification == Verification.PENDING else None

    def render(self, template: str, **kwargs: Any):
        return super().render(template, insurance_today=today(), **kwargs)

    def home_badge(self) -> str | None:
        total = db.session.scalar(self._pending(sa.select(sa.func.count()).select_from(InsurancePolicy)))
        return f"{total} to verify" if total else None


# --- the expiry board -------------------------------------------------------------------------

WINDOWS = {
    "7": "Ends within 7 days",
    "14": "Within 14 days",
    "30": "Within 30 days",
    "expired": "Expired",
    "exposure": "Uninsured with bookings",
}
DEFAULT_WINDOW = "30"


@dataclass(frozen=True)
class ExpiryRow:
    provider_id: int
    day: date  # cover end (7/14/30, expired) or the next booking's day (exposure)
    policy_id: int | None = None  # the policy whose end is `day`
    bookings: int = 0  # exposure: scheduled bookings from today on
    next_booking: datetime | None = None


@dataclass
class Board:
    today: date
    rows: dict[str, list[ExpiryRow]]

    @property
    def counts(self) -> dict[str, int]:
        return {window: len(rows) for window, rows in self.rows.items()}


def build_board(day: date) -> Board:
    """Every tab's rows from the merged cover chains: indexed queries, no per-provider work."""
    approved = sa.exists().where(
        Provider.id == InsuranceCover.provider_id, Provider.vetting_status == VettingStatus.APPROVED
    )
    ending_query = (
        sa.select(InsuranceCover.provider_id, InsuranceCover.ends_on, InsuranceCover.policy_id)
        .where(InsuranceCover.starts_on <= day, InsuranceCover.ends_on >= day)
        .where(InsuranceCover.ends_on <= day + timedelta(days=30), approved)
        .order_by(InsuranceCover.ends_on, InsuranceCover.provider_id)
    )
    ending = [ExpiryRow(pid, end, policy_id) for pid, end, policy_id in db.session.execute(ending_query)]
    rows = {w: [r for r in ending if (r.day - day).days <= int(w)] for w in ("7", "14", "30")}
    rows["expired"] = _expired(day, approved)
    rows["exposure"] = _exposure(day)
    return Board(day, rows)


def _covered_today(provider_id, day: date):
    current = aliased(InsuranceCover)
    return sa.exists().where(
        current.provider_id == provider_id, current.starts_on <= day, current.ends_on >= day
    )


def _expired(day: date, approved) -> list[ExpiryRow]:
    """Providers whose last cover ended before `day`, with no cover today: the latest lapse first."""
    lapsed = (
        sa.select(
            InsuranceCover.provider_id.label("provider_id"), sa.func.max(InsuranceCover.ends_on).label("end")
        )
        .where(InsuranceCover.ends_on < day, approved, ~_covered_today(InsuranceCover.provider_id, day))
        .group_by(InsuranceCover.provider_id)
        .subquery()
    )
    query = sa.select(lapsed.c.provider_id, lapsed.c.end, InsuranceCover.policy_id).join(
        InsuranceCover,
        sa.and_(InsuranceCover.provider_id == lapsed.c.provider_id, InsuranceCover.ends_on == lapsed.c.end),
    )
    rows = [ExpiryRow(pid, end, policy_id) for pid, end, policy_id in db.session.execute(query)]
    rows.sort(key=lambda r: (r.day, r.provider_id), reverse=True)
    return rows


def _exposure(day: date) -> list[ExpiryRow]:
    """Approved providers without cover today that still have scheduled bookings from today on.

    Uncovered providers are few: their bookings are read through the (provider, start) index in
    bounded batches, rather than by scanning every future booking.
    """
    day_start = datetime.combine(day, time.min, tzinfo=PARIS).astimezone(UTC)
    uncovered = list(
        db.session.scalars(
            sa.select(Provider.id).where(
                Provider.vetting_status == VettingStatus.APPROVED, ~_covered_today(Provider.id, day)
            )
        )
    )
    rows = []
    for chunk in range(0, len(uncovered), 1000):
        query = (
            sa.select(Booking.provider_id, sa.func.count(), sa.func.min(Booking.scheduled_start))
            .where(
                Booking.provider_id.in_(uncovered[chunk : chunk + 1000]),
                Booking.status == BookingStatus.SCHEDULED,
                Booking.scheduled_start >= day_start,
            )
            .group_by(Booking.provider_id)
        )
        rows += [
            ExpiryRow(pid, paris_today(first), bookings=count, next_booking=first)
            for pid, count, first in db.session.execute(query)
        ]
    rows.sort(key=lambda r: (r.next_booking, r.provider_id))
    return rows


def _providers(ids: list[int], *, restrictions: bool = False) -> dict[int, Provider]:
    found: dict[int, Provider] = {}
    for start in range(0, len(ids), 1000):  # bounded IN lists
        query = sa.select(Provider).where(Provider.id.in_(ids[start : start + 1000]))
        if restrictions:
            query = query.options(selectinload(Provider.active_restrictions))
        found.update((p.id, p) for p in db.session.scalars(query))
    return found


def _names(ids: list[int]) -> dict[int, tuple[str, str]]:
    """(reference, display name) per provider: plain columns, for long exports."""
    found: dict[int, tuple[str, str]] = {}
    prefix, width = Provider.REFERENCE_PREFIX, Provider.REFERENCE_WIDTH
    for start in range(0, len(ids), 5000):
        query = sa.select(Provider.id, Provider.legal_name, Provider.trade_name).where(
            Provider.id.in_(ids[start : start + 5000])
        )
        for pid, legal_name, trade_name in db.session.execute(query):
            found[pid] = (f"{prefix}-{pid:0{width}d}", trade_name or legal_name)
    return found


def _pending_policies(provider_ids: list[int]) -> dict[int, int]:
    """The oldest pending policy of each provider on the page (a successor awaiting a decision)."""
    if not provider_ids:
        return {}
    query = (
        sa.select(InsurancePolicy.provider_id, sa.func.min(InsurancePolicy.id))
        .where(
            InsurancePolicy.provider_id.in_(provider_ids),
            InsurancePolicy.verification == Verification.PENDING,
        )
        .group_by(InsurancePolicy.provider_id)
    )
    return dict(db.session.execute(query).all())


class ExpiryBoard(ConsoleBaseView):
    """Managers: whose cover ends soon, who has lapsed, who works uninsured."""

    roles = frozenset({MANAGER})

    @staticmethod
    def _window() -> str:
        window = request.args.get("window", DEFAULT_WINDOW)
        return window if window in WINDOWS else DEFAULT_WINDOW

    @expose("/")
    def index(self):
        window, board = self._window(), build_board(today())
        rows = board.rows[window]
        pages = max(1, -(-len(rows) // PAGE_SIZE))
        page = min(parse_id(request.args.get("page", "1")) or 1, pages)
        shown = rows[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
        ids = [r.provider_id for r in shown]
        return self.render(
            "insurance/expiry.html",
            window=window,
            windows=WINDOWS,
            board=board,
            counts=board.counts,
            rows=shown,
            providers=_providers(ids, restrictions=True),
            pending=_pending_policies(ids),
            page=page,
            pages=pages,
            total=len(rows),
        )

    @expose("/export.csv")
    def export(self):
        window, board = self._window(), build_board(today())
        rows = board.rows[window]
        names = _names([r.provider_id for r in rows])
        out = io.StringIO()
        writer = csv.writer(out)
        if window == "exposure":
            writer.writerow(["reference", "provider", "scheduled bookings", "next booking (UTC)"])
        else:
            label = "cover ended on" if window == "expired" else "cover ends on"
            writer.writerow(["reference", "provider", label, "days", "policy id"])
        for row in rows:
            if window == "exposure":
                cells = [row.bookings, row.next_booking.strftime("%Y-%m-%d %H:%M")]
            else:
                cells = [row.day.isoformat(), abs((row.day - board.today).days), row.policy_id or ""]
            writer.writerow([neutralise(c) for c in (*names[row.provider_id], *cells)])
        filename = f"rc-pro-{window}-{board.today.isoformat()}.csv"
        return Response(
            out.getvalue(),
            mimetype="text/csv",
            headers={
                "Content-Disposition": f'attachment; filename="{filename}"',
                "Cache-Control": "no-store",
            },
        )


def _counts(view, context, model, name) -> str:
    return ", ".join(
        f"{key.replace('_', ' ')}: {value:,}" for key, value in sorted((model.counts or {}).items())
    )


class InsuranceSweepAdmin(ConsoleModelView):
    """What each daily sweep did: reminders sent, proposals opened and closed, cover counts."""

    roles = frozenset({Role.VETTING_OFFICER, MANAGER})
    export_roles = frozenset()
    can_view_details = False
    column_list = ["day", "started_at", "finished_at", "counts"]
    column_labels = {"started_at": "Started", "finished_at": "Finished"}
    column_formatters = {"counts": _counts}
    column_default_sort = ("id", True)
    column_filters = ["day"]


def register(admin) -> None:
    category = "Insurance"
    admin.add_view(
        InsurancePolicyAdmin(InsurancePolicy, name="RC Pro policies", endpoint="policies", category=category)
    )
    admin.add_view(
        CertificateQueueAdmin(
            InsurancePolicy, name="Certificates to verify", endpoint="certificates", category=category
        )
    )
    admin.add_view(
        InsuranceSweepAdmin(InsuranceSweep, name="Daily sweeps", endpoint="sweeps", category=category)
    )
    admin.add_view(ExpiryBoard(name="Expiry board", endpoint="expiry", url="/expiry", category=category))
