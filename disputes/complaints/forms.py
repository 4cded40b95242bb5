"""The support screens' forms (complaints, canned replies) and their shared helpers."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from console import validation as v
from console.admin_base import parse_id
from disputes.complaints import workflow as wf
from disputes.complaints.models import EntryKind
from disputes.complaints.workflow import Category, Channel, Severity
from marketplace.models import Booking, Client, Provider


def _choices(enum_cls) -> list[SelectChoice]:
    return [SelectChoice(m.value, m.value.replace("_", " ").capitalize()) for m in enum_cls]


class ComplaintForm(FlaskForm):
    client_reference = StringField(
        "Client reference", validators=[DataRequired(), Length(max=30)], description="e.g. CLI-0001234"
    )
    booking_reference = StringField(
        "Booking reference (optional)",
        validators=[Optional(), Length(max=30)],
        description="e.g. BKG-0001234; the booking fills in the provider",
    )
    provider_reference = StringField(
        "Provider reference (optional, without a booking)", validators=[Optional(), Length(max=30)]
    )
    channel = SelectField("Channel", choices=_choices(Channel))
    category = SelectField(
        "Category",
        choices=_choices(Category),
        description="The severity follows from the category; it can be changed afterwards, with a reason.",
    )
    subject = StringField("Subject", validators=[DataRequired(), Length(max=wf.SUBJECT_MAX)])
    description = TextAreaField(
        "What the client reports", validators=[DataRequired(), Length(max=wf.BODY_MAX)]
    )

    def validate_client_reference(self, field) -> None:
        if v.parse_reference(field.data, Client.REFERENCE_PREFIX) is None:
            raise ValidationError("Enter a client reference such as CLI-0001234.")

    def validate_booking_reference(self, field) -> None:
        if field.data and v.parse_reference(field.data, Booking.REFERENCE_PREFIX) is None:
            raise ValidationError("Enter a booking reference such as BKG-0001234.")

    def validate_provider_reference(self, field) -> None:
        if field.data and v.parse_reference(field.data, Provider.REFERENCE_PREFIX) is None:
            raise ValidationError("Enter a provider reference such as PRV-000123.")


class VersionForm(FlaskForm):
    expected_version = HiddenField()

    @property
    def version(self) -> int:
        return parse_id(self.expected_version.data) or -1  # a missing version counts as stale


class TransitionForm(VersionForm):
    event = StringField(validators=[DataRequired(), Length(max=30)])


class SeverityForm(VersionForm):
    severity = SelectField("Severity", choices=_choices(Severity))
    reason = TextAreaField("Reason", validators=[DataRequired(), Length(max=wf.REASON_MAX)])


class AssignForm(VersionForm):
    assignee_id = StringField(validators=[Optional(), Length(max=12)])


class EntryForm(FlaskForm):
    kind = SelectField(
        "Kind",
        choices=[
            SelectChoice(EntryKind.NOTE.value, "Internal note (never sent)"),
            SelectChoice(EntryKind.TO_CLIENT.value, "Message to the client"),
            SelectChoice(EntryKind.TO_PROVIDER.value, "Message to the provider"),
        ],
    )
    body = TextAreaField("Text", validators=[DataRequired(), Length(max=wf.BODY_MAX)])


class MacroForm(FlaskForm):
    title = StringField("Title", validators=[DataRequired(), Length(max=120)])
    body = TextAreaField("Text of the reply", validators=[DataRequired(), Length(max=wf.BODY_MAX)])
    active = BooleanField("Offered to the agents", default=True)


def form_errors(form) -> str:
    """The first error of each field, in one line for a flash message."""
    messages = [f"{getattr(form, name).label.text}: {errors[0]}" for name, errors in form.errors.items()]
    return "; ".join(messages) or "The form was incomplete; reload the page and try again."
