"""Support screens: the complaint queues and a complaint's page, canned replies, the dashboard.

Every change goes through the services; the pages only show and forward. Disputes are in
`disputes.disputes.admin`, review moderation in `reviews.admin`; the forms in `forms`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import abort, current_app, flash, redirect, url_for
from flask_admin import expose
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from console import submissions
from console import validation as v
from console.admin_base import ConsoleBaseView, attempt_decision, parse_id
from console.auth.models import StaffUser
from console.db import db, utcnow
from console.domain import DomainError, Role, _
from console.forms import form_errors
from console.i18n import lazy_gettext as _l
from disputes.complaints import conversation, macros, queues, reporting, services
from disputes.complaints import workflow as wf
from disputes.complaints.columns import (
    STATE_CLASSES,
)
from disputes.complaints.forms import (
    AssignForm,
    ComplaintForm,
    EntryForm,
    SeverityForm,
    TransitionForm,
    _choices,
)
from disputes.complaints.macros_admin import MacroAdmin
from disputes.complaints.merging.admin import MergeMixin
from disputes.complaints.models import Complaint, ComplaintEntry, Macro
from disputes.complaints.queue_admin import QUEUE_NAMES, ComplaintAdmin, SavedViewsMixin, queue_view
from disputes.complaints.workflow import Category, Severity, Status
from disputes.disputes import services as dispute_services
from disputes.disputes.admin import OpenDisputeForm
from disputes.disputes.workflow import DisputeKind
from marketplace.models import Booking, Client, Provider

SUPPORT, MANAGER = Role.SUPPORT_AGENT, Role.MANAGER
AGENTS = frozenset({SUPPORT, MANAGER})
MANAGERS = frozenset({MANAGER})

# --- the complaint page -----------------------------------------------------------------------


@dataclass(frozen=True)
class ComplaintPanel:
    sla: wf.Sla
    timeline: list
    client_answered: bool
    events: list[tuple[str, str]]  # (event, button label)
    staff: list[StaffUser]
    macros: list[tuple[Macro, str]]  # (macro, its reply filled for this complaint)
    thens: list
    disputes: list
    severities: list[SelectChoice]
    dispute_kinds: list[SelectChoice]
    can_open_dispute: bool
    state_classes: dict
    now: Any


class AllComplaintsAdmin(MergeMixin, SavedViewsMixin, ComplaintAdmin):
    """Every complaint; creating one and the complaint's own page live here."""

    create_roles = AGENTS
    method_roles = {
        name: AGENTS
        for name in (
            *("transition", "severity", "assign", "entry", "open_dispute", "merge"),
            *("save_queue_view", "delete_queue_view"),
        )
    }
    can_view_details = True
    column_display_actions = True
    # Every complaint: severity by urgency would sort the whole table (the queues, open complaints
    # only, keep it); every other sort has its index.
    column_sortable_list = [c for c in ComplaintAdmin.column_sortable_list if c != "severity"]
    simple_list_pager = True  # 100,000 complaints: no count(*) per page
    details_template = "disputes/complaint_details.html"
    column_details_list = [
        "client",
        "booking",
        "provider",
        "channel",
        "category",
        "severity",
        "severity_reason",
        "status",
        "subject",
        "description",
        "created_at",
        "created_by",
        "first_response_at",
        "resolved_at",
        "closed_at",
    ]
    create_template = "disputes/complaint_create.html"
    form = ComplaintForm

    def get_save_return_url(self, model, is_created: bool = False) -> str:
        return url_for(".details_view", id=model.id)

    def create_model(self, form):
        try:
            complaint = services.create_complaint(
                client=self._find(Client, form.client_reference.data, "client_reference", form),
                booking=self._find(Booking, form.booking_reference.data, "booking_reference", form),
                provider=self._find(Provider, form.provider_reference.data, "provider_reference", form),
                channel=form.channel.data,
                category=form.category.data,
                subject=form.subject.data,
                description=form.description.data,
                actor=current_user,
                now=utcnow(),
            )
            db.session.commit()
            flash(
                _(
                    "%(reference)s recorded (%(severity)s).",
                    reference=complaint.reference,
                    severity=complaint.severity.label.lower(),
                ),
                "success",
            )
            return complaint
        except DomainError as exc:
            db.session.rollback()
            flash(str(exc), "danger")
        return False

    @staticmethod
    def _find(model, reference: str | None, field: str, form):
        if not reference:
            return None
        key = v.parse_reference(reference, model.REFERENCE_PREFIX)
        found = db.session.get(model, key) if key else None
        if found is None:
            getattr(form, field).errors = [*getattr(form, field).errors, _("Not found.")]
            missing = {
                Client: _("There is no client %(reference)s.", reference=reference.strip()[:30]),
                Booking: _("There is no booking %(reference)s.", reference=reference.strip()[:30]),
                Provider: _("There is no provider %(reference)s.", reference=reference.strip()[:30]),
            }
            raise DomainError(missing[model])
        return found

    def panel(self, complaint: Complaint) -> ComplaintPanel:
        return ComplaintPanel(
            sla=services.sla_of(complaint, now=utcnow()),
            timeline=conversation.timeline(complaint),
            client_answered=services.client_was_answered(complaint.id),
            events=[(e, wf.event_label(e)) for e in wf.allowed_events(complaint.status)],
            staff=services.assignable_staff(),
            macros=[(m, macros.filled(m, complaint, current_user)) for m in macros.macros_for(current_user)],
            thens=list(wf.Then) if complaint.status != Status.CLOSED else [],
            disputes=dispute_services.of_complaint(complaint.id),
            severities=_choices(Severity),
            dispute_kinds=_choices(DisputeKind),
            can_open_dispute=complaint.booking_id is not None and wf.takes_disputes(complaint.status),
            state_classes=STATE_CLASSES,
            now=utcnow(),
        )

    def _load(self, complaint_id: int) -> Complaint:
        complaint = self.get_one(str(complaint_id))
        if complaint is None:
            abort(404)
        return complaint

    def _back(self, complaint: Complaint):
        return redirect(url_for(".details_view", id=complaint.id))

    @expose("/transition/<int:complaint_id>", methods=("POST",))
    def transition(self, complaint_id: int):
        complaint, form = self._load(complaint_id), TransitionForm()
        if form.validate_on_submit():
            event = form.event.data
            attempt_decision(
                lambda: services.transition(
                    complaint,
                    event,
                    actor=current_user,
                    now=utcnow(),
                    expected_version=form.version,
                    reason=form.reason.data,
                ),
                _(
                    "%(reference)s: %(step)s done.",
                    reference=complaint.reference,
                    step=wf.event_label(event).lower(),
                ),
            )
        else:
            flash(form_errors(form), "danger")
        return self._back(complaint)

    @expose("/severity/<int:complaint_id>", methods=("POST",))
    def severity(self, complaint_id: int):
        complaint, form = self._load(complaint_id), SeverityForm()
        if form.validate_on_submit():
            attempt_decision(
                lambda: services.change_severity(
                    complaint,
                    form.severity.data,
                    reason=form.reason.data,
                    actor=current_user,
                    now=utcnow(),
                    expected_version=form.version,
                ),
                _(
                    "%(reference)s is now %(severity)s; its SLA targets follow.",
                    reference=complaint.reference,
                    severity=Severity(form.severity.data).label.lower(),
                ),
            )
        else:
            flash(form_errors(form), "danger")
        return self._back(complaint)

    @expose("/assign/<int:complaint_id>", methods=("POST",))
    def assign(self, complaint_id: int):
        complaint, form = self._load(complaint_id), AssignForm()
        if form.validate_on_submit():
            key = parse_id(form.assignee_id.data or "")
            assignee = db.session.get(StaffUser, key) if key else None
            if form.assignee_id.data and assignee is None:
                flash(_("There is no such staff member."), "danger")
                return self._back(complaint)
            attempt_decision(
                lambda: services.assign(
                    complaint, assignee, actor=current_user, now=utcnow(), expected_version=form.version
                ),
                _(
                    "%(reference)s assigned to %(name)s.",
                    reference=complaint.reference,
                    name=assignee.full_name if assignee else _("nobody"),
                ),
            )
        else:
            flash(form_errors(form), "danger")
        return self._back(complaint)

    @expose("/entry/<int:complaint_id>", methods=("POST",))
    def entry(self, complaint_id: int):
        complaint, form = self._load(complaint_id), EntryForm()
        if form.validate_on_submit():
            then = form.then.data or wf.Then.SEND.value
            macro = self._macro(form.macro_id.data)
            token = form.submission_token.data
            attempt_decision(
                lambda: (
                    submissions.claim(token, record_type=ComplaintEntry, now=utcnow()),
                    conversation.reply(
                        complaint,
                        kind=form.kind.data,
                        body=form.body.data,
                        then=then,
                        macro=macro,
                        actor=current_user,
                        now=utcnow(),
                    ),
                ),
                self._replied(complaint, form.kind.data, then),
            )
        else:
            flash(form_errors(form), "danger")
        return self._back(complaint)

    @staticmethod
    def _macro(value: str | None) -> Macro | None:
        key = parse_id(value or "")
        return db.session.get(Macro, key) if key else None

    @staticmethod
    def _replied(complaint: Complaint, kind: str, then: str) -> str:
        done = _("Note added (internal: not sent).") if kind == "note" else _("Message queued in the outbox.")
        if then == wf.Then.WAIT_ON_CLIENT:
            return done + " " + _("%(reference)s now waits on the client.", reference=complaint.reference)
        if then == wf.Then.RESOLVE:
            return done + " " + _("%(reference)s is resolved.", reference=complaint.reference)
        return done

    @expose("/open-dispute/<int:complaint_id>", methods=("POST",))
    def open_dispute(self, complaint_id: int):
        complaint, form = self._load(complaint_id), OpenDisputeForm()
        if not form.validate_on_submit():
            flash(form_errors(form), "danger")
            return self._back(complaint)
        opened = []
        if attempt_decision(
            lambda: opened.append(
                dispute_services.open_dispute(
                    complaint,
                    kind=form.kind.data,
                    amount_claimed_cents=form.amount.cents,
                    claim=form.claim.data,
                    actor=current_user,
                    now=utcnow(),
                )
            ),
            _("Dispute opened on %(reference)s.", reference=complaint.reference),
        ):
            return redirect(url_for("disputes.details_view", id=opened[0].id))
        return self._back(complaint)


