"""Base views: each declares the roles allowed per operation; anything undeclared is denied."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime
from enum import Enum
from typing import Any

import sqlalchemy as sa
from flask import Response, abort, flash, has_request_context, redirect, request, stream_with_context
from flask_admin import AdminIndexView, BaseView, expose
from flask_admin.contrib.sqla import ModelView
from flask_admin.contrib.sqla import filters as sqla_filters
from flask_admin.contrib.sqla.filters import FilterConverter
from flask_admin.contrib.sqla.form import AdminModelConverter
from flask_admin.model import filters as model_filters
from flask_admin.model import typefmt
from flask_admin.model.form import converts
from flask_babel.speaklater import LazyString
from flask_login import current_user
from flask_wtf import FlaskForm
from markupsafe import Markup
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.utils import secure_filename

from console import formatting, i18n, spreadsheet, submissions
from console.access import ALL_ROLES, Role, Roles, user_has_any
from console.access_log import views as access_log
from console.admin_paging import BoundedList
from console.db import db, is_write_conflict, utcnow
from console.domain import DomainError, _
from console.validation import exact_term, parse_reference

MAX_ID = 2**31 - 1


def parse_id(value: Any) -> int | None:
    """A primary key from a URL or form: digits only, within range; None otherwise."""
    text = str(value).strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 10:
        return None
    number = int(text)
    return number if 1 <= number <= MAX_ID else None


class _EnumValueFilter:
    """Enum filters that take the stored value ('approved'), and ignore anything else."""

    def validate(self, value: Any) -> bool:
        return value in {member.value for member in self.column.type.enum_class}

    def clean(self, value: Any) -> Any:
        return self.column.type.enum_class(value)

    def get_options(self, view: Any) -> list[tuple[str, Any]]:
        """The stored values, shown by their labels in the reader's language."""
        return [(m.value, LazyString(enum_label, m)) for m in self.column.type.enum_class]


class EnumEqual(_EnumValueFilter, sqla_filters.EnumEqualFilter):
    pass


class EnumNotEqual(_EnumValueFilter, sqla_filters.EnumFilterNotEqual):
    pass


class ConsoleFilterConverter(FilterConverter):
    """Filters for the console's own column types."""

    enum = (EnumEqual, EnumNotEqual)

    @model_filters.convert("utcdatetime")
    def conv_utc_datetime(self, column, name, **kwargs):
        return self.conv_datetime(column, name, **kwargs)

    @model_filters.convert("redactedtext")
    def conv_redacted_text(self, column, name, **kwargs):
        return self.conv_string(column, name, **kwargs)


class ConsoleModelConverter(AdminModelConverter):
    """Form fields for the console's own column types."""

    @converts("UTCDateTime")
    def convert_utc_datetime(self, field_args, **extra):
        return self.convert_datetime(field_args, **extra)

    @converts("RedactedText")
    def convert_redacted_text(self, field_args, **extra):
        return self.conv_Text(field_args, **extra)


# Flask-Admin endpoint method -> the operation whose roles govern it.
MODEL_OPERATIONS = {
    "index": "list",
    "index_view": "list",
    "details_view": "details",
    "export": "export",
    "create_view": "create",
    "edit_view": "edit",
    "ajax_update": "edit",
    "delete_view": "delete",
    "action_view": "action",
}


class RoleDeclaredView:
    """Mixin: `roles_for(method)` answers which roles may call an exposed method."""

    roles: Roles = frozenset()

    def roles_for(self, method: str) -> Roles:
        return frozenset(self.roles)

    def is_accessible(self) -> bool:
        return user_has_any(self.roles_for("index"))

    def may_open(self, method: str) -> bool:
        """Whether the signed-in person may call this view's `method`: templates offer a link to
        one of the view's pages only to the people it answers."""
        return user_has_any(self.roles_for(method))

    def inaccessible_callback(self, name: str, **kwargs: Any):
        abort(403)

    def render(self, template: str, **kwargs: Any):
        """Templates may write a hand-made create form's one-time token: `new_submission_token()`.
        Flask-Admin's own words come through the per-request catalogue (its template arguments are
        applied last, so they replace its slower `_gettext`)."""
        self._template_args.update(_gettext=i18n.admin_gettext, _ngettext=i18n.admin_ngettext)
        return super().render(template, new_submission_token=submissions.new_token, **kwargs)


