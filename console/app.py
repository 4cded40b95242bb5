"""The app factory: the one place that knows every domain package."""

from __future__ import annotations

import gc
import logging
import os
from typing import Any

from flask import Flask
from flask_admin import Admin
from flask_admin.theme import Bootstrap4Theme

from console import access, config, errors, i18n, jobs, security
from console.admin_base import ConsoleIndexView
from console.db import configure_sqlite
from console.extensions import csrf, db, migrate
from console.i18n import lazy_gettext as _l

PROJECT_ROOT = config.PROJECT_ROOT


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Create the console application."""
    app = Flask(
        __name__,
        instance_path=os.environ.get("INSTANCE_PATH", str(PROJECT_ROOT / "instance")),
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    app.config.from_mapping(config.from_environment(app.instance_path))
    if test_config:
        app.config.update(test_config)
    os.makedirs(app.instance_path, exist_ok=True)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    _quiet_logs()

    db.init_app(app)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            configure_sqlite(db.engine, immediate=_sqlite_immediate(app))
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True)
    security.init_app(app)
    # The role guard runs before the CSRF check, so a forbidden POST is a 403 whatever its CSRF token.
    app.before_request(lambda: access.guard(app))
    csrf.init_app(app)
    i18n.init_app(app)
    errors.init_app(app)

    from console import health
    from console.auth import views as auth_views

    auth_views.init_app(app)
    app.register_blueprint(health.bp)
    _register_admin(app)

    from console.cli import register_commands

    register_commands(app)
    from demo.cli import demo_cli

    app.cli.add_command(demo_cli)
    from api.bulk.cli import import_command
    from api.clients.cli import api_cli
    from privacy.cli import PDF_RENDERER, privacy_cli
    from reports.builders.subject_access import render_subject_access

    app.cli.add_command(privacy_cli)
    app.extensions[PDF_RENDERER] = render_subject_access
    from api.v1 import setup as api_v1

    if "import" not in api_cli.commands:
        api_cli.add_command(import_command)
    app.cli.add_command(api_cli)
    from reports.cli import reports_cli

    app.cli.add_command(reports_cli)
    from portal.cli import inbound_cli, portal_cli

    app.cli.add_command(portal_cli)
    app.cli.add_command(inbound_cli)
    api_v1.register(app)
    jobs.use_app_factory(create_app)
    # The app's long-lived objects (mappers, metadata, admin views, templates) stay for the life of
    # the process: move them out of the collector's reach, so full collections during requests
    # stay short (the expiry board's p95 fell from ~270 to ~180 ms with this) and forked work
    # horses share those pages with their parent instead of copying them.
    gc.freeze()
    return app


def _register_admin(app: Flask) -> None:
    admin = Admin(
        app,
        name=_l("Ekoklean Console"),
        theme=Bootstrap4Theme(base_template="console/admin_base.html", fluid=True),
        index_view=ConsoleIndexView(name=_l("Home"), url="/", endpoint="admin"),
        csp_nonce_generator=security.csp_nonce,
    )
    from console import jobs_admin
    from console.audit import admin as audit_admin
    from console.auth import admin as staff_admin
    from console.auth import profile
    from console.notifications import admin as notifications_admin
    from disputes.complaints import admin as complaints_admin
    from disputes.disputes import admin as disputes_admin
    from insurance import admin as insurance_admin
    from marketplace import admin as marketplace_admin
    from policy import admin as policy_admin
    from privacy import admin as privacy_admin
    from reports import admin as reports_admin
    from restrictions import admin as restrictions_admin
    from reviews import admin as reviews_admin
    from vetting import admin as vetting_admin

    # The menu's order: each role's daily work first (vetting, support), then the records, the
    # decisions' references, the reports, the administration.
    for module in (
        vetting_admin,
        insurance_admin,
        complaints_admin,
        disputes_admin,
        reviews_admin,
        restrictions_admin,
        marketplace_admin,
        policy_admin,
        reports_admin,
        staff_admin,
        audit_admin,
        privacy_admin,
        notifications_admin,
        jobs_admin,
        profile,
    ):
        module.register(admin)
    from api import admin as api_admin

    api_admin.register(admin)
    from api.webhooks import admin as webhooks_admin

    webhooks_admin.register(admin)
    from portal import views as portal_views

    portal_views.register(admin)
    app.extensions["console_admin_views"] = {view.endpoint: view for view in admin._views}
    _register_home(app)

    from disputes.complaints.timeline import provider_events as support_events
    from insurance.timeline import provider_events as insurance_events
    from restrictions.timeline import provider_events as restriction_events
    from reviews.timeline import provider_events as review_events
    from vetting.services import open_initial_case
    from vetting.timeline import provider_events as vetting_events

    app.extensions["provider_timeline"] = [
        restriction_events,
        insurance_events,
        vetting_events,
        support_events,
        review_events,
    ]
    app.extensions["provider_created"] = [open_initial_case]
    _register_provider_cards(app)

    from portal.services import move_complaint_records

    app.extensions["complaint_merged"] = [move_complaint_records]

    from api.eligibility.services import record_change
    from api.webhooks.services import schedule_fan_out
    from console import events

    # Every domain event: recompute the provider's eligibility (same transaction), then fan out
    # to the webhook endpoints once the transaction commits.
    app.extensions[events.HOOKS_KEY] = [record_change, schedule_fan_out]


def _register_home(app: Flask) -> None:
    """The home page's queue cards and charts, in the order each role reads them."""
    from console.domain import Role
    from console.home import QueueCard
    from console.notifications import services as outbox
    from disputes import home as support_home
    from insurance import home as insurance_home
    from restrictions import home as restrictions_home
    from reviews import home as reviews_home
    from vetting import home as vetting_home

    failed_messages = QueueCard(
        "outbox",
        frozenset({Role.ADMIN, Role.MANAGER}),
        lambda user, now: outbox.failed_card(user.roles),
        query=(("flt0_0", "failed"),),  # the outbox's status filter
        title=_l("Failed messages"),
    )
    app.extensions["home_cards"] = [
        *vetting_home.cards(),
        *insurance_home.cards(),
        *support_home.cards(),
        *reviews_home.cards(),
        *restrictions_home.cards(),
        failed_messages,
    ]
    app.extensions["home_charts"] = [*support_home.charts(), *vetting_home.charts(), *insurance_home.charts()]


