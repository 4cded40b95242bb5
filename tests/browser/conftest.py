"""A live console on a free port and a real headless Chromium (Debian's package)."""

from __future__ import annotations

import os
import threading

import pytest
from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

from tests.factories import PASSWORD

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def closing_responses(wsgi_app):
    """Close every response body even when the browser drops the connection mid-transfer.

    Werkzeug's development server skips ``close()`` on the body when the client goes away
    (Chromium cancels stylesheet loads on navigation), leaving the static file open until
    garbage collection. Wrapping the body in a generator makes its finaliser close it.
    """

    def drain(body):
        try:
            yield from body
        finally:
            if hasattr(body, "close"):
                body.close()

    def app(environ, start_response):
        return drain(wsgi_app(environ, start_response))

    return app


@pytest.fixture
def live_url(app):
    server = make_server("127.0.0.1", 0, closing_responses(app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture
def browser():
    assert os.path.exists(CHROMIUM), f"Chromium is required at {CHROMIUM} (apt-get install chromium)"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context()
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.console_errors = errors
    yield page
    context.close()


# The access log asks why a person's page is opened, once per kind of page in a session: the staff
# member of these journeys answers with the first purpose offered.
ANSWER_PURPOSE_DIALOG = """
document.addEventListener("DOMContentLoaded", () => {
  const form = document.querySelector("[data-testid=access-purpose-form]");
  if (form) form.submit();
});
"""


def sign_in(page, live_url: str, email: str, password: str = PASSWORD) -> None:
    """Sign in through the real form and wait for the console's header."""
    page.context.add_init_script(ANSWER_PURPOSE_DIALOG)
    page.goto(f"{live_url}/login")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_selector("[data-testid=signed-in-as]")
