"""Domain errors and the error pages: every failure gets a clear answer, never a bare 500."""

from __future__ import annotations

import logging

from flask import Flask, current_app, flash, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DataError, InterfaceError, OperationalError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from console.db import db, discard_session, is_write_conflict
from console.i18n import gettext as _

log = logging.getLogger(__name__)


def _page(status: int, title: str, message: str):
    return render_template("errors/error.html", status=status, title=title, message=message), status


def init_app(app: Flask) -> None:
    """Answer every failure with a page that says what happened and that nothing was half-saved."""
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(403, _forbidden)
    app.register_error_handler(404, _not_found)
    app.register_error_handler(405, _method_not_allowed)
    app.register_error_handler(413, _too_large)
    app.register_error_handler(DataError, _bad_value)
    for database_error in (StaleDataError, OperationalError, InterfaceError):
        app.register_error_handler(database_error, _database_down)
    app.register_error_handler(Exception, _unexpected)
    # Registered after Flask-SQLAlchemy's own teardown, so it runs first and leaves that one nothing to do.
    app.teardown_appcontext(_remove_session_quietly)


def _csrf_error(exc: CSRFError):
    if request.endpoint == "auth.login":
        from console.auth.views import LoginForm  # late: avoid a cycle at import time

        flash(_("The sign-in form expired. Please try again."), "warning")
        return render_template("auth/login.html", form=LoginForm(formdata=None)), 400
    return _page(
        400,
        _("This form has expired"),
        _("The page was open too long or came from elsewhere. Go back, reload and try again."),
    )


def _forbidden(exc):
    return _page(
        403,
        _("Not allowed"),
        _("Your role does not give access to this page or action. Ask a manager or an admin if you need it."),
    )


def _not_found(exc):
    return _page(404, _("Not found"), _("There is nothing at this address."))


def _method_not_allowed(exc):
    return _page(405, _("Not allowed"), _("This address does not accept that kind of request."))


def _too_large(exc):
    limit = current_app.config["MAX_CONTENT_LENGTH"] // (1024 * 1024)
    return _page(
        413,
        _("Too large"),
        _("What you sent is larger than the %(limit)s MB limit. Nothing was saved.", limit=limit),
    )


def _bad_value(exc: DataError):
    log.warning("value refused by the database on %s: %s", request.path, exc.orig)
    _rollback_quietly()
    return _page(
        400,
        _("Value not accepted"),
        _("A value in the request is out of range or malformed. Nothing was saved."),
    )


def _database_down(exc: Exception):
    _rollback_quietly()
    if is_write_conflict(exc):
        return _page(
            409,
            _("Changed at the same time"),
            _(
                "Someone else changed this record at the same moment. Nothing of yours was saved; "
                "reload the page, check, and try again."
            ),
        )
    log.exception("database error")
    return _page(
        503,
        _("Database unavailable"),
        _("The database did not answer. Nothing was saved; try again in a moment."),
    )


def _unexpected(exc: Exception):
    if isinstance(exc, HTTPException):
        return exc
    log.exception("unhandled error on %s", request.path)
    _rollback_quietly()
    return _page(
        500,
        _("Something went wrong"),
        _("The error was logged and nothing was half-saved. Try again, or tell the team."),
    )


def _rollback_quietly() -> None:
    try:
        db.session.rollback()
    except Exception:  # the database may be the thing that is gone
        log.warning("rollback after error failed; dropping the connection", exc_info=True)
        discard_session()


def _remove_session_quietly(exc: BaseException | None) -> None:
    """End the request's session; a connection the database dropped must not turn the page already
    rendered into a bare 500 from the server."""
    try:
        db.session.remove()
    except Exception:
        log.warning("closing the session failed; dropping the connection", exc_info=True)
        discard_session()
        db.session.remove()
