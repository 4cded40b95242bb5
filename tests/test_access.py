"""Every URL the app serves, for anonymous visitors and for each role, answers as declared."""

from __future__ import annotations

import pytest

from console.access import PUBLIC, Role, declared_roles, is_declared

# Independent expectations for the screens that exist today: a change to their roles must be
# deliberate (change both places). New endpoints must at least declare roles (checked below).
EXPECTED = {
    "auth.login": PUBLIC,
    # The second step of sign-in: only for whoever gave the right password minutes ago (else back to
    # the sign-in page); tests/auth/test_mfa.py.
    "auth.second_factor": PUBLIC,
    "auth.enrol": PUBLIC,
    "profile.second_factor": set(Role),
    # The integration API authenticates with its own bearer keys and scopes (tests/api/).
    "api_v1_openapi": PUBLIC,
    "api_bookings.create_bookings": PUBLIC,
    "provider_eligibility.provider_eligibility": PUBLIC,
    "api_client_admin.index": {Role.ADMIN},
    "api_client_admin.rotate": {Role.ADMIN},
    "api_client_admin.revoke": {Role.ADMIN},
    "api_client_admin.revoke_key": {Role.ADMIN},
    "api_client_admin.scopes": {Role.ADMIN},
    "api_docs_admin.index": {Role.ADMIN},
    "health.healthz": PUBLIC,
    # The portal: no account, a signed link (tests/portal/); the mail service signs inbound e-mail.
    "portal.page": PUBLIC,
    "portal.new_link": PUBLIC,
    "inbound.inbound_email": PUBLIC,
    "portal_links.index": {Role.VETTING_OFFICER, Role.SUPPORT_AGENT, Role.MANAGER},
    "portal_links.send": {Role.VETTING_OFFICER, Role.SUPPORT_AGENT, Role.MANAGER},
    "inbound_triage.index": {Role.SUPPORT_AGENT, Role.MANAGER},
    "portal_files.index": {Role.SUPPORT_AGENT, Role.MANAGER},
    "portal_files.download": {Role.SUPPORT_AGENT, Role.MANAGER},
    "inbound_triage.handled": {Role.SUPPORT_AGENT, Role.MANAGER},
    "admin.index": set(Role),
    "auth.logout": set(Role),
    "staff.index_view": {Role.ADMIN},
    "staff.create_view": {Role.ADMIN},
    "staff.edit_view": {Role.ADMIN},
    "audit.index_view": {Role.MANAGER, Role.ADMIN},
    "audit.export": {Role.ADMIN},
    "jobs.index": {Role.MANAGER, Role.ADMIN},
    "jobs.retry": {Role.MANAGER, Role.ADMIN},
    "outbox.index_view": set(Role),
    # Rows filtered by role and kind of message (console/notifications/workflow.py).
    "outbox.details_view": set(Role),
    "outbox.export": set(Role),
    "webhook_endpoints.index_view": {Role.MANAGER, Role.ADMIN},
    "webhook_endpoints.register": {Role.MANAGER, Role.ADMIN},
    "webhook_endpoints.create_view": set(),
    "webhook_endpoints.edit_view": set(),
    "webhook_endpoints.delete_view": set(),
    "webhook_endpoints.action_view": {Role.MANAGER, Role.ADMIN},
    "webhook_deliveries.index_view": {Role.MANAGER, Role.ADMIN},
    "webhook_deliveries.action_view": {Role.MANAGER, Role.ADMIN},
    "integration_events.index_view": {Role.MANAGER, Role.ADMIN},
    "integration_events.details_view": {Role.MANAGER, Role.ADMIN},
    # Reports: each route also checks the run's kind against the role (another role's run is a 403).
    "reports.index": {Role.MANAGER, Role.VETTING_OFFICER, Role.SUPPORT_AGENT},
    "reports.request_report": {Role.MANAGER, Role.VETTING_OFFICER, Role.SUPPORT_AGENT},
    "reports.retry": {Role.MANAGER, Role.VETTING_OFFICER, Role.SUPPORT_AGENT},
    "reports.download": {Role.MANAGER, Role.VETTING_OFFICER, Role.SUPPORT_AGENT},
    "reports.status": {Role.MANAGER, Role.VETTING_OFFICER, Role.SUPPORT_AGENT},
    "sweeps.index_view": {Role.VETTING_OFFICER, Role.MANAGER},
    "providers.index_view": {Role.VETTING_OFFICER, Role.SUPPORT_AGENT, Role.MANAGER},
    "providers.create_view": {Role.VETTING_OFFICER, Role.MANAGER},
    "providers.edit_view": {Role.VETTING_OFFICER, Role.MANAGER},
    "providers.export": {Role.MANAGER},
    "clients.index_view": {Role.SUPPORT_AGENT, Role.MANAGER},
    "clients.create_view": {Role.SUPPORT_AGENT, Role.MANAGER},
    "clients.export": set(),
    "clients.consent": {Role.SUPPORT_AGENT, Role.MANAGER},
    "bookings.index_view": {Role.SUPPORT_AGENT, Role.MANAGER},
    "bookings.create_view": set(),
    "bookings.edit_view": set(),
    "reviews.index_view": {Role.SUPPORT_AGENT, Role.MANAGER},
    "reviews.delete_view": set(),
    "proposals.index_view": {Role.VETTING_OFFICER, Role.MANAGER},
    "proposals.decide": {Role.VETTING_OFFICER, Role.MANAGER},
    "proposals.action_view": {Role.VETTING_OFFICER, Role.MANAGER},
    "restrictions.index_view": {Role.VETTING_OFFICER, Role.SUPPORT_AGENT, Role.MANAGER},
    "restrictions.restrict": {Role.MANAGER},
    "restrictions.lift": {Role.VETTING_OFFICER, Role.MANAGER},
    "restrictions.request_review": {Role.SUPPORT_AGENT, Role.MANAGER},
    "restrictions.decide_review": {Role.MANAGER},
    "restrictions.create_view": set(),
    "policies.index_view": {Role.VETTING_OFFICER, Role.MANAGER},
    "policies.details_view": {Role.VETTING_OFFICER, Role.MANAGER},
    "policies.create_view": {Role.VETTING_OFFICER, Role.MANAGER},
    "policies.edit_view": set(),
    "policies.delete_view": set(),
    "policies.export": set(),
    "policies.verify": {Role.VETTING_OFFICER, Role.MANAGER},
    "policies.reject": {Role.VETTING_OFFICER, Role.MANAGER},
    "policies.certificate": {Role.VETTING_OFFICER, Role.MANAGER},
    "certificates.index_view": {Role.VETTING_OFFICER, Role.MANAGER},
    "certificates.create_view": set(),
    "certificates.edit_view": set(),
    "certificates.export": set(),
    "expiry.index": {Role.MANAGER},
    "expiry.export": {Role.MANAGER},
    # Support (issue 6): agents and managers; vetting officers and admins see no complaint.
    "support.index": {Role.SUPPORT_AGENT, Role.MANAGER},
    "complaints.index_view": {Role.SUPPORT_AGENT, Role.MANAGER},
    "complaints.create_view": {Role.SUPPORT_AGENT, Role.MANAGER},
    "complaints.details_view": {Role.SUPPORT_AGENT, Role.MANAGER},
    "complaints.edit_view": set(),
    "complaints.delete_view": set(),
    "complaints.export": set(),
    "complaints.action_view": {Role.SUPPORT_AGENT, Role.MANAGER},
    "complaints.transition": {Role.SUPPORT_AGENT, Role.MANAGER},
    "complaints.severity": {Role.SUPPORT_AGENT, Role.MANAGER},
    "complaints.assign": {Role.SUPPORT_AGENT, Role.MANAGER},
    "complaints.save_queue_view": {Role.SUPPORT_AGENT, Role.MANAGER},
    "complaints.delete_queue_view": {Role.SUPPORT_AGENT, Role.MANAGER},
    "complaints.entry": {Role.SUPPORT_AGENT, Role.MANAGER},
    "complaints.open_dispute": {Role.SUPPORT_AGENT, Role.MANAGER},
    "complaints_mine.index_view": {Role.SUPPORT_AGENT, Role.MANAGER},
    "complaints_mine.create_view": set(),
    "complaints_mine.details_view": {Role.SUPPORT_AGENT, Role.MANAGER},
    "complaints_unassigned.index_view": {Role.SUPPORT_AGENT, Role.MANAGER},
    "complaints_at_risk.index_view": {Role.SUPPORT_AGENT, Role.MANAGER},
    "complaints_breached.index_view": {Role.SUPPORT_AGENT, Role.MANAGER},
    "complaints_waiting.index_view": {Role.SUPPORT_AGENT, Role.MANAGER},
    "disputes.index_view": {Role.SUPPORT_AGENT, Role.MANAGER},
    "disputes.create_view": set(),
    "disputes.edit_view": set(),
    "disputes.export": set(),
    "disputes.evidence": {Role.SUPPORT_AGENT, Role.MANAGER},
    "disputes.download": {Role.SUPPORT_AGENT, Role.MANAGER},
    "disputes.propose": {Role.SUPPORT_AGENT, Role.MANAGER},
    "disputes.decide": {Role.SUPPORT_AGENT, Role.MANAGER},
    "disputes.send_back": {Role.MANAGER},
    "disputes.refund": {Role.SUPPORT_AGENT, Role.MANAGER},
    "disputes_awaiting.index_view": {Role.SUPPORT_AGENT, Role.MANAGER},
    "disputes_awaiting.decide": set(),
    "moderation.index_view": {Role.SUPPORT_AGENT, Role.MANAGER},
    "moderation.review": {Role.SUPPORT_AGENT, Role.MANAGER},
    "moderation.moderate": {Role.SUPPORT_AGENT, Role.MANAGER},
    "moderation.action_view": {Role.SUPPORT_AGENT, Role.MANAGER},
    "moderation.edit_view": set(),
    "moderation.delete_view": set(),
    "flags.index_view": {Role.SUPPORT_AGENT, Role.MANAGER},
    "flags.moderate": set(),
    "macros.index_view": {Role.SUPPORT_AGENT, Role.MANAGER},
    "macros.create_view": {Role.SUPPORT_AGENT, Role.MANAGER},
    "macros.edit_view": {Role.SUPPORT_AGENT, Role.MANAGER},
    "macros.delete_view": set(),
    "vetting_cases.index_view": {Role.VETTING_OFFICER, Role.MANAGER},
    "vetting_cases.details_view": {Role.VETTING_OFFICER, Role.MANAGER},
    "vetting_cases.action_view": {Role.VETTING_OFFICER, Role.MANAGER},
    "vetting_cases.create_view": set(),
    "vetting_cases.edit_view": set(),
    "vetting_cases.delete_view": set(),
    "vetting_cases.export": set(),
    **{
        f"vetting_cases.{name}": {Role.VETTING_OFFICER, Role.MANAGER}
        for name in (
            "open_case",
            "assign_check",
            "submit_check",
            "add_reference",
            "log_attempt",
            "upload",
            "document",
            "await_provider",
            "provider_answered",
            "withdraw",
            "reopen",
            "approve",
            "reject",
        )
    },
    "vetting_mine.index_view": {Role.VETTING_OFFICER},
    "vetting_mine.details_view": {Role.VETTING_OFFICER},
    "vetting_unassigned.index_view": {Role.VETTING_OFFICER, Role.MANAGER},
    "vetting_unassigned.action_view": {Role.VETTING_OFFICER, Role.MANAGER},
    "vetting_unassigned.edit_view": set(),
    "vetting_awaiting.index_view": {Role.VETTING_OFFICER, Role.MANAGER},
    "vetting_ready.index_view": {Role.VETTING_OFFICER, Role.MANAGER},
    "vetting_overdue.index_view": {Role.VETTING_OFFICER, Role.MANAGER},
    "vetting_sweeps.index_view": {Role.VETTING_OFFICER, Role.MANAGER},
}
SAMPLE_ARGS = {"filename": "does-not-exist.css", "export_type": "csv", "id": "1"}


