"""Dispute screens: the register, the decisions waiting for a manager, and a dispute's page
(evidence from both sides, the provider's response, the decision, the insurer's claim, the refund)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from flask import abort, flash, redirect, url_for
from flask_admin import expose
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from markupsafe import Markup
from sqlalchemy.orm import selectinload
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from console.access_log import views as access_log
from console.admin_base import ConsoleModelView, attempt_decision, parse_id
from console.counts import count_label
from console.db import db, utcnow
from console.domain import DomainError, Role, _, ngettext
from console.files.services import send_stored
from console.formatting import format_money, format_number
from console.forms import form_errors
from console.i18n import lazy_gettext as _l
from console.money import AmountField
from disputes.complaints.forms import VersionForm, _choices, enum_filters, enum_label
from disputes.complaints.models import Complaint
from disputes.complaints.workflow import BODY_MAX
from disputes.disputes import services
from disputes.disputes import workflow as wf
from disputes.disputes.models import Dispute, DisputeEvidence
from disputes.disputes.workflow import DisputeKind, DisputeStatus, EvidenceSide, Outcome
from insurance import reporting as insurance
from insurance.reporting import PolicySummary

AGENTS = frozenset({Role.SUPPORT_AGENT, Role.MANAGER})
MANAGERS = frozenset({Role.MANAGER})


class OpenDisputeForm(FlaskForm):
    kind = SelectField(_l("Kind"), choices=_choices(DisputeKind))
    amount = AmountField(_l("Amount claimed (EUR)"), allow_zero=False)
    claim = TextAreaField(
        _l("The claim, as the client puts it"), validators=[DataRequired(), Length(max=BODY_MAX)]
    )


class EvidenceForm(FlaskForm):
    side = SelectField(_l("From"), choices=_choices(EvidenceSide))
    file = FileField(
        _l("File (PDF, JPEG or PNG, at most 10 MB)"), validators=[FileRequired(_l("Choose a file."))]
    )
    description = StringField(_l("What it shows"), validators=[Optional(), Length(max=500)])


class TextForm(VersionForm):
    text = TextAreaField(_l("Text"), validators=[DataRequired(), Length(max=BODY_MAX)])


class DecisionForm(VersionForm):
    outcome = SelectField(_l("Outcome"), choices=_choices(Outcome))
    amount = AmountField(_l("Amount awarded (EUR)"), allow_zero=True)
    reasons = TextAreaField(_l("Written reasons"), validators=[DataRequired(), Length(max=BODY_MAX)])


# --- list formatters --------------------------------------------------------------------------


def _reference(view, context, model, name) -> Markup:
    return Markup('<a href="{}" data-testid="dispute-{}">{}</a>').format(
        url_for("disputes.details_view", id=model.id), model.id, model.reference
    )


def _complaint(view, context, model, name) -> Markup:
    return Markup('<a href="{}">{}</a>').format(
        url_for("complaints.details_view", id=model.complaint_id), model.complaint.reference
    )


def _claimed(view, context, model, name) -> str:
    return format_money(model.amount_claimed_cents, model.currency)


def _price(view, context, model, name) -> str:
    return format_money(model.booking.price_cents, model.booking.currency)


def _terms(view, context, model, name) -> str:
    return model.booking.cancellation_terms_version


def _awarded(view, context, model, name) -> str:
    return format_money(model.amount_awarded_cents, model.currency)


def _decided_by(view, context, model, name) -> str:
    return model.decided_by.full_name if model.decided_by else ""


DISPUTE_LABELS = {
    "id": _l("Reference"),
    "created_at": _l("Opened"),
    "complaint": _l("Complaint"),
    "kind": _l("Kind"),
    "claimed": _l("Claimed"),
    "price": _l("Booking price"),
    "terms": _l("Cancellation terms"),
    "status": _l("Status"),
    "outcome": _l("Outcome"),
    "awarded": _l("Awarded"),
    "claim": _l("Claim"),
    "provider_response": _l("Provider's response"),
    "provider_responded_at": _l("Provider responded"),
    "insurer_claim_reference": _l("Insurer's claim reference"),
    "reasons": _l("Written reasons"),
    "decided_by": _l("Decided by"),
    "decided_at": _l("Decided"),
    "payment_transaction_id": _l("Refund transaction"),
    "created_by": _l("Opened by"),
}


@dataclass(frozen=True)
class DisputePanel:
    complaint: Complaint
    price: str
    claimed: str
    awarded: str
    proposed: str
    proposed_input: str  # the proposed award as typed back into the form ("600,5")
    threshold: str
    needs_manager: bool
    policy: PolicySummary | None
    evidence: list[DisputeEvidence]
    outcomes: list
    sides: list
    is_manager: bool
    events: list[str]  # the workflow steps open now (workflow.allowed_events)
    terms_fee: str | None = None  # a cancellation-fee dispute: what the booking's terms allowed
    above_terms: bool = False


class DisputeAdmin(ConsoleModelView):
    """Every dispute; its page is where evidence is added and the decision taken."""

    access_kind = "dispute"
    access_purpose = "dispute"

    roles = AGENTS
    export_roles = frozenset()
    method_roles = {
        name: AGENTS
        for name in ("evidence", "download", "response", "insurer_claim", "propose", "decide", "refund")
    } | {"send_back": MANAGERS}
    details_template = "disputes/dispute_details.html"
    column_list = [
        "id",
        "created_at",
        "complaint",
        "kind",
        "claimed",
        "price",
        "terms",
        "status",
        "outcome",
        "awarded",
    ]
    column_labels = DISPUTE_LABELS
    column_formatters = {
        "id": _reference,
        "kind": enum_label,
        "status": enum_label,
        "outcome": enum_label,
        "complaint": _complaint,
        "claimed": _claimed,
        "price": _price,
        "terms": _terms,
        "awarded": _awarded,
    }
    column_details_list = [
        "id",
        "complaint",
        "kind",
        "status",
        "claim",
        "provider_response",
        "provider_responded_at",
        "insurer_claim_reference",
        "outcome",
        "awarded",
        "reasons",
        "decided_by",
        "decided_at",
        "payment_transaction_id",
        "created_at",
        "created_by",
    ]
    column_formatters_detail = {
        "id": lambda v, c, m, n: m.reference,
        "complaint": _complaint,
        "kind": enum_label,
        "status": enum_label,
        "outcome": enum_label,
        "awarded": _awarded,
        "decided_by": _decided_by,
    }
    column_sortable_list = ["id", "created_at", ("claimed", "amount_claimed_cents")]
    column_default_sort = ("id", True)
    column_filters = [
        *enum_filters(Dispute.status, _l("Status"), DisputeStatus),
        *enum_filters(Dispute.kind, _l("Kind"), DisputeKind),
        *enum_filters(Dispute.outcome, _l("Outcome"), Outcome),
        "created_at",
    ]
    reference_searches = {"DSP": "id", "CMP": "complaint_id", "BKG": "booking_id"}

    def get_query(self):
        return (
            super()
            .get_query()
            .options(
                selectinload(Dispute.complaint),
                selectinload(Dispute.booking),
                selectinload(Dispute.decided_by),
            )
        )

    def panel(self, dispute: Dispute) -> DisputePanel:
        awarded = dispute.proposed_amount_cents or dispute.amount_awarded_cents or 0
        allowed, above = services.terms_fee(dispute)
        return DisputePanel(
            terms_fee=format_money(allowed.allowed_cents, dispute.currency) if allowed else None,
            above_terms=above,
            complaint=dispute.complaint,
            price=format_money(dispute.booking.price_cents, dispute.booking.currency),
            claimed=format_money(dispute.amount_claimed_cents, dispute.currency),
            awarded=format_money(dispute.amount_awarded_cents, dispute.currency),
            proposed=format_money(dispute.proposed_amount_cents, dispute.currency),
            proposed_input=(
                format_number(Decimal(dispute.proposed_amount_cents) / 100)
                if dispute.proposed_amount_cents is not None
                else ""
            ),
            threshold=format_money(services.manager_threshold_cents()),
            needs_manager=services.needs_manager(dispute, awarded),
            policy=insurance.policy_summary(dispute.insurance_policy_id),
            evidence=list(dispute.evidence),
            outcomes=_choices(Outcome),
            sides=list(EvidenceSide),
            is_manager=Role.MANAGER in current_user.roles,
            events=wf.allowed_events(dispute.status),
        )

    def _load(self, dispute_id: int) -> Dispute:
        dispute = self.get_one(str(dispute_id))
        if dispute is None:
            abort(404)
        return dispute

    def _back(self, dispute: Dispute):
        return redirect(url_for("disputes.details_view", id=dispute.id))

    def _explain(self, dispute_id: int):
        def explain() -> str | None:
            fresh = db.session.get(Dispute, dispute_id)
            if fresh is not None and fresh.status == DisputeStatus.DECIDED:
                who = fresh.decided_by.full_name if fresh.decided_by else _("someone")
                return _(
                    "%(dispute)s was already decided by %(name)s; nothing of yours was saved.",
                    dispute=fresh,
                    name=who,
                )
            return None

        return explain

    def _run(self, dispute: Dispute, form, use_case, success: str, *, decision: bool = False):
        if form.validate_on_submit():
            explain = self._explain(dispute.id) if decision else lambda: None
            attempt_decision(use_case, success, explain=explain)
        else:
            flash(form_errors(form), "danger")
        return self._back(dispute)

    @expose("/evidence/<int:dispute_id>", methods=("POST",))
    def evidence(self, dispute_id: int):
        dispute, form = self._load(dispute_id), EvidenceForm()
        upload = form.file.data
        return self._run(
            dispute,
            form,
            lambda: services.add_evidence(
                dispute,
                side=form.side.data,
                upload=(upload.stream, upload.filename),
                description=form.description.data,
                actor=current_user,
                now=utcnow(),
            ),
            _("Evidence added."),
        )

    @expose("/download/<int:evidence_id>")
    def download(self, evidence_id: int):
        key = parse_id(evidence_id)
        evidence = db.session.get(DisputeEvidence, key) if key else None
        if evidence is None or self.get_one(str(evidence.dispute_id)) is None:
            abort(404)
        try:
            access_log.record(
                access_log.subjects_of(evidence.dispute),
                record_type="DisputeEvidence",
                record_id=evidence.id,
                purpose="dispute",
            )
            return send_stored(evidence.file, actor=current_user, purpose="dispute", now=utcnow())
        except DomainError as exc:
            db.session.rollback()
            flash(str(exc), "danger")
            return self._back(evidence.dispute)

    @expose("/response/<int:dispute_id>", methods=("POST",))
    def response(self, dispute_id: int):
        dispute, form = self._load(dispute_id), TextForm()
        return self._run(
            dispute,
            form,
            lambda: services.record_provider_response(
                dispute, text=form.text.data, actor=current_user, now=utcnow(), expected_version=form.version
            ),
            _("Provider's response recorded."),
        )

    @expose("/insurer-claim/<int:dispute_id>", methods=("POST",))
    def insurer_claim(self, dispute_id: int):
        dispute, form = self._load(dispute_id), TextForm()
        return self._run(
            dispute,
            form,
            lambda: services.record_insurer_claim(
                dispute,
                reference=form.text.data,
                actor=current_user,
                now=utcnow(),
                expected_version=form.version,
            ),
            _("Insurer's claim reference recorded."),
        )

    def _decision(self, dispute_id: int, use_case, success: str):
        dispute, form = self._load(dispute_id), DecisionForm()
        return self._run(
            dispute,
            form,
            lambda: use_case(
                dispute,
                outcome=form.outcome.data,
                amount_awarded_cents=form.amount.cents,
                reasons=form.reasons.data,
                actor=current_user,
                now=utcnow(),
                expected_version=form.version,
            ),
            success,
            decision=True,
        )

    @expose("/propose/<int:dispute_id>", methods=("POST",))
    def propose(self, dispute_id: int):
        return self._decision(
            dispute_id,
            services.propose_decision,
            _("Decision proposed; a manager other than you decides it."),
        )

    @expose("/decide/<int:dispute_id>", methods=("POST",))
    def decide(self, dispute_id: int):
        return self._decision(
            dispute_id, services.decide_dispute, _("Dispute decided; the client is being told.")
        )

    @expose("/send-back/<int:dispute_id>", methods=("POST",))
    def send_back(self, dispute_id: int):
        dispute, form = self._load(dispute_id), TextForm()
        return self._run(
            dispute,
            form,
            lambda: services.send_back(
                dispute, note=form.text.data, actor=current_user, now=utcnow(), expected_version=form.version
            ),
            _("Proposal sent back to the agents."),
        )

    @expose("/refund/<int:dispute_id>", methods=("POST",))
    def refund(self, dispute_id: int):
        dispute, form = self._load(dispute_id), TextForm()
        return self._run(
            dispute,
            form,
            lambda: services.record_refund(
                dispute,
                transaction_id=form.text.data,
                actor=current_user,
                now=utcnow(),
                expected_version=form.version,
            ),
            _("Refund transaction recorded."),
        )


class AwaitingDecisionAdmin(DisputeAdmin):
    """Decisions proposed above the threshold, oldest first: the managers' queue."""

    method_roles: dict[str, Any] = {}
    can_view_details = False
    column_display_actions = False
    column_default_sort = ("id", False)

    @staticmethod
    def _awaiting(query):
        return query.filter(Dispute.status == DisputeStatus.AWAITING_DECISION)

    def get_query(self):
        return self._awaiting(super().get_query())

    def get_count_query(self):
        return self._awaiting(super().get_count_query())

    def home_badge(self) -> str | None:
        count = self.get_count_query().scalar()
        return (
            ngettext("%(num)s to decide", "%(num)s to decide", count, num=count_label(count))
            if count
            else None
        )


def register(admin) -> None:
    category = _l("Disputes and reviews")
    admin.add_view(DisputeAdmin(Dispute, name=_l("Disputes"), endpoint="disputes", category=category))
    admin.add_view(
        AwaitingDecisionAdmin(
            Dispute,
            name=_l("Disputes to decide"),
            endpoint="disputes_awaiting",
            url="/disputes-to-decide",
            category=category,
        )
    )
