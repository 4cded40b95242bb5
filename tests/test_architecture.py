"""The architecture holds: pure rules, the import contract, no oversized module."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import PROJECT_ROOT, PROJECT_ROOT_ENV

PACKAGES = (
    "console",
    "marketplace",
    "policy",
    "restrictions",
    "insurance",
    "vetting",
    "disputes",
    "reviews",
    "reports",
    "api",
    "privacy",
    "portal",
    "demo",
)
WORKFLOWS = sorted(
    ".".join(path.relative_to(PROJECT_ROOT).with_suffix("").parts)
    for package in PACKAGES
    for path in (PROJECT_ROOT / package).rglob("workflow.py")
)
IMPURE = (
    "flask",
    "flask_admin",
    "flask_login",
    "flask_wtf",
    "flask_sqlalchemy",
    "sqlalchemy",
    "wtforms",
    "rq",
)
MAX_LINES = 500


def test_every_domain_has_its_rules_in_a_workflow_module():
    assert {"insurance.workflow", "vetting.workflow", "restrictions.workflow", "reports.workflow"} <= set(
        WORKFLOWS
    )


@pytest.mark.parametrize("module", WORKFLOWS)
def test_a_workflow_module_loads_neither_flask_nor_sqlalchemy(module):
    """Imported alone in a fresh interpreter, a rules module pulls in nothing of the web or the database."""
    probe = (
        f"import sys, {module}\n"
        f"print(' '.join(sorted({{m.split('.')[0] for m in sys.modules}} & set({IMPURE!r}))))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        env=PROJECT_ROOT_ENV,
        cwd=PROJECT_ROOT,
        check=True,
    )
    assert result.stdout.strip() == "", f"{module} loads {result.stdout.strip()}"


def test_the_import_contract_is_kept():
    """`lint-imports` (pyproject.toml): layers, seams between domains, admin views kept private."""
    lint_imports = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(lint_imports), "--no-cache"],
        capture_output=True,
        text=True,
        env=PROJECT_ROOT_ENV,
        cwd=PROJECT_ROOT,
    )
    assert result.returncode == 0, result.stdout[-4000:]


def test_no_module_is_over_500_lines():
    sources = [path for package in PACKAGES for path in (PROJECT_ROOT / package).rglob("*.py")]
    sources += [PROJECT_ROOT / "bench" / "bench.py"]
    long = {
        str(p.relative_to(PROJECT_ROOT)): n
        for p in sources
        if (n := len(p.read_text().splitlines())) > MAX_LINES
    }
    assert not long, f"modules over {MAX_LINES} lines: {long}"
