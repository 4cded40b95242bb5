"""Response headers and the per-request context the audit trail reads (client address)."""

from __future__ import annotations

import re
import secrets

from flask import Flask, abort, g, request
from werkzeug.middleware.proxy_fix import ProxyFix

from console.audit.services import request_ip

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def csp_nonce() -> str:
    """One nonce per request for Flask-Admin's scripts (and any <style> block a page needs)."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def init_app(app: Flask) -> None:
    if app.config.get("TRUSTED_PROXIES"):
        # Behind that many reverse proxies, the client's address, scheme and host come from their
        # X-Forwarded-* headers (otherwise every sign-in would share the proxy's address).
        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    @app.before_request
    def remember_client_address():
        request_ip.set(request.remote_addr)

    @app.before_request
    def refuse_a_broken_return_address():
        # Flask-Admin redirects to the `url` a form or link carries once it is done; a control
        # character in it would fail when the Location header is written, after the work is done.
        if any(_CONTROL.search(target) for target in request.values.getlist("url")):
            abort(400)

    @app.after_request
    def security_headers(response):
        nonce = g.get("csp_nonce")
        own = f"'self' 'nonce-{nonce}'" if nonce else "'self'"
        response.headers.setdefault(  # a download sets its own, stricter policy
            "Content-Security-Policy",
            # No 'unsafe-inline' for styles either: pages use classes from static/console.css.
            f"default-src 'self'; script-src {own}; style-src {own}; "
            "img-src 'self' data:; font-src 'self'; object-src 'none'; base-uri 'none'; "
            "frame-ancestors 'none'; form-action 'self'",
        )
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers.setdefault("Referrer-Policy", "same-origin")  # the portal asks no-referrer
        response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
        if app.config["HSTS"]:
            response.headers["Strict-Transport-Security"] = "max-age=63072000; includeSubDomains"
        if not (request.endpoint or "").endswith("static"):  # error answers (404, 405) included
            response.headers.setdefault("Cache-Control", "no-store")
        return response