def _register_provider_cards(app: Flask) -> None:
    """The provider page's cards, each answered by its domain's reporting module."""
    from console import provider_page
    from console.business_time import paris_today
    from disputes.complaints import reporting as complaints
    from disputes.disputes import reporting as disputes
    from insurance import reporting as insurance
    from marketplace import reporting as marketplace
    from restrictions import reporting as restrictions
    from reviews import reporting as reviews
    from vetting import reporting as vetting

    provider_page.init_app(
        app,
        {
            "vetting": lambda pid, now: vetting.provider_vetting(pid, paris_today(now)),
            "insurance": lambda pid, now: insurance.provider_insurance(pid, paris_today(now)),
            "bookings": marketplace.provider_bookings,
            "rating": lambda pid, now: reviews.provider_rating(pid),
            "complaints": lambda pid, now: complaints.provider_complaints_card(pid),
            "disputes": lambda pid, now: disputes.provider_disputes_card(pid),
            "restrictions": lambda pid, now: restrictions.provider_restrictions_card(pid),
        },
    )


def _sqlite_immediate(app: Flask) -> bool:
    """Write locks taken up front on a file database, unless the test suite's own transactional
    setup (one shared connection per test) says otherwise."""
    url = str(db.engine.url)
    file_based = url.startswith("sqlite") and ":memory:" not in url and db.engine.url.database
    return bool(app.config.get("SQLITE_BEGIN_IMMEDIATE", file_based and not app.config.get("TESTING")))


def _quiet_logs() -> None:
    """The terminal shows what matters: each request only with LOG_REQUESTS=1, WeasyPrint's
    progress and font chatter only at debug level."""
    requests = os.environ.get("LOG_REQUESTS") == "1"
    logging.getLogger("werkzeug").setLevel(logging.INFO if requests else logging.WARNING)
    for name in ("weasyprint", "weasyprint.progress", "fontTools"):
        logging.getLogger(name).setLevel(logging.WARNING)