_TIME_OPEN, _TIME_MIDDLE, _TIME_CLOSE = Markup('<time datetime="'), Markup('">'), Markup("</time>")


def _time(value: date, shown: str) -> Markup:
    """`<time datetime="2026-12-02T13:05:00+00:00">02/12/2026 14:05</time>`: French for people,
    the exact stored value for machines."""
    return _TIME_OPEN + value.isoformat() + _TIME_MIDDLE + shown + _TIME_CLOSE  # strings are escaped as added


UNORDERABLE_TYPES = (sa.JSON, sa.LargeBinary, sa.ARRAY)


def _unorderable(column: Any) -> bool:
    """True for a column PostgreSQL cannot sort by (no ordering operator for json)."""
    column_type = getattr(column, "type", None)
    return isinstance(column_type, UNORDERABLE_TYPES)


def enum_label(value: Enum) -> str:
    """An enum value as people read it: its `label` (translated) when it has one, else
    "not vetted" rather than "NOT_VETTED"."""
    label = getattr(value, "label", None)
    return str(label) if label is not None else str(value.value).replace("_", " ")


class ConsoleModelView(RoleDeclaredView, BoundedList, ModelView):
    """A model list/detail view. Roles: `roles` (list, details), then per operation.

    State changes never happen through these forms: they are actions that call services.
    """

    form_base_class = FlaskForm
    filter_converter = ConsoleFilterConverter()
    model_form_converter = ConsoleModelConverter
    create_roles: Roles = frozenset()
    edit_roles: Roles = frozenset()
    delete_roles: Roles = frozenset()
    export_roles: Roles | None = None  # None: the list roles
    action_roles: dict[str, Roles] = {}
    method_roles: dict[str, Roles] = {}
    can_view_details = True
    can_set_page_size = False
    page_size = 25
    export_max_rows = 10_000
    column_type_formatters = {
        **typefmt.BASE_FORMATTERS,
        datetime: lambda view, value, name: _time(value, formatting.format_datetime(value)),  # Paris time
        date: lambda view, value, name: _time(value, formatting.format_date(value)),
        Enum: lambda view, value, name: enum_label(value),
    }
    column_type_formatters_detail = column_type_formatters
    # A search for a public reference ("PRV-000123") is a key lookup: prefix -> column name.
    reference_searches: dict[str, str] = {}
    # Columns looked up exactly (on their index) when the term has their whole shape, instead of a
    # substring search: {column: "siret" | "email"} (console.validation.exact_term).
    exact_searches: dict[str, str] = {}

    # The access log (DESIGN §7): a view of a person's data names its kind ("provider", "complaint");
    # its details and edit pages then record every opening, with the purpose chosen or implied.
    access_kind: str | None = None
    access_purpose: str | None = None  # implied by this queue, e.g. "support_case"
    access_methods: tuple[str, ...] = ("details_view", "edit_view")  # pages given `model` or `access_record`

    def __init__(self, model, **kwargs):
        super().__init__(model, db, **kwargs)

    def access_subjects(self, model: Any) -> list[access_log.Subject]:
        return access_log.subjects_of(model)

    def render(self, template: str, **kwargs: Any):
        model = kwargs.pop("access_record", None) or kwargs.get("model")
        if self.access_kind is None or model is None or not access_log.is_detail_page(self.access_methods):
            return super().render(template, **kwargs)
        purpose = access_log.resolve_purpose(self.access_kind, self.access_purpose)
        if purpose is None:  # ask first: nothing of the person is shown before a purpose is given
            return super().render(
                "console/access_purpose.html", purposes=access_log.PAGE_PURPOSES, args=request.args
            )
        kwargs.setdefault("access_entries_of", access_log.entries_of)  # "Who accessed", managers and admins
        kwargs.setdefault("access_purpose_label", access_log.purpose_label)
        page = super().render(template, **kwargs)
        access_log.record(
            self.access_subjects(model),
            record_type=type(model).__name__,
            record_id=getattr(model, self._primary_key),
            purpose=purpose,
        )
        db.session.commit()
        return page

    def roles_for(self, method: str) -> Roles:
        if method in self.method_roles:  # pages a view adds with @expose
            return frozenset(self.method_roles[method])
        operation = MODEL_OPERATIONS.get(method)
        if method == "ajax_lookup":
            return frozenset(self.create_roles | self.edit_roles)
        match operation:
            case "list" | "details":
                return frozenset(self.roles)
            case "create":
                return frozenset(self.create_roles)
            case "edit":
                return frozenset(self.edit_roles)
            case "delete":
                return frozenset(self.delete_roles)
            case "export":
                return frozenset(self.roles if self.export_roles is None else self.export_roles)
            case "action":
                return frozenset().union(*self.action_roles.values()) if self.action_roles else frozenset()
        return frozenset()

    def get_sortable_columns(self) -> dict[Any, Any]:
        """The sortable columns, less those the database cannot order (JSON, binary): a header
        that is not a link rather than a link that fails."""
        return {
            name: column
            for name, column in super().get_sortable_columns().items()
            if not any(_unorderable(part) for part in (column if isinstance(column, list) else [column]))
        }

    def get_create_form(self):
        """The create form, with its one-time submission token (console/submissions.py)."""
        form_class = super().get_create_form()
        return type(form_class.__name__, (form_class,), {submissions.TOKEN_FIELD: submissions.token_field()})

    @expose("/new/", methods=("GET", "POST"))
    def create_view(self):
        """Flask-Admin's create page; a form already saved is not saved again (its sender is sent
        to the record the first POST created)."""
        if request.method == "POST":
            try:
                submissions.claim(
                    request.form.get(submissions.TOKEN_FIELD), record_type=self.model, now=utcnow()
                )
            except submissions.AlreadySubmitted as exc:
                db.session.rollback()
                flash(str(exc), "info")
                return redirect(self._submitted_record_url(exc.submission))
            except submissions.InvalidToken as exc:
                db.session.rollback()
                flash(str(exc), "danger")
                return redirect(self.get_url(".create_view"))
        return super().create_view()

    def _submitted_record_url(self, submission: submissions.FormSubmission | None) -> str:
        key = parse_id(submission.object_id) if submission and submission.object_id else None
        if key is not None and submission.object_type == self.model.__name__ and self.can_view_details:
            return self.get_url(".details_view", id=key)
        return self.get_url(".index_view")

    def get_export_value(self, model: Any, name: str) -> Any:
        """Export cells in the French spreadsheet form; formulas neutralised (console/spreadsheet.py)."""
        return spreadsheet.cell(super().get_export_value(model, name))

    def _export_csv(self, return_url: Any):
        """CSV with `;`, a byte-order mark and French values, streamed."""
        _, data = self._export_data()
        titles = [str(title) for _, title in self._export_columns]
        rows = ([self.get_export_value(row, name) for name, _ in self._export_columns] for row in data)
        filename = secure_filename(self.get_export_name(export_type="csv"))
        return Response(
            stream_with_context(spreadsheet.csv_lines(titles, rows)),
            headers={"Content-Disposition": f"attachment;filename={filename}"},
            mimetype="text/csv; charset=utf-8",
        )

    def get_one(self, id: Any) -> Any:
        key = parse_id(id)
        if key is None:
            return None
        return self.get_query().filter(getattr(self.model, self._primary_key) == key).one_or_none()

    def init_search(self) -> bool:
        return super().init_search() or bool(self.reference_searches)

    def lookup_condition(self, term: str) -> Any:
        """The exact lookup `term` asks for (a reference such as PRV-000123, a SIRET, an e-mail
        address), or None when it is a substring search."""
        for prefix, column_name in self.reference_searches.items():
            key = parse_reference(term, prefix)
            if key is not None:
                return getattr(self.model, column_name) == key
        for column_name, shape in self.exact_searches.items():
            value = exact_term(shape, term)
            if value is not None:
                return getattr(self.model, column_name) == value
        return None

    def _apply_search(self, query, count_query, joins, count_joins, search):
        condition = self.lookup_condition(search)
        if condition is not None:
            query = query.filter(condition)
            count_query = count_query.filter(condition) if count_query is not None else None
            return query, count_query, joins, count_joins
        if not self.column_searchable_list:
            return (
                query.filter(sa.false()),
                (count_query.filter(sa.false()) if count_query is not None else None),
                joins,
                count_joins,
            )
        return super()._apply_search(query, count_query, joins, count_joins, search)

    def search_placeholder(self) -> str | None:
        references = [f"{prefix}-…" for prefix in self.reference_searches]
        fields = super().search_placeholder() if self.column_searchable_list else None
        return ", ".join([*references, *([fields] if fields else [])]) or None

    def _may(self, roles: Iterable[Role]) -> bool:
        return user_has_any(roles) if has_request_context() else bool(roles)

    # Flask-Admin reads these to show or hide buttons; the guard enforces them.
    @property
    def can_create(self) -> bool:  # type: ignore[override]
        return self._may(self.create_roles)

    @property
    def can_edit(self) -> bool:  # type: ignore[override]
        return self._may(self.edit_roles)

    @property
    def can_delete(self) -> bool:  # type: ignore[override]
        return self._may(self.delete_roles)

    @property
    def can_export(self) -> bool:  # type: ignore[override]
        return self._may(self.roles if self.export_roles is None else self.export_roles)

    def is_action_allowed(self, name: str) -> bool:
        return self._may(self.action_roles.get(name, frozenset())) and super().is_action_allowed(name)

    def run_for_each(self, ids: Iterable[str], use_case: Callable[..., Any], *, done: str) -> int:
        """Run `use_case(row, actor=..., now=...)` on each selected row, one commit per row.

        Rows come through `get_query`, so row-level filtering applies; a refused row is
        reported by name and rolled back without affecting the others.
        """
        pk = getattr(self.model, self._primary_key)
        keys = [parse_id(value) for value in ids]  # PostgreSQL will not compare strings with integer keys
        if not keys or None in keys:
            flash(_("The selection is not valid; reload the page and try again."), "danger")
            return 0
        rows = self.get_query().filter(pk.in_(keys)).all()
        succeeded = 0
        for row in rows:
            try:
                use_case(row, actor=current_user, now=utcnow())
                db.session.commit()
                succeeded += 1
            except (DomainError, StaleDataError, OperationalError) as exc:
                db.session.rollback()
                if isinstance(exc, DomainError):
                    message = str(exc)
                elif is_write_conflict(exc):
                    message = _("changed by someone else at the same time; reload and check")
                else:
                    raise
                flash(_("%(record)s: %(error)s", record=row, error=message), "danger")
        if succeeded:
            flash(
                _("%(done)s: %(count)s of %(total)s.", done=done, count=succeeded, total=len(rows)), "success"
            )
        return succeeded


