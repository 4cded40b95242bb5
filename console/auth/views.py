"""Sign-in and sign-out pages."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, Length

from console.access import ALL_ROLES, public, roles_required
from console.auth import services
from console.db import db, utcnow
from console.extensions import login_manager
from console.i18n import gettext as _
from console.i18n import lazy_gettext as _l

bp = Blueprint("auth", __name__)

GENERIC_FAILURE = _l("Sign-in failed. Check your e-mail and password, or try again in 15 minutes.")
EXPIRED_MESSAGES = {
    "idle_timeout": _l("You were signed out after 30 minutes without activity."),
    "absolute_timeout": _l("Your session reached its 12-hour limit. Please sign in again."),
    "deactivated": _l("Your session has ended."),
    "password_changed": _l("Your session has ended."),
}


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=256)])


@login_manager.user_loader
def load_staff(token: str):
    """Resolve the cookie's session token against the server-side session table."""
    staff, reason = services.resume_session(token, now=utcnow())
    # Session bookkeeping (last seen, expiry) is saved before the request's own work starts.
    db.session.commit()
    if staff is None and reason in EXPIRED_MESSAGES:
        session.pop("_user_id", None)
        flash(str(EXPIRED_MESSAGES[reason]), "warning")
    return staff


def safe_next(target: str | None) -> str | None:
    """Accept only a path on this site as the place to go after signing in."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or any(ord(c) < 32 for c in target):
        return None
    return target


def home_url() -> str:
    """Where a signed-in staff member lands: the console home, which shows their own queues."""
    return url_for("admin.index")


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    if current_user.is_authenticated:
        return redirect(home_url())
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        try:
            signed_in = services.authenticate(
                email=form.email.data,
                password=form.password.data,
                ip=request.remote_addr or "unknown",
                user_agent=request.user_agent.string,
                now=utcnow(),
            )
        except services.LoginRefused:
            db.session.commit()  # failures count towards the limits
            flash(str(GENERIC_FAILURE), "danger")
            status = 401
        else:
            session.clear()  # no fixation: a fresh cookie session for the signed-in user
            login_user(signed_in.staff)
            db.session.commit()
            return redirect(safe_next(request.args.get("next")) or home_url())
    elif request.method == "POST":
        flash(str(GENERIC_FAILURE) if form.errors else _("Please fill in both fields."), "danger")
        status = 400
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
@roles_required(*ALL_ROLES)
def logout():
    services.end_session(current_user.get_id(), reason="logout", now=utcnow())
    db.session.commit()
    logout_user()
    session.clear()
    flash(_("You are signed out."), "info")
    return redirect(url_for("auth.login"))


def init_app(app) -> None:
    login_manager.init_app(app)
    login_manager.session_protection = "basic"
    login_manager.login_view = "auth.login"
    app.register_blueprint(bp)
