"""The SVG chart helper (console/charts.py): what it draws and what it tells a screen reader."""

from __future__ import annotations

import re

import pytest

from console import charts
from console.charts import Series, bar_chart, line_chart, nice_ceiling


def _rects(svg: str) -> list[dict[str, float]]:
    return [
        {k: float(v) for k, v in re.findall(r'(x|y|width|height)="([\d.]+)"', tag)}
        for tag in re.findall(r"<rect [^>]*>", svg)
    ]


def _table(svg: str) -> list[list[str]]:
    body = svg.split("<tbody>")[1].split("</tbody>")[0]
    return [re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row) for row in re.findall(r"<tr>(.*?)</tr>", body)]


@pytest.mark.parametrize(
    ("value", "top"), [(0, 1), (0.3, 0.5), (7, 10), (12, 20), (21, 25), (99, 100), (101, 200)]
)
def test_the_axis_top_is_a_round_figure_at_least_the_highest_value(value, top):
    assert nice_ceiling(value) == top


def test_a_bar_chart_draws_each_value_in_proportion_and_skips_zeros():
    svg = str(
        bar_chart(
            chart_id="t", title="Title", desc="Desc", labels=["a", "b", "c"], series=[Series("S", [10, 5, 0])]
        )
    )
    rects = _rects(svg)
    assert len(rects) == 2  # no bar for the zero
    assert rects[0]["height"] == pytest.approx(2 * rects[1]["height"], abs=0.2)
    assert rects[0]["y"] + rects[0]["height"] == pytest.approx(charts.HEIGHT - charts.BOTTOM, abs=0.2)


def test_stacked_bars_sit_on_each_other_and_reach_the_total():
    svg = str(
        bar_chart(
            chart_id="t",
            title="T",
            desc="D",
            labels=["w1"],
            series=[Series("A", [6]), Series("B", [4])],
            stacked=True,
            top=10,
        )
    )
    lower, upper = _rects(svg)
    assert upper["y"] + upper["height"] == pytest.approx(lower["y"], abs=0.2)  # B starts where A ends
    assert upper["y"] == pytest.approx(charts.TOP, abs=0.2)  # 6 + 4 = 10, the axis top
    assert lower["height"] == pytest.approx(1.5 * upper["height"], abs=0.2)


def test_a_chart_names_itself_and_lists_every_figure_for_screen_readers():
    svg = str(
        line_chart(
            chart_id="sla",
            title="Resolved in time",
            desc="Share per week",
            labels=["W1", "W2"],
            series=[Series("High", [50.0, None]), Series("Low", [100.0, 75.5])],
            fmt=lambda v: f"{v:.1f}%",
        )
    )
    assert 'role="img"' in svg and 'aria-labelledby="sla-title sla-desc"' in svg
    assert '<title id="sla-title">Resolved in time</title>' in svg
    assert '<desc id="sla-desc">Share per week</desc>' in svg
    assert _table(svg) == [["W1", "50.0%", "100.0%"], ["W2", "–", "75.5%"]]
    assert 'class="sr-only chart-data"' in svg


def test_a_missing_figure_breaks_the_line_instead_of_drawing_zero():
    svg = str(
        line_chart(
            chart_id="t",
            title="T",
            desc="D",
            labels=["1", "2", "3", "4"],
            series=[Series("S", [10, None, 20, 30])],
        )
    )
    assert svg.count("<circle") == 3
    polylines = re.findall(r'points="([^"]+)"', svg)
    assert len(polylines) == 1 and len(polylines[0].split()) == 2  # only 3 -> 4 is joined


def test_text_in_a_chart_is_escaped():
    svg = str(
        bar_chart(
            chart_id="t",
            title="<script>x</script>",
            desc="a & b",
            labels=["<b>"],
            series=[Series('"S"', [1])],
        )
    )
    assert "<script>" not in svg and "&lt;script&gt;" in svg and "a &amp; b" in svg and "&lt;b&gt;" in svg
    assert "&#34;S&#34;" in svg  # the series name too


def test_an_empty_chart_still_draws_its_axes():
    svg = str(bar_chart(chart_id="t", title="T", desc="D", labels=["a"], series=[Series("S", [0])]))
    assert "<rect" not in svg and svg.count('class="chart-grid"') == 3


def test_a_count_axis_has_no_fractional_middle_line():
    five = str(bar_chart(chart_id="t", title="T", desc="D", labels=["a"], series=[Series("S", [5])]))
    ten = str(bar_chart(chart_id="t", title="T", desc="D", labels=["a"], series=[Series("S", [9])]))
    assert five.count('class="chart-grid"') == 2 and ">2.5<" not in five
    assert ten.count('class="chart-grid"') == 3 and ">5<" in ten
