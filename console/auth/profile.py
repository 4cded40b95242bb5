"""The staff member's own profile: the language the console speaks to them, and their second factor."""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask_admin import expose
from flask_babel import refresh
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import SelectField
from wtforms.fields.choices import SelectChoice

from console.access import ALL_ROLES
from console.admin_base import ConsoleBaseView
from console.auth import mfa, services
from console.auth.views import CodeForm
from console.db import db, utcnow
from console.domain import DomainError
from console.formatting import supported_language
from console.i18n import gettext as _
from console.i18n import lazy_gettext as _l

LANGUAGE_CHOICES = [SelectChoice("fr", "Français"), SelectChoice("en", "English")]


class LanguageForm(FlaskForm):
    language = SelectField(_l("Language of the console"), choices=LANGUAGE_CHOICES)


class ProfileView(ConsoleBaseView):
    roles = ALL_ROLES
    on_home = False  # reached from the person's name in the navigation bar, not a role's screen

    def is_visible(self) -> bool:
        return False  # the navigation bar has its own "My profile" link

    @expose("/", methods=["GET", "POST"])
    def index(self):
        form = LanguageForm(language=supported_language(current_user.language))
        if form.validate_on_submit():
            try:
                services.set_language(current_user, form.language.data, now=utcnow())
            except services.StaffError as exc:
                flash(str(exc), "danger")
            else:
                db.session.commit()
                refresh()  # the rest of this request (the message below) in the new language
                flash(_("Your language is saved."), "success")
                return redirect(url_for(".index"))
        return self.render(
            "auth/profile.html",
            form=form,
            enrolled=mfa.is_enrolled(current_user),
            required=mfa.is_required(current_user),
            codes_left=mfa.recovery_codes_left(current_user),
        )

    @expose("/second-factor", methods=["GET", "POST"])
    def second_factor(self):
        """Optional for roles that do not require it: set up the second factor from here; it is
        asked from the next sign-in on."""
        if mfa.is_enrolled(current_user):
            return redirect(url_for(".index"))
        form = CodeForm()
        if form.validate_on_submit():
            try:
                codes = mfa.confirm_enrolment(current_user, form.code.data, now=utcnow())
            except DomainError as exc:
                db.session.rollback()
                flash(str(exc), "danger")
            else:
                db.session.commit()
                return self.render("auth/profile_codes.html", codes=codes)
        enrolment = mfa.start_enrolment(current_user, now=utcnow())
        db.session.commit()
        secret, _uri, qr = mfa.provisioning(current_user, enrolment)
        return self.render("auth/profile_enrol.html", form=form, secret=secret, qr=qr)


def register(admin) -> None:
    admin.add_view(ProfileView(name=_l("My profile"), endpoint="profile", url="/profile"))
