"""Admins' screens: API clients (create, show a key once, rotate, revoke, scopes, last used) and
the API's documentation, read from the same OpenAPI document the API serves."""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app, flash, redirect, request, url_for
from flask_admin import expose
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy.orm import selectinload
from wtforms import SelectMultipleField, StringField, widgets
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from api.clients import services
from api.clients.models import ApiClient, ApiKey
from api.clients.workflow import SCOPES
from console.access import Role
from console.admin_base import ConsoleBaseView, parse_id
from console.db import db, utcnow
from console.domain import DomainError
from console.i18n import gettext as _
from console.i18n import lazy_gettext as _l

ADMINS = frozenset({Role.ADMIN})


class ClientForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=60)])
    scopes = SelectMultipleField(
        _l("Scopes"),
        choices=[SelectChoice(s, s) for s in SCOPES],
        widget=widgets.ListWidget(prefix_label=False),
        option_widget=widgets.CheckboxInput(),
    )


class ActionForm(FlaskForm):
    """A button: its CSRF token is all it carries."""


class ApiClientsView(ConsoleBaseView):
    """Admins: the integrations that call the API and their keys."""

    roles = ADMINS

    def _clients(self):
        return db.session.scalars(
            sa.select(ApiClient).options(selectinload(ApiClient.keys)).order_by(ApiClient.name)
        ).all()

    @expose("/", methods=("GET", "POST"))
    def index(self):
        form = ClientForm()
        if form.validate_on_submit():
            try:
                issued = services.create_client(
                    name=form.name.data, scopes=form.scopes.data or [], actor=current_user, now=utcnow()
                )
                db.session.commit()
            except DomainError as exc:
                db.session.rollback()
                flash(str(exc), "danger")
            else:
                return self._show_key(issued, _("API client %(name)s created.", name=issued.client.name))
        return self.render(
            "api/clients.html", clients=self._clients(), form=form, action=ActionForm(), scopes=SCOPES
        )

    def _show_key(self, issued, message: str):
        return self.render("api/key_shown.html", issued=issued, message=message)

    def _client(self, client_id) -> ApiClient | None:
        return db.session.get(ApiClient, parse_id(client_id) or 0)

    def _act(self, use_case, done: str):
        if not ActionForm().validate_on_submit():
            flash(_("This form has expired; reload and try again."), "danger")
            return redirect(url_for(".index"))
        try:
            result = use_case()
            db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            flash(str(exc), "danger")
            return redirect(url_for(".index"))
        if isinstance(result, services.IssuedKey):
            return self._show_key(result, done)
        flash(done, "success")
        return redirect(url_for(".index"))

    @expose("/<client_id>/rotate", methods=("POST",))
    def rotate(self, client_id):
        client = self._client(client_id)
        if client is None:
            return redirect(url_for(".index"))
        return self._act(
            lambda: services.rotate_key(client, actor=current_user, now=utcnow()),
            _("A new key for %(name)s; revoke the old one once the marketplace uses it.", name=client.name),
        )

    @expose("/key/<key_id>/revoke", methods=("POST",))
    def revoke_key(self, key_id):
        key = db.session.get(ApiKey, parse_id(key_id) or 0)
        if key is None:
            return redirect(url_for(".index"))
        return self._act(
            lambda: services.revoke_key(key, actor=current_user, now=utcnow()), _("Key revoked.")
        )

    @expose("/<client_id>/revoke", methods=("POST",))
    def revoke(self, client_id):
        client = self._client(client_id)
        if client is None:
            return redirect(url_for(".index"))
        return self._act(
            lambda: services.revoke_client(client, actor=current_user, now=utcnow()),
            _("API client %(name)s revoked.", name=client.name),
        )

    @expose("/<client_id>/scopes", methods=("POST",))
    def scopes(self, client_id):
        client = self._client(client_id)
        if client is None:
            return redirect(url_for(".index"))
        chosen = [s for s in request.form.getlist("scopes") if s in SCOPES]
        return self._act(
            lambda: services.change_scopes(client, scopes=chosen, actor=current_user, now=utcnow()),
            _("Scopes of %(name)s saved.", name=client.name),
        )


class ApiDocsView(ConsoleBaseView):
    """Admins: the API's operations and bodies, from the OpenAPI document it serves."""

    roles = ADMINS

    @expose("/")
    def index(self):
        spec = current_app.extensions["console_api"].spec.to_dict()
        return self.render("api/docs.html", spec=spec)


def register(admin) -> None:
    category = _l("Integration")
    admin.add_view(ApiClientsView(name=_l("API clients"), endpoint="api_client_admin", category=category))
    admin.add_view(ApiDocsView(name=_l("API documentation"), endpoint="api_docs_admin", category=category))
