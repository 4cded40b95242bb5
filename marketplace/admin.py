"""Provider, client, booking and review screens."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask import abort, flash, redirect
from flask_admin import expose
from flask_admin.contrib.sqla.filters import BaseSQLAFilter
from flask_login import current_user
from flask_wtf import FlaskForm
from markupsafe import Markup
from sqlalchemy.orm import selectinload
from wtforms import BooleanField, HiddenField, SelectMultipleField, StringField, widgets
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from console import validation as v
from console.admin_base import ConsoleModelView, parse_id
from console.db import db, utcnow
from console.domain import DomainError, Role
from console.i18n import gettext as _
from console.i18n import lazy_gettext as _l
from console.timeline import provider_timeline
from marketplace import consents, services
from marketplace.models import Booking, Client, Provider, ServiceKind

VETTING, SUPPORT, MANAGER = Role.VETTING_OFFICER, Role.SUPPORT_AGENT, Role.MANAGER


def eligibility_badge(provider: Provider) -> Markup:
    """'Bookable' or 'Not bookable' with the reasons; used on every provider screen."""
    if provider.is_bookable:
        return Markup('<span class="badge badge-success" data-testid="eligibility">{}</span>').format(
            _("Bookable")
        )
    reasons = "; ".join(provider.not_bookable_reasons)
    return Markup('<span class="badge badge-danger" data-testid="eligibility" title="{}">{}</span>').format(
        reasons, _("Not bookable: %(reasons)s", reasons=reasons)
    )


def _badge(view, context, model, name) -> Markup:
    return eligibility_badge(model)


def _reference(view, context, model, name) -> str:
    return model.reference


def _price(view, context, model, name) -> str:
    return model.price


def _services(view, context, model, name) -> str:
    return ", ".join(ServiceKind(s).label for s in model.services or [])


class BookableFilter(BaseSQLAFilter):
    """Providers that clients can (or cannot) book right now."""

    def __init__(self):
        super().__init__(Provider.id, _l("Bookable"), options=(("1", _l("Yes")), ("0", _l("No"))))

    def apply(self, query, value, alias=None):
        return query.filter(Provider.is_bookable if value == "1" else ~Provider.is_bookable)

    def operation(self):
        return _l("is")


class ProviderForm(FlaskForm):
    legal_name = StringField(_l("Legal name"), validators=[DataRequired(), Length(max=v.NAME_MAX)])
    trade_name = StringField(_l("Trade name"), validators=[Optional(), Length(max=v.NAME_MAX)])
    siret = StringField(_l("SIRET"), validators=[DataRequired(), Length(max=20)])
    email = StringField(_l("E-mail"), validators=[DataRequired(), Length(max=254)])
    phone = StringField(_l("Phone"), validators=[DataRequired(), Length(max=40)])
    address_line = StringField(_l("Address"), validators=[DataRequired(), Length(max=v.ADDRESS_MAX)])
    postcode = StringField(_l("Postcode"), validators=[DataRequired(), Length(max=5)])
    city = StringField(_l("City"), validators=[DataRequired(), Length(max=v.CITY_MAX)])
    services = SelectMultipleField(
        _l("Services offered"),
        choices=lambda: [SelectChoice(s.value, s.label) for s in ServiceKind],
        widget=widgets.ListWidget(prefix_label=False),
        option_widget=widgets.CheckboxInput(),
    )
    expected_version = HiddenField()


class ClientForm(FlaskForm):
    full_name = StringField(_l("Name"), validators=[DataRequired(), Length(max=v.NAME_MAX)])
    email = StringField(_l("E-mail"), validators=[DataRequired(), Length(max=254)])
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=40)])
    postcode = StringField(_l("Postcode"), validators=[Optional(), Length(max=5)])
    city = StringField(_l("City"), validators=[Optional(), Length(max=v.CITY_MAX)])
    consent_marketing_email = BooleanField(_l("Agrees to marketing e-mails"))
    consent_marketing_sms = BooleanField(_l("Agrees to marketing text messages"))
    consent_partner_sharing = BooleanField(_l("Agrees to sharing with partners"))
    expected_version = HiddenField()


class ServiceFormMixin:
    """Create/edit through a hand-written form and a service; field errors go back to the form."""

    fields: tuple[str, ...] = ()

    def _save(self, form, save):
        try:
            obj = save({name: getattr(form, name).data for name in self.fields})
            db.session.commit()
            return obj
        except v.InvalidField as exc:
            db.session.rollback()
            field = getattr(form, exc.field, None)
            if field is not None:
                field.errors = [*field.errors, str(exc)]
            flash(str(exc), "danger")
        except DomainError as exc:
            db.session.rollback()
            flash(str(exc), "danger")
        except sa.exc.IntegrityError:  # a unique key taken at the same moment by someone else
            db.session.rollback()
            flash(
                _(
                    "Someone registered the same SIRET at the same moment. Nothing was saved; "
                    "search for it before trying again."
                ),
                "danger",
            )
        return False

    def edit_form(self, obj=None):
        form = super().edit_form(obj)
        if not form.is_submitted():
            form.expected_version.data = obj.version
        return form

    @staticmethod
    def _version(form) -> int:
        return parse_id(form.expected_version.data) or -1  # a missing version counts as stale


class ProviderAdmin(ServiceFormMixin, ConsoleModelView):
    access_kind = "provider"
    roles = frozenset({VETTING, SUPPORT, MANAGER})
    create_roles = edit_roles = frozenset({VETTING, MANAGER})
    export_roles = frozenset({MANAGER})
    fields = services.PROVIDER_FIELDS + ("services",)

    column_list = [
        "id",
        "legal_name",
        "trade_name",
        "siret",
        "city",
        "postcode",
        "vetting_status",
        "bookable",
        "joined_on",
    ]
    column_details_list = [
        "id",
        "legal_name",
        "trade_name",
        "siret",
        "email",
        "phone",
        "address_line",
        "postcode",
        "city",
        "services",
        "joined_on",
        "vetting_status",
        "bookable",
        "created_at",
    ]
    column_export_list = [
        "id",
        "legal_name",
        "trade_name",
        "siret",
        "city",
        "postcode",
        "vetting_status",
        "joined_on",
    ]
    column_labels = {
        "id": _l("Reference"),
        "legal_name": _l("Legal name"),
        "trade_name": _l("Trade name"),
        "email": _l("E-mail"),
        "phone": _l("Phone"),
        "city": _l("City"),
        "postcode": _l("Postcode"),
        "siret": _l("SIRET"),
        "services": _l("Services offered"),
        "vetting_status": _l("Vetting"),
        "bookable": _l("Bookable"),
        "address_line": _l("Address"),
        "joined_on": _l("Joined"),
        "created_at": _l("Created"),
    }
    column_formatters = {"id": _reference, "bookable": _badge, "services": _services}
    column_formatters_detail = column_formatters
    column_formatters_export = {"id": _reference}
    column_sortable_list = ["id", "legal_name", "city", "postcode", "joined_on"]
    column_default_sort = ("id", True)
    column_searchable_list = ["legal_name", "trade_name", "siret", "email", "city"]
    reference_searches = {"PRV": "id"}
    exact_searches = {"siret": "siret", "email": "email"}
    column_filters = ["vetting_status", "city", "postcode", "joined_on", BookableFilter()]
    form = ProviderForm
    edit_template = "console/provider_edit.html"
    details_template = "console/provider_details.html"

    def get_query(self):
        return super().get_query().options(selectinload(Provider.active_restrictions))

    def render(self, template, **kwargs):
        kwargs.setdefault("provider_timeline", provider_timeline)
        return super().render(template, **kwargs)

    def create_model(self, form):
        return self._save(
            form,
            lambda fields: services.create_provider(
                fields=fields, joined_on=date.today(), actor=current_user, now=utcnow()
            ),
        )

    def update_model(self, form, model):
        return bool(
            self._save(
                form,
                lambda fields: services.update_provider(
                    model,
                    fields=fields,
                    expected_version=self._version(form),
                    actor=current_user,
                    now=utcnow(),
                ),
            )
        )


class ConsentForm(FlaskForm):
    purpose = StringField(validators=[DataRequired(), Length(max=60)])
    given = StringField(validators=[DataRequired(), Length(max=10)])
    wording_version = StringField(validators=[Optional(), Length(max=40)])


class ClientAdmin(ServiceFormMixin, ConsoleModelView):
    access_kind = "client"
    details_template = "console/client_details.html"
    roles = create_roles = edit_roles = frozenset({SUPPORT, MANAGER})
    export_roles = frozenset()
    fields = services.CLIENT_FIELDS + services.CONSENTS

    column_list = ["id", "full_name", "email", "phone", "city", "created_at"]
    column_details_list = [
        "id",
        "full_name",
        "email",
        "phone",
        "postcode",
        "city",
        *services.CONSENTS,
        "consents_updated_at",
        "created_at",
    ]
    column_labels = {
        "id": _l("Reference"),
        "full_name": _l("Name"),
        "email": _l("E-mail"),
        "phone": _l("Phone"),
        "postcode": _l("Postcode"),
        "city": _l("City"),
        "consent_marketing_email": _l("Marketing e-mails"),
        "consent_marketing_sms": _l("Marketing texts"),
        "consent_partner_sharing": _l("Partner sharing"),
        "consents_updated_at": _l("Consents updated"),
        "created_at": _l("Created"),
    }
    column_formatters = {"id": _reference}
    column_formatters_detail = column_formatters
    column_sortable_list = ["id", "full_name", "created_at"]
    column_default_sort = ("id", True)
    column_searchable_list = ["full_name", "email"]
    reference_searches = {"CLI": "id"}
    exact_searches = {"email": "email"}
    column_filters = ["city", "created_at", *services.CONSENTS]
    form = ClientForm
    method_roles = {"consent": frozenset({SUPPORT, MANAGER})}

    def render(self, template, **kwargs):
        if template == self.details_template:
            kwargs.setdefault("consent_records_of", consents.records_of)
            kwargs.setdefault("consent_purposes", consents.PURPOSES)
            kwargs.setdefault("consent_label", consents.purpose_label)
            kwargs.setdefault("consent_source", consents.source_label)
            kwargs.setdefault("consent_wording", consents.SUPPORT_WORDING)
        return super().render(template, **kwargs)

    @expose("/consent/<int:client_id>", methods=("POST",))
    def consent(self, client_id: int):
        """Support records a consent the client gave or withdrew (by phone, in writing)."""
        form = ConsentForm()
        key = parse_id(client_id)
        client = db.session.get(Client, key) if key is not None else None
        if client is None:
            abort(404)
        back = redirect(self.get_url(".details_view", id=client_id) + "#consents")
        if not form.validate_on_submit():
            flash(_("The form has expired; try again."), "danger")
            return back
        recipient, _sep, purpose = (form.purpose.data or "").partition("/")
        try:
            record = consents.record_consent(
                client,
                recipient=recipient,
                purpose=purpose,
                given=form.given.data == "given",
                source="support",
                wording_version=form.wording_version.data,
                actor=current_user,
                now=utcnow(),
            )
        except DomainError as exc:
            db.session.rollback()
            flash(str(exc), "danger")
            return back
        db.session.commit()
        flash(
            _("Consent recorded.") if record is not None else _("Nothing to change: it was already so."),
            "success",
        )
        return back

    def create_model(self, form):
        return self._save(
            form, lambda fields: services.create_client(fields=fields, actor=current_user, now=utcnow())
        )

    def update_model(self, form, model):
        return bool(
            self._save(
                form,
                lambda fields: services.update_client(
                    model,
                    fields=fields,
                    expected_version=self._version(form),
                    actor=current_user,
                    now=utcnow(),
                ),
            )
        )


class BookingAdmin(ConsoleModelView):
    """Read-only: bookings come from the marketplace."""

    access_kind = "booking"

    roles = frozenset({SUPPORT, MANAGER})
    export_roles = frozenset()
    simple_list_pager = True  # two million rows: no count(*) per page
    column_list = [
        "id",
        "scheduled_start",
        "service",
        "client",
        "provider",
        "price",
        "status",
        "cancellation_terms_version",
    ]
    column_details_list = [*column_list, "duration_minutes", "created_at"]
    column_labels = {
        "id": _l("Reference"),
        "scheduled_start": _l("Scheduled"),
        "service": _l("Service"),
        "client": _l("Client"),
        "provider": _l("Provider"),
        "price": _l("Price"),
        "status": _l("Status"),
        "cancellation_terms_version": _l("Terms"),
        "duration_minutes": _l("Duration (minutes)"),
        "created_at": _l("Created"),
    }
    column_formatters = {"id": _reference, "price": _price}
    column_formatters_detail = column_formatters
    column_sortable_list = ["id", "scheduled_start"]
    column_default_sort = ("id", True)
    reference_searches = {"BKG": "id", "PRV": "provider_id", "CLI": "client_id"}
    column_filters = ["status", "service", "scheduled_start"]

    def get_query(self):
        return super().get_query().options(selectinload(Booking.client), selectinload(Booking.provider))


def register(admin) -> None:
    category = _l("Providers and clients")
    admin.add_view(ProviderAdmin(Provider, name=_l("Providers"), endpoint="providers", category=category))
    admin.add_view(ClientAdmin(Client, name=_l("Clients"), endpoint="clients", category=category))
    admin.add_view(BookingAdmin(Booking, name=_l("Bookings"), endpoint="bookings", category=category))
