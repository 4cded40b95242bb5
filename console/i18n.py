"""Language and time for people: French by default, English for a staff member who chose it;
Jinja filters that show stored UTC times in Paris and cents as euros (console/formatting.py)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask, current_app, has_request_context, request
from flask.globals import _cv_app
from flask_admin import babel as admin_babel
from flask_babel import LazyString, force_locale, get_locale, get_translations
from flask_login import current_user

from console import domain, formatting
from console.config import PROJECT_ROOT
from console.counts import count_label
from console.db import utcnow
from console.extensions import babel

TRANSLATIONS = PROJECT_ROOT / "translations"


def select_locale() -> str:
    """The signed-in staff member's language; the console's default language (French) otherwise:
    sign-in page, jobs and commands (e-mails choose their recipient's language themselves)."""
    if has_request_context() and current_user and current_user.is_authenticated:
        return formatting.supported_language(getattr(current_user, "language", None))
    return formatting.supported_language(current_app.config.get("DEFAULT_LANGUAGE"))


@contextmanager
def in_language(language: str | None) -> Iterator[None]:
    """Messages and formats in `language` inside the block (a recipient's: a provider's, a client's;
    an unsupported or missing value falls back to French)."""
    with force_locale(formatting.supported_language(language)):
        yield


def _per_context(key: str, lookup):
    """A catalogue looked up once per request (and per `force_locale` block): a page reads a few
    thousand labels, and Flask-Babel's own lookup costs several microseconds each."""
    app_ctx = _cv_app.get(None)  # the app context itself: cheaper than `g`'s proxy, per label
    ctx = getattr(app_ctx.g, "_flask_babel", None) if app_ctx is not None else None
    if ctx is None:  # first lookup of the context, or no context at all
        return lookup()
    locale = getattr(ctx, "babel_locale", None)
    cached = getattr(ctx, key, None)
    if cached is not None and locale is not None and cached[0] is locale:
        return cached[1]
    found = lookup()
    setattr(ctx, key, (getattr(ctx, "babel_locale", None), found))
    return found


def translations():
    """The reader's catalogue (ours)."""
    return _per_context("console_translations", get_translations)


def admin_translations():
    """The reader's catalogue of Flask-Admin's own words (its templates' "List", "Search"...)."""
    return _per_context("console_admin_translations", admin_babel.domain.get_translations)


def admin_gettext(message: str, **params: object) -> str:
    """Flask-Admin's templates' `_gettext`, through the per-request catalogue."""
    text = admin_translations().ugettext(message)
    return text % params if params else text


def admin_ngettext(singular: str, plural: str, n: int, **params: object) -> str:
    params.setdefault("num", n)
    return admin_translations().ungettext(singular, plural, n) % params


def gettext(message: str, **params: object) -> str:
    """`message` in the reader's language (Flask-Babel's `gettext`, through the per-request catalogue)."""
    text = translations().ugettext(message)
    return text % params if params else text


def ngettext(singular: str, plural: str, n: int, **params: object) -> str:
    params.setdefault("num", n)
    return translations().ungettext(singular, plural, n) % params


def lazy_gettext(message: str, **params: object) -> LazyString:
    """A label translated each time it is shown, in the reader's language of that moment (column
    labels, form labels, menu names: defined once at import, read on every page)."""
    return LazyString(gettext, message, **params)


def reader_language() -> str | None:
    """The language chosen for this request or `force_locale` block (formatting reads it per cell)."""
    app_ctx = _cv_app.get(None)  # the app context itself: cheaper than `g`'s proxy
    if app_ctx is None:
        return None
    chosen = getattr(getattr(app_ctx.g, "_flask_babel", None), "babel_locale", None)
    locale = chosen if chosen is not None else get_locale()
    return locale.language if locale is not None else None


class _WTFormsMessages:
    """WTForms' own messages ("This field is required.") from Flask-Babel's cache of catalogues, in
    the language of the moment: Flask-WTF would read the catalogue file again on every request that
    shows a form."""

    def ugettext(self, message: str) -> str:
        return admin_babel.wtforms_domain.get_translations().ugettext(message)

    def ungettext(self, singular: str, plural: str, n: int) -> str:
        return admin_babel.wtforms_domain.get_translations().ungettext(singular, plural, n)


_WTFORMS_MESSAGES = _WTFormsMessages()


def _wtforms_translations() -> None:
    request.wtforms_translations = _WTFORMS_MESSAGES  # where Flask-WTF looks first


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_DEFAULT_LOCALE", formatting.DEFAULT_LANGUAGE)
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", "Europe/Paris")
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(TRANSLATIONS)
    babel.init_app(app, locale_selector=select_locale)
    domain.install_catalogue(translations)
    domain.install_language(reader_language)
    app.jinja_env.install_gettext_callables(
        gettext=lambda message: translations().ugettext(message),
        ngettext=lambda singular, plural, n: translations().ungettext(singular, plural, n),
        pgettext=lambda context, message: translations().upgettext(context, message),
        npgettext=lambda context, singular, plural, n: translations().unpgettext(
            context, singular, plural, n
        ),
        newstyle=True,
    )
    app.before_request(_wtforms_translations)
    app.jinja_env.filters.update(
        datetime=formatting.format_datetime,
        date=formatting.format_date,
        money=formatting.format_money,
        number=formatting.format_number,
        percent=formatting.format_percent,
        delta=formatting.format_delta,
        capped=count_label,
    )
    app.jinja_env.globals.update(
        current_language=formatting.current_language,
        relative=lambda value, now=None: formatting.format_relative(value, now or utcnow()),
        utcnow=utcnow,
    )
