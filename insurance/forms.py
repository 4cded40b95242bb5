"""RC Pro forms: registering a policy, deciding on its certificate."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, HiddenField, SelectMultipleField, StringField, TextAreaField, widgets
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError

from console import validation as v
from console.domain import _
from console.forms import translated
from console.i18n import lazy_gettext as _l
from console.money import AmountField
from marketplace.models import Provider, ServiceKind


class PolicyForm(FlaskForm):
    provider_reference = StringField(
        _l("Provider reference"),
        validators=[DataRequired(), Length(max=30)],
        description=_l("The provider's reference, e.g. PRV-000123 (shown on the provider's page)."),
    )
    insurer = StringField(_l("Insurer"), validators=[DataRequired(), Length(max=120)])
    policy_number = StringField(_l("Policy number"), validators=[DataRequired(), Length(max=60)])
    insured_name = StringField(
        _l("Insured name (as on the certificate)"), validators=[DataRequired(), Length(max=200)]
    )
    insured_siret = StringField(_l("Insured SIRET"), validators=[DataRequired(), Length(max=20)])
    activities = SelectMultipleField(
        _l("Activities covered"),
        choices=lambda: [SelectChoice(s.value, s.label) for s in ServiceKind],
        widget=widgets.ListWidget(prefix_label=False),
        option_widget=widgets.CheckboxInput(),
    )
    coverage = AmountField(_l("Coverage per claim (EUR)"), allow_zero=False)
    deductible = AmountField(_l("Deductible (EUR)"), allow_zero=True)
    starts_on = DateField(_l("Cover starts on"), validators=[InputRequired()])
    ends_on = DateField(_l("Cover ends on (last day covered)"), validators=[InputRequired()])
    certificate = FileField(
        _l("Certificate (PDF, JPEG or PNG)"),
        validators=[translated(FileRequired(_l("Attach the insurer's certificate.")))],
    )

    def validate_provider_reference(self, field) -> None:
        if v.parse_reference(field.data, Provider.REFERENCE_PREFIX) is None:
            raise ValidationError(_("Enter a provider reference such as PRV-000123."))

    def validate_ends_on(self, field) -> None:
        if self.starts_on.data and field.data and field.data < self.starts_on.data:
            raise ValidationError(_("The end date is before the start date."))


# Service field names that differ from the form's.
FORM_FIELDS = {
    "siret": "insured_siret",
    "coverage_per_claim_cents": "coverage",
    "deductible_cents": "deductible",
}


def field_error(form, name: str, message: str) -> None:
    field = getattr(form, FORM_FIELDS.get(name, name), None)
    if field is not None:
        field.errors = [*field.errors, message]


class DecisionForm(FlaskForm):
    expected_version = HiddenField()


class VerifyForm(DecisionForm):
    # Only when no certificate was uploaded: the officer states they saw it elsewhere, and where.
    without_certificate = HiddenField()
    seen_elsewhere = TextAreaField(
        _l("Where and how (the insurer's portal, the original shown in person…)"),
        validators=[Length(max=500)],
    )


class RejectForm(DecisionForm):
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=1000)])
