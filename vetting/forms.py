"""The forms of the case page. Each carries a CSRF token and the version it was read at.

There is no field for the criminal-record extract itself: only its issue date and outcome.
"""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    Length,
    NumberRange,
    Optional,
)

from console.domain import _
from console.forms import translated
from console.i18n import lazy_gettext as _l
from vetting.background import BackgroundFailure
from vetting.models import DocumentKind
from vetting.workflow import (
    RUBRIC,
    AttemptOutcome,
    B3Outcome,
    DocumentType,
    RejectionReason,
    rubric_label,
)


class VersionedForm(FlaskForm):
    expected_version = HiddenField()


class TextForm(VersionedForm):
    text = TextAreaField(_l("Text"), validators=[DataRequired(), Length(max=2000)])


class AssignForm(FlaskForm):
    assignee = SelectField(_l("Assign to"), coerce=str, validators=[DataRequired()])


class CheckForm(VersionedForm):
    """What every check's form ends with: the outcome (the button pressed) and its words."""

    outcome = StringField(_l("Outcome"))
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=2000)])
    provider_request = TextAreaField(
        _l("What we need from the provider (sent to them)"), validators=[Optional(), Length(max=500)]
    )


class BackgroundCheckForm(CheckForm):
    """The whole background check: identity document, SIRET, criminal-record extract viewed."""

    document_type = SelectField(
        _l("Identity document"),
        choices=lambda: [
            SelectChoice("", _("choose the document…")),
            *(SelectChoice(t.value, t.label) for t in DocumentType),
        ],
        validators=[Optional()],
    )
    document_expiry = DateField(_l("Expires on"), validators=[Optional()])
    last4 = StringField(
        _l("Last 4 characters of its number"),
        validators=[
            Optional(),
            translated(Length(max=4, message=_l("Only the last 4 characters, never the whole number."))),
        ],
    )
    siret_active = RadioField(
        _l("Establishment"),
        choices=[SelectChoice("1", _l("active")), SelectChoice("0", _l("closed or unknown"))],
        validators=[Optional()],
    )
    b3_issue_date = DateField(_l("Issue date of the extract"), validators=[Optional()])
    b3_outcome = RadioField(
        _l("Extract"),
        choices=lambda: [SelectChoice(o.value, o.label) for o in B3Outcome],
        validators=[Optional()],
    )
    failure_reason = SelectField(
        _l("Reason for failing"),
        choices=lambda: [
            SelectChoice("", _("Choose the reason for failing…")),
            *(SelectChoice(r.value, r.label) for r in BackgroundFailure),
        ],
        validate_choice=False,
    )


class SkillsCheckForm(CheckForm):
    score = IntegerField(
        _l("Assessment score (0-100)"),
        validators=[
            Optional(),
            translated(NumberRange(0, 100, _l("A score is a whole number from 0 to 100."))),
        ],
    )
    trial_passed = BooleanField(_l("Trial clean passed"))


for _item in RUBRIC:
    setattr(
        SkillsCheckForm,
        _item,
        IntegerField(
            _l(rubric_label(_item)),
            validators=[
                Optional(),
                translated(NumberRange(1, 5, _l("Each mark is a whole number from 1 to 5."))),
            ],
        ),
    )


class ReferencesCheckForm(CheckForm):
    """The references check: the outcome, and the contact attempts made (`attempt-<reference id>`)."""


CHECK_FORMS = {
    "background": BackgroundCheckForm,
    "skills": SkillsCheckForm,
    "references": ReferencesCheckForm,
}


class ReferenceForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    relationship = StringField(_l("Relationship"), validators=[DataRequired(), Length(max=100)])
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=40)])
    email = StringField(_l("E-mail"), validators=[Optional(), Length(max=254)])


class AttemptForm(FlaskForm):
    number = HiddenField()
    outcome = SelectField(
        _l("Outcome"), choices=lambda: [SelectChoice(o.value, o.label) for o in AttemptOutcome]
    )
    note = StringField(_l("Note"), validators=[Optional(), Length(max=500)])


class UploadForm(FlaskForm):
    kind = SelectField(_l("Document"), choices=lambda: [SelectChoice(k.value, k.label) for k in DocumentKind])
    file = FileField(
        _l("File (PDF, JPEG or PNG, at most 10 MB)"),
        validators=[translated(FileRequired(_l("Choose a file.")))],
    )


class RejectForm(VersionedForm):
    reason = SelectField(
        _l("Reason"),
        choices=lambda: [
            SelectChoice("", _("choose a reason…")),
            *(SelectChoice(r.value, r.label) for r in RejectionReason),
        ],
        validators=[translated(DataRequired(_l("Choose a reason for the rejection.")))],
    )
    statement = TextAreaField(
        _l("Statement of reasons sent to the applicant (generic wording is used for the criminal record)"),
        validators=[Optional(), Length(max=2000)],
    )