def _rules(app):
    for rule in app.url_map.iter_rules():
        args = {name: SAMPLE_ARGS.get(name, "1") for name in rule.arguments}
        url = rule.build(args, append_unknown=False)[1]
        method = "GET" if "GET" in rule.methods else "POST"
        yield rule.endpoint, url, method


def test_every_endpoint_declares_its_roles(app):
    undeclared = [endpoint for endpoint, _, _ in _rules(app) if not is_declared(app, endpoint)]
    assert undeclared == [], f"endpoints without declared roles (denied to everyone): {undeclared}"


def test_a_view_without_roles_is_caught(app):
    assert not is_declared(app, "no_such_view.index")
    app.view_functions["tmp_undeclared"] = lambda: "hi"
    try:
        assert not is_declared(app, "tmp_undeclared")
        assert declared_roles(app, "tmp_undeclared") == frozenset()
    finally:
        del app.view_functions["tmp_undeclared"]


def test_expected_roles_match_declarations(app):
    for endpoint, expected in EXPECTED.items():
        declared = declared_roles(app, endpoint)
        assert (declared == PUBLIC) if expected == PUBLIC else set(declared) == expected, endpoint


@pytest.mark.parametrize("role", [None, *Role])
def test_url_map_answers_match_declared_roles(app, client_as, role):
    client = app.test_client() if role is None else client_as(role.value)
    for endpoint, url, method in _rules(app):
        allowed = declared_roles(app, endpoint)
        response = client.open(url, method=method)
        status = response.status_code
        assert status < 500, f"{method} {url} as {role}: {status}"
        if endpoint == "auth.logout":
            continue  # answers 400 (no CSRF token) to a bare POST; covered in test_views
        if allowed == PUBLIC:
            assert status != 403, f"{url} is public but answered 403"
        elif role is None:
            assert status == 302 and "/login" in response.headers["Location"], f"{url} anonymous: {status}"
        elif role in allowed:
            assert status not in (302, 401, 403) or _redirect_within_view(response), (
                f"{method} {url} as {role}: {status}"
            )
        else:
            assert status == 403, f"{method} {url} as {role} should be 403, got {status}"


def _redirect_within_view(response) -> bool:
    # Allowed views may redirect to themselves (a POST without data, a missing id).
    return response.status_code == 302 and "/login" not in response.headers["Location"]