def attempt_decision(
    use_case: Callable[[], Any], success: str, *, explain: Callable[[], str | None] = lambda: None
) -> bool:
    """Run one decision from a page and commit; flash a clear message on refusal or a concurrent
    change. `explain` may say who decided first (it is asked after the rollback)."""
    try:
        use_case()
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        flash(explain() or str(exc), "danger")
        return False
    except (StaleDataError, OperationalError) as exc:
        db.session.rollback()
        if not is_write_conflict(exc):
            raise
        flash(
            explain() or _("Someone else decided this at the same time. Reload to see their decision."),
            "danger",
        )
        return False
    flash(success, "success")
    return True


class ConsoleBaseView(RoleDeclaredView, BaseView):
    """A custom page. `roles` covers every exposed method unless `method_roles` says otherwise."""

    method_roles: dict[str, Roles] = {}

    def roles_for(self, method: str) -> Roles:
        return frozenset(self.method_roles.get(method, self.roles))


class ConsoleIndexView(RoleDeclaredView, AdminIndexView):
    """The console home: every staff member lands here and sees their own queues."""

    roles = ALL_ROLES

    @expose("/")
    def index(self):
        from console.home import home_sections  # late: the home page gathers every domain

        return self.render("console/home.html", sections=home_sections(current_user))
