"""Roles and the access rules every endpoint declares: the app denies whatever is undeclared."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask, abort, redirect, request, url_for
from flask_login import current_user

from console.domain import ALL_ROLES, Role

__all__ = ["ALL_ROLES", "PUBLIC", "Role", "Roles", "guard", "public", "roles_required", "user_has_any"]
PUBLIC = "public"
Roles = frozenset[Role]


def roles_required(*roles: Role) -> Callable:
    """Declare which roles may call a plain Flask view."""

    def decorate(view: Callable) -> Callable:
        view.console_roles = frozenset(roles)
        return view

    return decorate


def public(view: Callable) -> Callable:
    """Declare a view reachable without signing in (login page, health check)."""
    view.console_roles = PUBLIC
    return view


def declared_roles(app: Flask, endpoint: str) -> Roles | str:
    """Return the roles allowed on `endpoint`, PUBLIC, or an empty set when nothing is declared."""
    if endpoint == "static" or endpoint.endswith(".static"):
        return PUBLIC
    view_name, _, method = endpoint.rpartition(".")
    admin_view = app.extensions.get("console_admin_views", {}).get(view_name)
    if admin_view is not None:
        return admin_view.roles_for(method) if hasattr(admin_view, "roles_for") else frozenset()
    view = app.view_functions.get(endpoint)
    return getattr(view, "console_roles", frozenset())


def is_declared(app: Flask, endpoint: str) -> bool:
    """Whether the view behind `endpoint` says who may use it (an operation it grants to
    nobody, such as deleting audit events, is a deliberate refusal and counts as declared)."""
    if endpoint == "static" or endpoint.endswith(".static"):
        return True
    view_name, _, _ = endpoint.rpartition(".")
    admin_view = app.extensions.get("console_admin_views", {}).get(view_name)
    if admin_view is not None:
        return bool(getattr(admin_view, "roles", None)) and hasattr(admin_view, "roles_for")
    return hasattr(app.view_functions.get(endpoint), "console_roles")


def guard(app: Flask) -> Any:
    """Before every request: sign-in required, then the endpoint's declared roles."""
    endpoint = request.endpoint
    if endpoint is None:  # unknown URL: let routing answer 404/405
        return None
    allowed = declared_roles(app, endpoint)
    if allowed == PUBLIC:
        return None
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    if not current_user.has_any_role(allowed):
        abort(403)
    return None


def user_has_any(roles: Iterable[Role]) -> bool:
    """Whether the signed-in staff member holds one of `roles` (False outside a request)."""
    return bool(current_user and current_user.is_authenticated and current_user.has_any_role(roles))
