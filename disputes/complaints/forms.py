"""The support screens' forms (complaints, canned replies) and their shared helpers."""

from __future__ import annotations

from flask_babel import LazyString
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from console import validation as v
from console.admin_base import EnumEqual, EnumNotEqual, parse_id
from console.domain import _
from console.i18n import lazy_gettext as _l
from console.submissions import token_field
from disputes.complaints import workflow as wf
from disputes.complaints.models import EntryKind
from disputes.complaints.workflow import Category, Channel, Severity, Then
from marketplace.models import Booking, Client, Provider


def _choices(enum_cls, members=None) -> list[SelectChoice]:
    """The enum's members as choices, labelled in the reader's language (each member's `label`)."""
    return [SelectChoice(m.value, LazyString(lambda m=m: m.label)) for m in members or enum_cls]


def enum_label(view, context, model, name) -> str:
    """A list or details column showing an enum by its label ("En attente du client")."""
    value = getattr(model, name)
    return value.label if value is not None else ""


def enum_filters(column, name, enum_cls) -> list:
    """Equal / not-equal filters on an enum column, the options labelled in the reader's language."""
    options = [(m.value, LazyString(lambda m=m: m.label)) for m in enum_cls]
    return [EnumEqual(column, name, options=options), EnumNotEqual(column, name, options=options)]


class ComplaintForm(FlaskForm):
    client_reference = StringField(
        _l("Client reference"),
        validators=[DataRequired(), Length(max=30)],
        description=_l("e.g. CLI-0001234"),
    )
    booking_reference = StringField(
        _l("Booking reference (optional)"),
        validators=[Optional(), Length(max=30)],
        description=_l("e.g. BKG-0001234; the booking fills in the provider"),
    )
    provider_reference = StringField(
        _l("Provider reference (optional, without a booking)"), validators=[Optional(), Length(max=30)]
    )
    channel = SelectField(_l("Channel"), choices=_choices(Channel))
    category = SelectField(
        _l("Category"),
        choices=_choices(Category),
        description=_l(
            "The severity follows from the category; it can be changed afterwards, with a reason."
        ),
    )
    subject = StringField(_l("Subject"), validators=[DataRequired(), Length(max=wf.SUBJECT_MAX)])
    description = TextAreaField(
        _l("What the client reports"), validators=[DataRequired(), Length(max=wf.BODY_MAX)]
    )

    def validate_client_reference(self, field) -> None:
        if v.parse_reference(field.data, Client.REFERENCE_PREFIX) is None:
            raise ValidationError(_("Enter a client reference such as CLI-0001234."))

    def validate_booking_reference(self, field) -> None:
        if field.data and v.parse_reference(field.data, Booking.REFERENCE_PREFIX) is None:
            raise ValidationError(_("Enter a booking reference such as BKG-0001234."))

    def validate_provider_reference(self, field) -> None:
        if field.data and v.parse_reference(field.data, Provider.REFERENCE_PREFIX) is None:
            raise ValidationError(_("Enter a provider reference such as PRV-000123."))


class VersionForm(FlaskForm):
    expected_version = HiddenField()

    @property
    def version(self) -> int:
        return parse_id(self.expected_version.data) or -1  # a missing version counts as stale


class SeverityForm(VersionForm):
    severity = SelectField(_l("Severity"), choices=_choices(Severity))
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=wf.REASON_MAX)])


class AssignForm(VersionForm):
    assignee_id = StringField(validators=[Optional(), Length(max=12)])


class EntryForm(FlaskForm):
    kind = SelectField(
        _l("Kind"),
        choices=_choices(EntryKind, (EntryKind.NOTE, EntryKind.TO_CLIENT, EntryKind.TO_PROVIDER)),
    )
    body = TextAreaField(_l("Text"), validators=[DataRequired(), Length(max=wf.BODY_MAX)])
    then = StringField(validators=[Optional(), Length(max=30)])  # which send button was pressed
    macro_id = StringField(validators=[Optional(), Length(max=12)])
    submission_token = token_field()  # a double click adds one note


class TransitionForm(VersionForm):
    event = StringField(validators=[DataRequired(), Length(max=30)])
    reason = StringField(validators=[Optional(), Length(max=wf.REASON_MAX)])


class MacroForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=120)])
    body = TextAreaField(
        _l("Text of the reply"),
        validators=[DataRequired(), Length(max=wf.BODY_MAX)],
        description=_l(
            "Placeholders: {prenom} the client's first name, {client} their full name, {reference} "
            "the complaint's reference, {echeance} its resolution deadline, {agent} your name."
        ),
    )
    recipient = SelectField(
        _l("Written to"),
        choices=_choices(EntryKind, (EntryKind.TO_CLIENT, EntryKind.TO_PROVIDER, EntryKind.NOTE)),
    )
    then = SelectField(
        _l("Button offered"), choices=_choices(Then), description=_l("The agent still presses it.")
    )
    set_category = SelectField(
        _l("Set the category"), choices=[SelectChoice("", _l("(unchanged)")), *_choices(Category)], default=""
    )
    set_severity = SelectField(
        _l("Set the severity"), choices=[SelectChoice("", _l("(unchanged)")), *_choices(Severity)], default=""
    )
    note = TextAreaField(
        _l("Internal note added (optional)"), validators=[Optional(), Length(max=wf.BODY_MAX)]
    )
    active = BooleanField(_l("Offered to the agents"), default=True)
    shared = BooleanField(
        _l("Shared with the whole team"),
        default=True,
        description=_l("Managers only; an agent's macros are their own."),
    )


class SaveViewForm(FlaskForm):
    name = StringField(_l("Name of the view"), validators=[DataRequired(), Length(max=60)])
    queue = StringField(validators=[Optional(), Length(max=40)])
    query = StringField(validators=[Optional(), Length(max=2000)])


class DeleteViewForm(FlaskForm):
    queue = StringField(validators=[Optional(), Length(max=40)])
