"""Report 4's data and template: charts drawn from plain figures."""

from __future__ import annotations

import pytest

from reports import services
from reports.builders.complaints import ComplaintsData, OutcomeRow, SeverityRow
from reports.render import render_pdf
from tests.reports.conftest import read_pdf, squash


@pytest.mark.parametrize("pages_wanted", [1])
def test_complaints_template_draws_charts_from_plain_data(app, pages_wanted):
    """When the complaints module provides figures, the sections and their SVG charts render."""
    data = ComplaintsData(
        volumes=[("damage", 12), ("no-show", 5), ("quality <b>", 30)],
        sla=[SeverityRow("critical", 3, 100.0, 66.7), SeverityRow("high", 10, 90.0, 80.0)],
        resolution_hours=(20.5, 70.25),
        outcomes=[OutcomeRow("upheld", 4, 120_000, 90_000)],
        top_providers=[("PRV-000001", "Durand <script>", 7)],
    )
    header = services.Header("Complaints and disputes", "s", "complaints", "p", "as of", "gen", "RPT-000001")
    rendered = render_pdf("complaints.html", context={"header": header, "data": data})
    reader, text = read_pdf(rendered.pdf)
    flat = squash(text)
    assert "47 complaints" in flat and "20.5 hours" in flat and "70.2 hours" in flat
    assert "quality <b>" in flat and "Durand <script>" in flat
    assert "Resolved within SLA (%)" in flat and "Disputes per outcome" in flat
    assert "No complaint" not in flat
    assert len(reader.pages) >= pages_wanted
