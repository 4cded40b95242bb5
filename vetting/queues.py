"""The vetting officers' lists: my checks, unassigned, awaiting provider, ready for decision,
overdue and all cases, with bulk assignment; and the sweep summaries. The case page is in `admin.py`.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import flash, g, request, url_for
from flask_admin.actions import action
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy.orm import selectinload

from console.admin_base import ConsoleModelView, EnumEqual, EnumNotEqual, parse_id
from console.auth.models import StaffUser
from console.auth.services import active_staff
from console.business_time import paris_today
from console.counts import capped_count, count_label
from console.db import db, utcnow
from console.domain import Role, _
from console.formatting import format_datetime, format_delta, format_number, format_relative
from console.i18n import lazy_gettext as _l
from insurance.services import insurance_problems
from vetting import checks, reporting, services
from vetting import workflow as wf
from vetting.models import VettingCase, VettingCheck
from vetting.outcomes import ApprovalHint
from vetting.workflow import CaseStatus, CheckStatus

OFFICERS = wf.OFFICER_ROLES
STATUS_CLASSES = {
    CheckStatus.PENDING: "secondary",
    CheckStatus.IN_PROGRESS: "info",
    CheckStatus.PASSED: "success",
    CheckStatus.FAILED: "danger",
}


def officers() -> list[StaffUser]:
    """Active vetting officers, for assignment."""
    return active_staff(Role.VETTING_OFFICER, order_by_name=True)


# --- list formatters ----------------------------------------------------------------------------


def _enum_filters(column, name, enum) -> list:
    """Equal / not-equal filters whose options show the enum's `label` in the reader's language."""

    def options():
        return [(member.value, member.label) for member in enum]

    return [EnumEqual(column, name, options=options), EnumNotEqual(column, name, options=options)]


def _case(view, context, model, name) -> Markup:
    case = model if isinstance(model, VettingCase) else model.case
    return Markup('<a href="{}" data-testid="case-{}">{}</a>').format(
        url_for("vetting_cases.details_view", id=case.id), case.id, case.reference
    )


def _provider(view, context, model, name) -> str:
    case = model if isinstance(model, VettingCase) else model.case
    return str(case.provider)


def _due(view, context, model, name) -> Markup:
    case = model if isinstance(model, VettingCase) else model.case
    return due_markup(case, utcnow())


def due_markup(case: VettingCase, now) -> Markup:
    """The deadline as "dans 2 j" or "en retard de 3 h", the exact Paris time in its title."""
    exact = format_datetime(case.due_at)
    if case.status == CaseStatus.AWAITING_PROVIDER:
        return Markup('<span class="text-muted" title="{}">{}</span>').format(
            _("paused while awaiting the provider"), _("paused")
        )
    if case.status in wf.ACTIVE and case.due_at <= now:
        return Markup(
            '<span class="badge badge-danger" data-testid="overdue">{}</span> <span title="{}">{}</span>'
        ).format(_("Overdue"), exact, _("%(delta)s late", delta=format_delta(now - case.due_at)))
    return Markup('<span title="{}">{}</span>').format(exact, format_relative(case.due_at, now))


def check_chip(check: VettingCheck) -> Markup:
    """A check as a chip: its state in colour and who did it (or who has it, or nobody)."""
    if check.completed_by is not None:
        who = check.completed_by.full_name
    else:
        who = check.assignee.full_name if check.assignee else _("unassigned")
    return Markup('<span class="badge badge-{} mr-1" data-testid="chip-{}-{}">{}: {} · {}</span>').format(
        STATUS_CLASSES[check.status],
        check.case_id,
        check.kind.value,
        check.kind.label,
        check.status.label,
        who,
    )


def _checks(view, context, model, name) -> Markup:
    return Markup("").join(check_chip(c) for c in model.checks)


HINT_CLASSES = {
    ApprovalHint.MAY_APPROVE: "badge badge-success",
    ApprovalHint.DID_A_CHECK: "badge badge-danger",
    ApprovalHint.BLOCKED: "badge badge-warning",
    ApprovalHint.NOT_READY: "text-muted",
}


def _approval(view, context, model, name) -> Markup:
    """Whether the viewer may approve, by the rule the approve button applies (four eyes included)."""
    read = g.get("vetting_insurance", {})
    # Only a case ready for decision can be approved: for the others RC Pro changes nothing shown.
    insured = {"insurance": read.get(model.provider_id)} if model.provider_id in read else {}
    if model.status != CaseStatus.READY:
        insured = {"insurance": None}
    hint, problems = services.approval_hint(
        model, approver=current_user, today=paris_today(utcnow()), **insured
    )
    return Markup('<span class="{}" title="{}" data-testid="approval-{}">{}</span>').format(
        HINT_CLASSES[hint], "; ".join(problems), model.id, hint.label
    )


def _status(view, context, model, name) -> Markup:
    text = model.status.label
    if getattr(model, "withdrawal_proposed_at", None) and model.status == CaseStatus.AWAITING_PROVIDER:
        return Markup('{} <span class="badge badge-warning" data-testid="may-withdraw">{}</span>').format(
            text, _("may be withdrawn")
        )
    return Markup("{}").format(text)


class CaseColumns:
    column_list = ["reference", "provider", "round", "status", "checks", "approval", "due_at", "opened_at"]
    column_labels = {
        "reference": _l("Case"),
        "provider": _l("Provider"),
        "round": _l("Round"),
        "status": _l("Status"),
        "checks": _l("Checks"),
        "approval": _l("Approval"),
        "due_at": _l("Due"),
        "opened_at": _l("Opened"),
    }
    column_formatters = {
        "reference": _case,
        "provider": _provider,
        "round": lambda view, context, model, name: model.round.label,
        "due_at": _due,
        "checks": _checks,
        "approval": _approval,
        "status": _status,
    }
    column_sortable_list = ["due_at", "opened_at"]
    column_default_sort = [("due_at", False), ("id", False)]
    column_filters = [
        *_enum_filters(VettingCase.status, _l("Status"), CaseStatus),
        *_enum_filters(VettingCase.round, _l("Round"), wf.Round),
        "due_at",
        "opened_at",
    ]
    reference_searches = {"VET": "id", "PRV": "provider_id"}


def _eager(query):
    return query.options(
        selectinload(VettingCase.provider),
        selectinload(VettingCase.checks).selectinload(VettingCheck.assignee),
        selectinload(VettingCase.checks).selectinload(VettingCheck.completed_by),
    )


class CaseListBase(CaseColumns, ConsoleModelView):
    """A list of cases with bulk assignment (to a chosen officer, or to me)."""

    access_kind = "vetting_case"
    access_purpose = "vetting_work"  # vetting.admin.CASE_PURPOSE

    roles = OFFICERS
    export_roles = frozenset()
    action_roles = {"assign": OFFICERS, "assign_to_me": frozenset({Role.VETTING_OFFICER})}
    list_template = "vetting/case_list.html"
    queue_intro = _l("Every vetting case, the most urgent first.")

    def get_query(self):
        return _eager(super().get_query())

    def get_list(self, *args: Any, **kwargs: Any):
        """The page's rows, and the RC Pro state of those ready for decision read in one query."""
        count, rows = super().get_list(*args, **kwargs)
        ready = [case.provider_id for case in rows if case.status == CaseStatus.READY]
        g.vetting_insurance = insurance_problems(ready, paris_today(utcnow()))
        return count, rows

    def render(self, template: str, **kwargs: Any):
        return super().render(template, queue_intro=self.queue_intro, officer_choices=officers(), **kwargs)

    @action("assign", _l("Assign to the chosen officer"), _l("Assign the open checks of the selected cases?"))
    def action_assign(self, ids):
        assignee = db.session.get(StaffUser, parse_id(request.form.get("assignee", "")) or 0)
        if assignee is None:
            flash(_("Choose the officer to assign the selected cases to."), "danger")
            return
        self.run_for_each(
            ids,
            lambda case, actor, now: checks.assign_case(case, assignee=assignee, actor=actor, now=now),
            done=_("Assigned to %(name)s", name=assignee.full_name),
        )

    @action("assign_to_me", _l("Assign to me"), _l("Take the open checks of the selected cases?"))
    def action_assign_to_me(self, ids):
        self.run_for_each(
            ids,
            lambda case, actor, now: checks.assign_case(case, assignee=actor, actor=actor, now=now),
            done=_("Assigned to you"),
        )