# --- the dashboard ----------------------------------------------------------------------------


class SupportDashboard(ConsoleBaseView):
    """Open complaints by severity and state, SLA attainment this week, what waits for a decision."""

    roles = AGENTS

    @expose("/")
    def index(self):
        return self.render(
            "disputes/dashboard.html",
            data=reporting.dashboard(
                now=utcnow(), cache_seconds=current_app.config["DASHBOARD_CACHE_SECONDS"]
            ),
            status_label=lambda value: Status(value).label,
            severity_label=lambda value: Severity(value).label,
            category_label=lambda value: Category(value).label,
        )


def register(admin) -> None:
    category = _l("Complaints")
    names = queues.QUEUES | {"unassigned": _l("Unassigned complaints")}  # "Unassigned" is a vetting queue too
    admin.add_view(
        SupportDashboard(name=_l("Support dashboard"), endpoint="support", url="/support", category=category)
    )
    admin.add_view(
        AllComplaintsAdmin(Complaint, name=_l("All complaints"), endpoint="complaints", category=category)
    )
    for name in QUEUE_NAMES:
        admin.add_view(
            queue_view(name)(
                Complaint,
                name=names[name],
                endpoint=f"complaints_{name}",
                url=f"/queue/{name.replace('_', '-')}",
                category=category,
            )
        )
    admin.add_view(MacroAdmin(Macro, name=_l("Macros"), endpoint="macros", category=category))
