from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from console.auth import services
from console.config import ConfigError, from_environment
from console.db import db, include_in_migrations


def test_models_and_migrations_agree(app):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"include_object": include_in_migrations})
        diff = compare_metadata(context, db.metadata)
    assert diff == []


@pytest.mark.parametrize("secret", [None, "", "dev-only-not-secret", "short"])
def test_production_refuses_a_default_or_weak_secret(secret, tmp_path):
    env = {"CONSOLE_ENV": "production"} | ({"SECRET_KEY": secret} if secret is not None else {})
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        from_environment(str(tmp_path), env)


def test_production_config(tmp_path):
    config = from_environment(
        str(tmp_path),
        {"CONSOLE_ENV": "production", "SECRET_KEY": "s" * 40, "DATABASE_URL": "postgresql://u@db/console"},
    )
    assert config["SESSION_COOKIE_SECURE"] and config["HSTS"]
    assert config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db/console"


def test_unknown_environment_is_refused(tmp_path):
    with pytest.raises(ConfigError):
        from_environment(str(tmp_path), {"CONSOLE_ENV": "staging"})


def test_staff_commands(app, monkeypatch):
    runner = app.test_cli_runner()
    monkeypatch.setenv("STAFF_PASSWORD", "a-scripted-password")
    result = runner.invoke(
        args=["staff", "create", "ops@example.com", "--role", "manager", "--role", "admin"]
    )
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["staff", "create", "ops@example.com", "--role", "manager"])
    assert result.exit_code == 1 and "already exists" in result.output
    assert "ops@example.com" in runner.invoke(args=["staff", "list"]).output
    result = runner.invoke(args=["staff", "deactivate", "ops@example.com"])
    assert result.exit_code == 0
    db.session.expire_all()
    assert not services.get_staff_by_email("ops@example.com").active
    assert runner.invoke(args=["staff", "deactivate", "nobody@example.com"]).exit_code == 1


def test_staff_create_prompts_for_the_password(app, monkeypatch):
    monkeypatch.delenv("STAFF_PASSWORD", raising=False)
    result = app.test_cli_runner().invoke(
        args=["staff", "create", "prompted@example.com", "--role", "support_agent"],
        input="prompted-password-1\nprompted-password-1\n",
    )
    assert result.exit_code == 0, result.output


def test_demo_seed_is_idempotent(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo", "seed"])
    second = runner.invoke(args=["demo", "seed"])
    assert first.exit_code == 0 and "(created)" in first.output
    assert second.exit_code == 0 and "(created)" not in second.output


@pytest.mark.parametrize(("name", "value"), [("VETTING_PASS_MARK", "101"), ("REVETTING_MONTHS", "two")])
def test_vetting_settings_are_checked(name, value, tmp_path):
    with pytest.raises(ConfigError, match=name):
        from_environment(str(tmp_path), {name: value})


def test_vetting_settings_have_defaults_and_can_be_set(tmp_path):
    assert from_environment(str(tmp_path), {})["VETTING_PASS_MARK"] == 70
    config = from_environment(str(tmp_path), {"VETTING_PASS_MARK": "75", "REVETTING_MONTHS": "36"})
    assert (config["VETTING_PASS_MARK"], config["REVETTING_MONTHS"]) == (75, 36)
