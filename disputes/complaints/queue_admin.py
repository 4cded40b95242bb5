"""The support queues: one list view per queue (queues.QUEUES), urgency first.

Each row is one complaint on one line: reference, severity chip, subject with the report's first
line, status, the next deadline as relative time, client, assignee. The default order is the next
breach (breached first, then least time left), through the indexed `next_breach_at` column.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlencode

import sqlalchemy as sa
from flask import flash, redirect, request, url_for
from flask_admin import expose
from flask_admin.actions import action
from flask_login import current_user
from sqlalchemy.orm import selectinload

from console.admin_base import ConsoleModelView, attempt_decision, parse_id
from console.auth.models import StaffUser
from console.counts import count_label
from console.db import db, utcnow
from console.domain import Role, _
from console.forms import form_errors
from console.i18n import lazy_gettext as _l
from disputes.complaints import queues, saved_views, services
from disputes.complaints.columns import (
    COMPLAINT_LABELS,
    assignee_column,
    client_column,
    deadline_text,
    next_breach_column,
    reference_column,
    severity_column,
    subject_column,
)
from disputes.complaints.forms import DeleteViewForm, SaveViewForm, enum_filters, enum_label
from disputes.complaints.models import Complaint
from disputes.complaints.workflow import Category, Channel, Severity, Status

AGENTS = frozenset({Role.SUPPORT_AGENT, Role.MANAGER})
# Severity sorts by urgency, not by the alphabet.
SEVERITY_RANK = sa.case(
    {Severity.CRITICAL.value: 0, Severity.HIGH.value: 1, Severity.MEDIUM.value: 2, Severity.LOW.value: 3},
    value=Complaint.__table__.c.severity,
)


class ComplaintAdmin(ConsoleModelView):
    """One support queue of complaints; `queue` names which (queues.QUEUES)."""

    access_kind = "complaint"
    access_purpose = "support_case"  # every complaint list is a support queue

    queue = "all"
    roles = AGENTS
    export_roles = frozenset()
    list_template = "disputes/complaint_list.html"
    column_list = [
        "id",
        "severity",
        "subject",
        "category",
        "status",
        "next_breach",
        "client",
        "assignee",
        "created_at",
    ]
    column_labels = COMPLAINT_LABELS
    column_formatters = {
        "id": reference_column,
        "severity": severity_column,
        "subject": subject_column,
        "category": enum_label,
        "status": enum_label,
        "channel": enum_label,
        "client": client_column,
        "assignee": assignee_column,
        "next_breach": next_breach_column,
    }
    column_sortable_list = [
        "id",
        "created_at",
        "severity",
        "category",
        "status",
        "subject",
        ("next_breach", "next_breach_at"),
        ("assignee", "assignee_id"),
    ]
    column_default_sort = ("next_breach_at", False)
    column_filters = [
        *enum_filters(Complaint.status, _l("Status"), Status),
        *enum_filters(Complaint.severity, _l("Severity"), Severity),
        *enum_filters(Complaint.category, _l("Category"), Category),
        *enum_filters(Complaint.channel, _l("Channel"), Channel),
        "created_at",
    ]
    reference_searches = {"CMP": "id", "CLI": "client_id", "PRV": "provider_id", "BKG": "booking_id"}
    action_roles = {"assign_me": AGENTS, "assign_to": AGENTS}
    can_view_details = False  # the complaint's page lives in the "all" view (complaints.details_view)
    column_display_actions = False

    def _in_queue(self, query):
        return query.filter(queues.queue_condition(self.queue, user_id=current_user.id, now=utcnow()))

    @staticmethod
    def deadline(due_at, now) -> str:
        return deadline_text(due_at, now)

    def get_query(self):
        return self._in_queue(super().get_query()).options(
            selectinload(Complaint.client), selectinload(Complaint.assignee)
        )

    def get_count_query(self):
        return self._in_queue(super().get_count_query())

    def _order_by(self, query, joins, sort_joins, sort_field, sort_desc):
        """The next breach with the complaints whose clock stopped last (either way); severity by
        urgency; the id breaks ties so a page never repeats a row."""
        if sort_field is Complaint.next_breach_at:
            column = Complaint.next_breach_at
            order = sa.desc(column).nulls_first() if sort_desc else sa.asc(column).nulls_last()
            return query.order_by(order, Complaint.id.desc() if sort_desc else Complaint.id), joins
        if sort_field is Complaint.severity:
            rank = sa.desc(SEVERITY_RANK) if sort_desc else sa.asc(SEVERITY_RANK)
            return query.order_by(rank, Complaint.next_breach_at.asc().nulls_last(), Complaint.id), joins
        return super()._order_by(query, joins, sort_joins, sort_field, sort_desc)

    def render(self, template: str, **kwargs: Any):
        listing = template == self.list_template
        kwargs.setdefault("assignable", services.assignable_staff() if listing else [])
        kwargs.setdefault("saved_views", saved_views.views_of(current_user.id) if listing else [])
        return super().render(
            template,
            sla_now=utcnow(),
            queue_name=queues.QUEUES[self.queue],
            queue_endpoint=self.endpoint,
            **kwargs,
        )

    def home_badge(self) -> str | None:
        if self.queue in ("all", "waiting"):
            return None
        count = queues.count_complaints(
            queues.queue_condition(self.queue, user_id=current_user.id, now=utcnow())
        )
        return count_label(count) if count else None

    @action("assign_me", _l("Assign to me"), _l("Assign the selected complaints to you?"))
    def action_assign_me(self, ids):
        self.run_for_each(
            ids,
            lambda c, actor, now: services.assign(c, actor, actor=actor, now=now),
            done=_("Assigned to you"),
        )

    @action("assign_to", _l("Assign to the agent chosen above"), _l("Assign the selected complaints?"))
    def action_assign_to(self, ids):
        key = parse_id(request.form.get("assignee_id", ""))
        assignee = db.session.get(StaffUser, key) if key else None
        if assignee is None:
            flash(_("Choose the agent to assign the complaints to."), "danger")
            return
        self.run_for_each(
            ids,
            lambda c, actor, now: services.assign(c, assignee, actor=actor, now=now),
            done=_("Assigned to %(name)s", name=assignee.full_name),
        )


def queue_view(name: str) -> type[ComplaintAdmin]:
    """The list view of queue `name`: every queue opens on the next breach."""
    return type(f"{name.title().replace('_', '')}QueueAdmin", (ComplaintAdmin,), {"queue": name})


# --- saved queue views -----------------------------------------------------------------------


class SavedViewsMixin:
    """Save the queue's filters and order under a name; delete one of one's own."""

    @expose("/save-view", methods=("POST",))
    def save_queue_view(self):
        form = SaveViewForm()
        queue = form.queue.data if form.queue.data in queue_endpoints() else "complaints"
        if form.validate_on_submit():
            attempt_decision(
                lambda: saved_views.save_view(
                    name=form.name.data,
                    queue=queue,
                    query=form.query.data or "",
                    actor=current_user,
                    now=utcnow(),
                ),
                _("View %(name)s saved.", name=form.name.data.strip()),
            )
        else:
            flash(form_errors(form), "danger")
        back = urlencode(parse_qsl(form.query.data or "", keep_blank_values=True))  # re-encoded: no raw text
        return redirect(url_for(f"{queue}.index_view") + (f"?{back}" if back else ""))

    @expose("/delete-view/<int:view_id>", methods=("POST",))
    def delete_queue_view(self, view_id: int):
        form = DeleteViewForm()
        if form.validate_on_submit():
            attempt_decision(
                lambda: saved_views.delete_view(parse_id(view_id) or 0, actor=current_user, now=utcnow()),
                _("View deleted."),
            )
        queue = form.queue.data if form.queue.data in queue_endpoints() else "complaints"
        return redirect(url_for(f"{queue}.index_view"))


def queue_endpoints() -> set[str]:
    return {"complaints", *(f"complaints_{name}" for name in QUEUE_NAMES)}


QUEUE_NAMES = ("mine", "unassigned", "at_risk", "breached", "waiting")