# --- the queues ----------------------------------------------------------------------------------


class CaseQueueAdmin(CaseListBase):
    """A queue: active cases matching `condition`; the case page is `vetting_cases.details_view`."""

    can_view_details = False
    column_display_actions = False

    def condition(self):
        return VettingCase.status.in_([s.value for s in wf.ACTIVE])

    def _visible(self, query):
        return query.filter(self.condition())  # each queue's condition holds "active"

    def get_query(self):
        return self._visible(super().get_query())

    def get_count_query(self):
        return self._visible(super().get_count_query())

    def get_one(self, id: Any) -> Any:
        return None  # a queue has no page of its own

    def home_badge(self) -> str | None:
        total = capped_count(self._visible(sa.select(VettingCase.id)))
        return count_label(total) if total else None


class UnassignedQueue(CaseQueueAdmin):
    queue_intro = _l("Cases with a check nobody has taken. Select them and assign them.")
    column_default_sort = [("opened_at", False), ("id", False)]

    def condition(self):
        return reporting.case_queue_condition("unassigned", now=utcnow())


class AwaitingQueue(CaseQueueAdmin):
    queue_intro = _l("Waiting for the provider: the deadline is paused. Flagged cases may be withdrawn.")
    column_default_sort = [("opened_at", False), ("id", False)]

    def condition(self):
        return reporting.case_queue_condition("awaiting", now=utcnow())


