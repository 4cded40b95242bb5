"""The staff member's own profile: the language the console speaks to them."""

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
from console.auth import services
from console.db import db, utcnow
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
        return self.render("auth/profile.html", form=form)


def register(admin) -> None:
    admin.add_view(ProfileView(name=_l("My profile"), endpoint="profile", url="/profile"))
