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
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from vetting.models import DocumentKind
from vetting.workflow import RUBRIC, AttemptOutcome, B3Outcome, DocumentType, RejectionReason


class VersionedForm(FlaskForm):
    expected_version = HiddenField()


class TextForm(VersionedForm):
    text = TextAreaField("Text", validators=[DataRequired(), Length(max=2000)])


class AssignForm(FlaskForm):
    assignee = SelectField("Assign to", coerce=str, validators=[DataRequired()])


class IdentityForm(VersionedForm):
    document_type = SelectField(
        "Document", choices=[SelectChoice(t.value, t.value.replace("_", " ")) for t in DocumentType]
    )
    document_expiry = DateField("Expires on", validators=[InputRequired()])
    last4 = StringField(
        "Last 4 characters of its number",
        validators=[
            DataRequired(),
            Length(max=4, message="Only the last 4 characters, never the whole number."),
        ],
    )


class SiretForm(VersionedForm):
    active = RadioField(
        "Establishment", choices=[SelectChoice("1", "active"), SelectChoice("0", "closed or unknown")]
    )


class B3Form(VersionedForm):
    issue_date = DateField("Issue date of the extract", validators=[InputRequired()])
    outcome = RadioField("Outcome", choices=[SelectChoice(o.value, o.value) for o in B3Outcome])


class SkillsForm(VersionedForm):
    score = IntegerField(
        "Assessment score (0-100)",
        validators=[InputRequired(), NumberRange(0, 100, "A score is a whole number from 0 to 100.")],
    )
    trial_passed = BooleanField("Trial clean passed")


# One 1-5 mark per rubric item, added as fields named after the item.
for _item in RUBRIC:
    setattr(
        SkillsForm,
        _item,
        IntegerField(
            _item.replace("_", " ").capitalize(),
            validators=[InputRequired(), NumberRange(1, 5, "Each mark is a whole number from 1 to 5.")],
        ),
    )


class CompleteForm(VersionedForm):
    outcome = RadioField("Outcome", choices=[SelectChoice("pass", "pass"), SelectChoice("fail", "fail")])
    notes = TextAreaField("Notes", validators=[Optional(), Length(max=2000)])


class ReferenceForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    relationship = StringField("Relationship", validators=[DataRequired(), Length(max=100)])
    phone = StringField("Phone", validators=[Optional(), Length(max=40)])
    email = StringField("E-mail", validators=[Optional(), Length(max=254)])


class AttemptForm(FlaskForm):
    number = HiddenField()
    outcome = SelectField(
        "Outcome", choices=[SelectChoice(o.value, o.value.replace("_", " ")) for o in AttemptOutcome]
    )
    note = StringField("Note", validators=[Optional(), Length(max=500)])


class UploadForm(FlaskForm):
    kind = SelectField(
        "Document",
        choices=[
            SelectChoice(DocumentKind.IDENTITY.value, "identity document"),
            SelectChoice("certification", "certification"),
        ],
    )
    file = FileField("File (PDF, JPEG or PNG, at most 10 MB)", validators=[FileRequired("Choose a file.")])


class RejectForm(VersionedForm):
    reason = SelectField(
        "Reason",
        choices=[
            SelectChoice("", "choose a reason…"),
            *(SelectChoice(r.value, r.value.replace("_", " ")) for r in RejectionReason),
        ],
        validators=[DataRequired("Choose a reason for the rejection.")],
    )
    statement = TextAreaField(
        "Statement of reasons sent to the applicant (generic wording is used for the criminal record)",
        validators=[Optional(), Length(max=2000)],
    )
