"""`flask reports build`: any report built synchronously through the same builders."""

from __future__ import annotations

import pytest

from tests import factories
from tests.reports.conftest import read_pdf, squash
from tests.reports.test_policy_report import seed


def test_report_one_from_the_command_line(app, tmp_path):
    seed()
    out = tmp_path / "policy.pdf"
    result = app.test_cli_runner().invoke(
        args=["reports", "build", "policy_compliance", "--period", "2026-11", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    reader, text = read_pdf(out.read_bytes())
    pages = len(reader.pages)
    assert (f"{pages} pages" if pages > 1 else "1 page,") in result.output  # words agree with the number
    flat = squash(text)
    assert "01/11/2026 – 30/11/2026" in flat and "Values holding an unmasked card number 1" in flat


def test_a_dossier_and_the_register_from_the_command_line(app, tmp_path):
    provider = factories.make_provider()
    for kind, extra in (("provider_dossier", ["--provider", provider.reference]), ("provider_register", [])):
        out = tmp_path / f"{kind}.pdf"
        result = app.test_cli_runner().invoke(args=["reports", "build", kind, *extra, "--out", str(out)])
        assert result.exit_code == 0, result.output
        assert out.read_bytes().startswith(b"%PDF")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["provider_dossier", "--provider", "nobody"], "PRV-000123"),
        (["policy_compliance", "--period", "2026-13"], "2026-11"),
        (["policy_compliance", "--period", "2999-01"], "future"),
    ],
)
def test_bad_parameters_are_explained(app, tmp_path, args, message):
    result = app.test_cli_runner().invoke(args=["reports", "build", *args, "--out", str(tmp_path / "x.pdf")])
    assert result.exit_code != 0 and message in result.output
