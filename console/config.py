"""Configuration read from the environment, with embedded defaults for a fresh clone."""

from __future__ import annotations

import os
from pathlib import Path

from console.domain import Role

DEV_SECRET_KEY = "dev-only-not-secret"  # noqa: S105 - refused in production below
PROJECT_ROOT = Path(__file__).resolve().parent.parent


class ConfigError(RuntimeError):
    """The environment does not describe a configuration the console can run with."""


def _sqlalchemy_url(url: str) -> str:
    # Heroku-style and plain "postgresql://" URLs select psycopg 3, the driver we ship.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _count(value: str, name: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = -1
    if not 0 <= number <= 5:
        raise ConfigError(f"{name} must be a whole number from 0 to 5, not {value!r}")
    return number


def from_environment(instance_path: str, environ: dict[str, str] | None = None) -> dict:
    """Build the Flask config mapping from environment variables."""
    env = os.environ if environ is None else environ
    console_env = env.get("CONSOLE_ENV", "development")
    if console_env not in {"development", "production", "testing"}:
        raise ConfigError(f"CONSOLE_ENV must be development, production or testing, not {console_env!r}")
    secret = env.get("SECRET_KEY", "")
    if console_env == "production" and (not secret or secret == DEV_SECRET_KEY or len(secret) < 32):
        raise ConfigError("SECRET_KEY must be set to a random value of 32+ characters in production")
    database_url = env.get("DATABASE_URL") or f"sqlite:///{Path(instance_path) / 'console.db'}"
    local = console_env != "production"
    return {
        "CONSOLE_ENV": console_env,
        "SECRET_KEY": secret or DEV_SECRET_KEY,
        "AUDIT_KEY": env.get("AUDIT_KEY", ""),
        "AUDIT_HEAD_FILE": env.get("AUDIT_HEAD_FILE", str(Path(instance_path) / "audit-head.log")),
        "AUDIT_HEAD_SINK_URL": _sink_url(env.get("AUDIT_HEAD_SINK_URL", ""), production=not local),
        "AUDIT_HEAD_SINK_TOKEN": env.get("AUDIT_HEAD_SINK_TOKEN", ""),
        "AUDIT_HEAD_SINK_TIMEOUT": 5.0,
        "SQLALCHEMY_DATABASE_URI": _sqlalchemy_url(database_url),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "REDIS_URL": env.get("REDIS_URL", ""),
        "EMBEDDED_REDIS_DIR": env.get("EMBEDDED_REDIS_DIR", str(Path(instance_path) / "redis")),
        "FILES_DIR": env.get("FILES_DIR", str(Path(instance_path) / "files")),
        "DEFAULT_LANGUAGE": env.get("DEFAULT_LANGUAGE", "fr"),
        "TRUSTED_PROXIES": _count(env.get("TRUSTED_PROXIES", "0"), "TRUSTED_PROXIES"),
        "SMTP_URL": env.get("SMTP_URL", ""),
        "SMTP_MESSAGES_PER_MINUTE": _bounded_int(env, "SMTP_MESSAGES_PER_MINUTE", 200, 1, 100_000),
        "POLICY_CAMPAIGN_CHUNK": _bounded_int(env, "POLICY_CAMPAIGN_CHUNK", 5000, 1, 50_000),
        "PUBLIC_BASE_URL": env.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000"),
        # The portal (DESIGN §10): signed links' keys, the support mailbox replies reach, inbound mail
        "PORTAL_KEY": env.get("PORTAL_KEY", ""),
        "SUPPORT_MAILBOX": env.get("SUPPORT_MAILBOX", "support@ekoklean.fr"),
        "INBOUND_EMAIL_SECRET": env.get("INBOUND_EMAIL_SECRET", ""),
        "PORTAL_TOKEN_RATE_LIMIT": env.get("PORTAL_TOKEN_RATE_LIMIT", "30/minute"),
        "PORTAL_ADDRESS_RATE_LIMIT": env.get("PORTAL_ADDRESS_RATE_LIMIT", "120/minute"),
        "MAIL_FROM": env.get("MAIL_FROM", "Ekoklean Console <no-reply@ekoklean.fr>"),
        "MAX_CONTENT_LENGTH": int(env.get("MAX_CONTENT_LENGTH", str(16 * 1024 * 1024))),
        "SESSION_COOKIE_NAME": "ekoklean_session",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": not local,
        "REMEMBER_COOKIE_DURATION": 0,
        "SESSION_IDLE_MINUTES": 30,
        "SESSION_ABSOLUTE_HOURS": 12,
        "LOGIN_MAX_FAILURES": 5,
        "LOGIN_LOCK_MINUTES": 15,
        "LOGIN_IP_MAX_FAILURES": int(env.get("LOGIN_IP_MAX_FAILURES", "30")),
        "PASSWORD_MIN_LENGTH": 12,
        # Roles that must pass a second factor (TOTP) at sign-in; an empty value: none.
        "MFA_REQUIRED_ROLES": _roles(env.get("MFA_REQUIRED_ROLES", "manager,admin")),
        "PASSWORD_HASH_COST": "standard",
        "WTF_CSRF_TIME_LIMIT": 3600,
        "HSTS": not local,
        "FLASK_ADMIN_SWATCH": "default",
        "JOB_RESULT_TTL": 24 * 3600,
        "JOB_FAILURE_TTL": 30 * 24 * 3600,
        "NOTIFICATION_RETRY_HOURS": _bounded_int(env, "NOTIFICATION_RETRY_HOURS", 72, 1, 24 * 14),
        # The support dashboard's aggregates (open by state, this week's SLA, 30 days of ratings) are
        # computed at most once per this many seconds and kept in Redis; 0: on every page.
        "DASHBOARD_CACHE_SECONDS": _bounded_int(env, "DASHBOARD_CACHE_SECONDS", 60, 0, 3600),
        # The RC Pro expiry board's tabs are kept in Redis this long at most (recomputed every 5
        # minutes by the worker and after each verification or sweep); 0: computed on every page.
        "BOARD_CACHE_SECONDS": _bounded_int(env, "BOARD_CACHE_SECONDS", 900, 0, 86_400),
        "REPORT_REQUESTS_PER_MINUTE": _bounded_int(env, "REPORT_REQUESTS_PER_MINUTE", 10, 1, 1000),
        "NOTIFICATION_BACKOFF_SECONDS": 60,
        "NOTIFICATION_BACKOFF_MAX_SECONDS": 30 * 60,
        "API_RATE_LIMIT": env.get("API_RATE_LIMIT", "600/minute"),
        "API_MAX_BODY_BYTES": _bounded_int(env, "API_MAX_BODY_BYTES", 2 * 2**20, 1024, 64 * 2**20),
        "VETTING_PASS_MARK": _bounded_int(env, "VETTING_PASS_MARK", 70, 0, 100),
        "REVETTING_MONTHS": _bounded_int(env, "REVETTING_MONTHS", 24, 3, 120),
        # Webhooks: HTTPS required outside development; private, loopback and link-local
        # addresses refused unless their host name, address or network is listed here.
        "WEBHOOK_REQUIRE_HTTPS": _flag(env, "WEBHOOK_REQUIRE_HTTPS", console_env != "development"),
        "WEBHOOK_ALLOWED_HOSTS": [
            h for h in env.get("WEBHOOK_ALLOWED_HOSTS", "").replace(" ", ",").split(",") if h
        ],
    }


