"""Form helpers shared by every package's views: translated validator messages, one-line errors."""

from __future__ import annotations

from wtforms.validators import StopValidation, ValidationError

from console.domain import _


def translated(validator):
    """`validator` with its lazy message turned into text when it fails (Flask-Admin shows only text
    errors, and the flashed summaries join them)."""

    def check(form, field):
        try:
            validator(form, field)
        except (StopValidation, ValidationError) as exc:
            raise type(exc)(str(exc.args[0]) if exc.args else "") from exc

    check.field_flags = getattr(validator, "field_flags", {})
    return check


def form_errors(form) -> str:
    """What was wrong with a submitted form, in one line for a flash message (nothing was saved)."""
    if "csrf_token" in form.errors:
        return _("The form expired; reload the page and try again. Nothing was saved.")
    messages = [
        _("%(field)s: %(error)s", field=getattr(form, name).label.text, error=errors[0])
        for name, errors in form.errors.items()
    ]
    return _("Nothing was saved. %(details)s", details="; ".join(messages) or _("The form was incomplete."))
