"""Staff management screen (admins)."""

from __future__ import annotations

from flask import flash
from flask_admin.actions import action
from flask_login import current_user
from flask_wtf import FlaskForm
from markupsafe import Markup
from wtforms import BooleanField, HiddenField, PasswordField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, Optional

from console.admin_base import ConsoleModelView
from console.auth import mfa, services
from console.auth.models import StaffUser
from console.db import db, utcnow
from console.domain import Role
from console.i18n import gettext as _
from console.i18n import lazy_gettext as _l

ROLE_CHOICES = [SelectChoice(r.value, _l(r.label)) for r in Role]


def _roles_badges(view, context, model, name) -> Markup:
    return Markup(" ").join(
        Markup('<span class="badge badge-secondary">{}</span>').format(r.label) for r in sorted(model.roles)
    )


def _second_factor(view, context, model, name) -> str:
    enrolment = mfa.enrolment(model)
    if enrolment is None or enrolment.confirmed_at is None:
        return _("required, not set up yet") if mfa.is_required(model) else _("off")
    if enrolment.reset_requested_by is not None:
        return _(
            "on; reset asked by %(name)s, waiting for a second admin",
            name=enrolment.reset_requested_by.full_name,
        )
    return _("on")


class StaffUserForm(FlaskForm):
    email = StringField(_l("E-mail"), validators=[DataRequired(), Email(), Length(max=254)])
    full_name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    role_names = SelectMultipleField(_l("Roles"), choices=ROLE_CHOICES, validators=[DataRequired()])
    active = BooleanField(_l("Active"), default=True)
    password = PasswordField(
        _l("Password (new account) or new password"), validators=[Optional(), Length(max=256)]
    )
    expected_version = HiddenField()


class StaffUserAdmin(ConsoleModelView):
    roles = frozenset({Role.ADMIN})
    create_roles = frozenset({Role.ADMIN})
    edit_roles = frozenset({Role.ADMIN})
    action_roles = {
        "deactivate": frozenset({Role.ADMIN}),
        "mfa_reset_ask": frozenset({Role.ADMIN}),
        "mfa_reset_confirm": frozenset({Role.ADMIN}),
        "mfa_reset_cancel": frozenset({Role.ADMIN}),
    }

    column_list = [
        "email",
        "full_name",
        "roles",
        "active",
        "second_factor",
        "locked_until",
        "last_login_at",
        "created_at",
    ]
    column_details_list = column_list
    column_formatters = {"roles": _roles_badges, "second_factor": _second_factor}
    column_formatters_detail = column_formatters
    column_searchable_list = ["email", "full_name"]
    column_filters = ["active", "created_at", "last_login_at"]
    column_default_sort = "email"
    column_labels = {
        "email": _l("E-mail"),
        "full_name": _l("Name"),
        "roles": _l("Roles"),
        "active": _l("Active"),
        "second_factor": _l("Second factor"),
        "locked_until": _l("Locked until"),
        "last_login_at": _l("Last sign-in"),
        "created_at": _l("Created"),
    }
    export_roles = frozenset()

    form = StaffUserForm  # hand-written: every change goes through the services

    def edit_form(self, obj=None):
        form = super().edit_form(obj)
        form.email.render_kw = {"readonly": True}
        if not form.is_submitted():
            form.role_names.data = [r.value for r in obj.roles]
            form.expected_version.data = obj.version
        return form

    def create_model(self, form):
        try:
            staff = services.create_staff(
                email=form.email.data,
                full_name=form.full_name.data,
                roles=form.role_names.data,
                password=form.password.data or "",
                actor=current_user,
                now=utcnow(),
            )
            if not form.active.data:
                services.deactivate_staff(staff, actor=current_user, now=utcnow())
            db.session.commit()
        except services.StaffError as exc:
            db.session.rollback()
            flash(str(exc), "danger")
            return False
        return staff

    def update_model(self, form, model):
        try:
            services.update_staff(
                model,
                full_name=form.full_name.data,
                roles=form.role_names.data,
                active=form.active.data,
                new_password=form.password.data or None,
                expected_version=int(form.expected_version.data) if form.expected_version.data else None,
                actor=current_user,
                now=utcnow(),
            )
            db.session.commit()
        except (services.StaffError, ValueError) as exc:
            db.session.rollback()
            flash(str(exc) if isinstance(exc, services.StaffError) else _("Invalid form data."), "danger")
            return False
        return True

    @action(
        "deactivate", _l("Deactivate"), _l("Deactivate the selected staff accounts and end their sessions?")
    )
    def action_deactivate(self, ids):
        def deactivate(staff, *, actor, now):
            if staff.id == actor.id:
                raise services.StaffError(_("you cannot deactivate yourself"))
            services.deactivate_staff(staff, actor=actor, now=now)

        self.run_for_each(ids, deactivate, done=_("Deactivated"))

    # The second factor of a staff member who lost their phone: asked by one admin, confirmed by
    # another (four eyes), both audited; it is set up again at the next sign-in where required.
    @action(
        "mfa_reset_ask",
        _l("Ask to reset the second factor"),
        _l("Ask for the reset of the selected staff members' second factor? A second admin confirms it."),
    )
    def action_mfa_reset_ask(self, ids):
        self.run_for_each(ids, mfa.ask_reset, done=_("Reset asked"))

    @action(
        "mfa_reset_confirm",
        _l("Confirm the reset of the second factor"),
        _l("Remove the second factor of the selected staff members (asked by another admin)?"),
    )
    def action_mfa_reset_confirm(self, ids):
        self.run_for_each(ids, mfa.confirm_reset, done=_("Second factor reset"))

    @action("mfa_reset_cancel", _l("Cancel the reset of the second factor"))
    def action_mfa_reset_cancel(self, ids):
        self.run_for_each(ids, mfa.cancel_reset, done=_("Reset cancelled"))


def register(admin) -> None:
    admin.add_view(
        StaffUserAdmin(StaffUser, name=_l("Staff"), endpoint="staff", category=_l("Administration"))
    )