class ReadyQueue(CaseQueueAdmin):
    queue_intro = _l("All three checks are completed: approve or reject (four eyes).")

    def condition(self):
        return reporting.case_queue_condition("ready", now=utcnow())


class OverdueQueue(CaseQueueAdmin):
    queue_intro = _l("Past the 10-business-day deadline (time awaiting the provider excluded).")

    def condition(self):
        return reporting.case_queue_condition("overdue", now=utcnow())


class MyChecksAdmin(CaseQueueAdmin):
    """The cases where I have a check to do, one row each with every check's chip."""

    roles = frozenset({Role.VETTING_OFFICER})
    action_roles = {"assign": frozenset(), "assign_to_me": frozenset()}
    queue_intro = _l("Cases with a check assigned to you that is not completed; each chip says who did what.")
    column_default_sort = [("due_at", False), ("id", False)]

    def condition(self):
        return reporting.case_queue_condition("mine", now=utcnow(), user_id=current_user.id)


def _counts(view, context, model, name) -> str:
    return ", ".join(
        f"{SWEEP_COUNTS.get(k, k)}: {format_number(n)}" for k, n in sorted((model.counts or {}).items())
    )


SWEEP_COUNTS = {
    "chases": _l("chases"),
    "withdrawals_proposed": _l("withdrawals proposed"),
    "renewals_opened": _l("renewals opened"),
    "overdue_proposals": _l("overdue proposals"),
    "identity_documents_purged": _l("identity documents purged"),
    "applicants_purged": _l("applicants purged"),
}


class VettingSweepAdmin(ConsoleModelView):
    """What each vetting sweep and retention purge did."""

    roles = OFFICERS
    export_roles = frozenset()
    can_view_details = False
    column_list = ["day", "started_at", "counts"]
    column_labels = {"day": _l("Day"), "started_at": _l("Ran at"), "counts": _l("Counts")}
    column_formatters = {"counts": _counts}
    column_default_sort = ("id", True)
