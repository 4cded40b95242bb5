"""Sign-in and sign-out pages."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Length

from console.access import ALL_ROLES, public, roles_required
from console.auth import mfa, services
from console.auth.models import StaffUser
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
            if isinstance(signed_in, services.SecondFactorDue):
                db.session.commit()
                session.clear()
                session[PENDING] = {
                    "staff": signed_in.staff.id,
                    "at": utcnow().timestamp(),
                    "next": safe_next(request.args.get("next")),
                }
                return redirect(url_for(".second_factor" if signed_in.enrolled else ".enrol"))
            return _signed_in(signed_in, safe_next(request.args.get("next")))
    elif request.method == "POST":
        flash(str(GENERIC_FAILURE) if form.errors else _("Please fill in both fields."), "danger")
        status = 400
    return render_template("auth/login.html", form=form), status


PENDING = "second_factor_pending"
DEVICE_COOKIE = "ekoklean_device"
DEVICE_COOKIE_DAYS = 400


class CodeForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=40)])


def _signed_in(signed_in, next_url: str | None, *, page=None):
    """Finish signing in: the Flask session, the browser's device cookie (and the e-mail when the
    browser is new), then the next page or `page`."""
    session.clear()  # no fixation: a fresh cookie session for the signed-in user
    login_user(signed_in.staff)
    device, _new = mfa.note_device(
        signed_in.staff,
        request.cookies.get(DEVICE_COOKIE),
        user_agent=request.user_agent.string,
        ip=request.remote_addr or "unknown",
        now=utcnow(),
    )
    db.session.commit()
    response = make_response(page) if page is not None else redirect(next_url or home_url())
    response.set_cookie(
        DEVICE_COOKIE,
        device,
        max_age=DEVICE_COOKIE_DAYS * 86_400,
        httponly=True,
        secure=current_app.config["SESSION_COOKIE_SECURE"],
        samesite="Lax",
    )
    return response


def _pending():
    """The staff member who gave the right password a few minutes ago, or None."""
    pending = session.get(PENDING) or {}
    at = pending.get("at")
    if not at or utcnow().timestamp() - at > mfa.PENDING_MINUTES * 60:
        return None
    staff = db.session.get(StaffUser, pending.get("staff"))
    return staff if staff is not None and staff.active else None


def _start_again():
    session.pop(PENDING, None)
    flash(_("Sign in again: the time to give the second factor ran out."), "warning")
    return redirect(url_for("auth.login"))


@bp.route("/login/code", methods=["GET", "POST"])
@public
def second_factor():
    staff = _pending()
    if staff is None:
        return _start_again()
    form, status = CodeForm(), 200
    if form.validate_on_submit():
        try:
            signed_in = services.pass_second_factor(
                staff,
                code=form.code.data,
                ip=request.remote_addr or "unknown",
                user_agent=request.user_agent.string,
                now=utcnow(),
            )
        except services.LoginRefused as refused:
            db.session.commit()  # counted toward the lockout
            if refused.reason in ("locked", "locked_now", "inactive"):
                session.pop(PENDING, None)
                flash(str(GENERIC_FAILURE), "danger")
                return redirect(url_for("auth.login")), 302
            flash(
                _("This code is not valid. Type the code your app shows now, or a recovery code."), "danger"
            )
            status = 401
        else:
            return _signed_in(signed_in, session.get(PENDING, {}).get("next"))
    return render_template("auth/second_factor.html", form=form), status


@bp.route("/login/enrol", methods=["GET", "POST"])
@public
def enrol():
    staff = _pending()
    if staff is None:
        return _start_again()
    if mfa.is_enrolled(staff):
        return redirect(url_for(".second_factor"))
    form, status = CodeForm(), 200
    if form.validate_on_submit():
        try:
            signed_in, codes = services.enrol_at_sign_in(
                staff,
                code=form.code.data,
                ip=request.remote_addr or "unknown",
                user_agent=request.user_agent.string,
                now=utcnow(),
            )
        except services.LoginRefused as refused:
            db.session.commit()
            if refused.reason in ("locked", "locked_now", "inactive"):
                session.pop(PENDING, None)
                flash(str(GENERIC_FAILURE), "danger")
                return redirect(url_for("auth.login")), 302
            flash(_("This code is not the one your app shows now. Check the time of your phone."), "danger")
            status = 401
        else:
            next_url = session.get(PENDING, {}).get("next") or home_url()
            page = render_template("auth/recovery_codes.html", codes=codes, next_url=next_url)
            return _signed_in(signed_in, next_url, page=page)
    enrolment = mfa.start_enrolment(staff, now=utcnow())
    db.session.commit()
    secret, _uri, qr = mfa.provisioning(staff, enrolment)
    return render_template("auth/enrol.html", form=form, secret=secret, qr=qr, required=True), status


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
