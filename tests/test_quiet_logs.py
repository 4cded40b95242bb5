"""Quiet logs by default: no line per request unless LOG_REQUESTS=1, no WeasyPrint progress."""

from __future__ import annotations

import logging

from console.app import _quiet_logs


def test_requests_are_logged_only_when_asked(monkeypatch):
    monkeypatch.delenv("LOG_REQUESTS", raising=False)
    _quiet_logs()
    assert not logging.getLogger("werkzeug").isEnabledFor(logging.INFO)
    assert not logging.getLogger("weasyprint.progress").isEnabledFor(logging.INFO)
    monkeypatch.setenv("LOG_REQUESTS", "1")
    _quiet_logs()
    assert logging.getLogger("werkzeug").isEnabledFor(logging.INFO)
    monkeypatch.delenv("LOG_REQUESTS")
    _quiet_logs()