def _roles(value: str) -> frozenset[str]:
    names = frozenset(name.strip() for name in value.replace(" ", ",").split(",") if name.strip())
    unknown = names - {role.value for role in Role}
    if unknown:
        raise ConfigError(f"MFA_REQUIRED_ROLES names unknown roles: {', '.join(sorted(unknown))}")
    return names


def _flag(env, name: str, default: bool) -> bool:
    raw = env.get(name, "").strip().lower()
    if not raw:
        return default
    if raw not in {"0", "1", "true", "false", "yes", "no"}:
        raise ConfigError(f"{name} must be true or false, not {raw!r}")
    return raw in {"1", "true", "yes"}


def _sink_url(url: str, *, production: bool) -> str:
    url = url.strip()
    if not url:
        return ""
    schemes = ("https://",) if production else ("https://", "http://")
    if not url.startswith(schemes):
        raise ConfigError(
            f"AUDIT_HEAD_SINK_URL must be an {' or '.join(s[:-3] for s in schemes)} URL, not {url!r}"
        )
    return url


def _bounded_int(env, name: str, default: int, low: int, high: int) -> int:
    raw = env.get(name, "")
    if not raw:
        return default
    if not raw.strip().isdigit() or not low <= int(raw) <= high:
        raise ConfigError(f"{name} must be a whole number from {low} to {high}, not {raw!r}")
    return int(raw)
