"""Small charts drawn on the server as inline SVG: no script, no third-party asset.

Each chart is a `<figure>` holding the SVG (`role="img"`, its `<title>` and `<desc>`) and a
visually hidden table with every figure, so a screen reader (and a test) reads the numbers.
Colours come from classes in static/console.css (`chart-s0`…`chart-s5`): the page's CSP allows no
inline style.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from markupsafe import Markup

from console.business_time import PARIS
from console.domain import _
from console.formatting import format_number, format_percent

WIDTH, HEIGHT = 480, 220
LEFT, RIGHT, TOP, BOTTOM = 44, 8, 10, 28
PALETTE = 6  # chart-s0 … chart-s5

Formatter = Callable[[float], str]


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float | None]  # one per label; None where there is no figure


def nice_ceiling(value: float) -> float:
    """The axis top: 1, 2, 2.5 or 5 times a power of ten, at least `value` (1 for an empty chart)."""
    if value <= 0:
        return 1
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * power:
            return step * power
    return 10 * power  # pragma: no cover - the loop always returns


def _plot_height() -> int:
    return HEIGHT - TOP - BOTTOM


def _y(value: float, top: float) -> float:
    return round(TOP + _plot_height() * (1 - value / top), 1)


def _slot(index: int, count: int) -> tuple[float, float]:
    """(left edge, width) of the label at `index` on the horizontal axis."""
    width = (WIDTH - LEFT - RIGHT) / max(count, 1)
    return LEFT + index * width, width


def _axes(labels: Sequence[str], top: float, fmt: Formatter) -> list[Markup]:
    parts = []
    middle = top / 2
    # no "2,5" between 0 and 5 on a count's axis: the middle line only where it is a whole number
    for tick in (0, middle, top) if middle == int(middle) or top < 2 else (0, top):
        y = _y(tick, top)
        parts.append(
            Markup('<line class="chart-grid" x1="{}" x2="{}" y1="{}" y2="{}"/>').format(
                LEFT, WIDTH - RIGHT, y, y
            )
        )
        parts.append(
            Markup('<text class="chart-tick" x="{}" y="{}" text-anchor="end">{}</text>').format(
                LEFT - 4, y + 4, fmt(tick)
            )
        )
    for index, label in enumerate(labels):
        left, width = _slot(index, len(labels))
        x = round(left + width / 2, 1)
        parts.append(
            Markup('<text class="chart-label" x="{}" y="{}" text-anchor="middle">{}</text>').format(
                x, HEIGHT - 8, label
            )
        )
    return parts


def _legend(series: Sequence[Series]) -> Markup:
    item = Markup(
        '<li class="list-inline-item"><span class="chart-key chart-s{}" aria-hidden="true"></span>{}</li>'
    )
    items = Markup("").join(item.format(i % PALETTE, s.name) for i, s in enumerate(series))
    return Markup('<ul class="chart-legend list-inline small mb-1" aria-hidden="true">{}</ul>').format(items)


def _table(caption: str, labels: Sequence[str], series: Sequence[Series], fmt: Formatter) -> Markup:
    head = Markup("").join(Markup('<th scope="col">{}</th>').format(s.name) for s in series)
    rows = Markup("").join(
        Markup('<tr><th scope="row">{}</th>{}</tr>').format(
            label, Markup("").join(Markup("<td>{}</td>").format(_cell(s.values[i], fmt)) for s in series)
        )
        for i, label in enumerate(labels)
    )
    return Markup(
        '<table class="sr-only chart-data"><caption>{}</caption>'
        "<thead><tr><td></td>{}</tr></thead><tbody>{}</tbody></table>"
    ).format(caption, head, rows)


def _cell(value: float | None, fmt: Formatter) -> str:
    return "–" if value is None else fmt(value)


def _figure(
    chart_id: str, title: str, desc: str, body: list[Markup], legend: Markup, table: Markup
) -> Markup:
    svg = Markup(
        '<svg class="chart" viewBox="0 0 {w} {h}" role="img" aria-labelledby="{id}-title {id}-desc" '
        'focusable="false"><title id="{id}-title">{title}</title>'
        '<desc id="{id}-desc">{desc}</desc>{body}</svg>'
    ).format(w=WIDTH, h=HEIGHT, id=chart_id, title=title, desc=desc, body=Markup("").join(body))
    return Markup(
        '<figure class="home-chart mb-0" id="{id}" data-testid="chart-{id}">'
        '<figcaption class="h6">{title}</figcaption>{legend}{svg}{table}</figure>'
    ).format(id=chart_id, title=title, legend=legend, svg=svg, table=table)


def bar_chart(
    *,
    chart_id: str,
    title: str,
    desc: str,
    labels: Sequence[str],
    series: Sequence[Series],
    stacked: bool = False,
    fmt: Formatter = format_number,
    tick_fmt: Formatter | None = None,
    top: float | None = None,
) -> Markup:
    """Bars per label: side by side, or stacked (a label's total is the stack's height)."""
    totals = [sum(s.values[i] or 0 for s in series) for i in range(len(labels))]
    highest = max(totals if stacked else [v or 0 for s in series for v in s.values], default=0)
    top = top or nice_ceiling(highest)
    body = _axes(labels, top, tick_fmt or fmt)
    for index, label in enumerate(labels):
        left, width = _slot(index, len(labels))
        inner = width * 0.7
        base = 0.0
        for number, s in enumerate(series):
            value = s.values[index] or 0
            if stacked:
                x, w, y0, y1 = left + width * 0.15, inner, base + value, base
                base += value
            else:
                w = inner / max(len(series), 1)
                x, y0, y1 = left + width * 0.15 + number * w, value, 0
            if value <= 0:
                continue
            y, bottom = _y(y0, top), _y(y1, top)
            words = f"{label}, {s.name}: {_cell(s.values[index], fmt)}"
            body.append(
                Markup(
                    '<rect class="chart-s{}" x="{}" y="{}" width="{}" height="{}"><title>{}</title></rect>'
                ).format(number % PALETTE, round(x, 1), y, round(w, 1), round(bottom - y, 1), words)
            )
    return _figure(chart_id, title, desc, body, _legend(series), _table(title, labels, series, fmt))


def line_chart(
    *,
    chart_id: str,
    title: str,
    desc: str,
    labels: Sequence[str],
    series: Sequence[Series],
    fmt: Formatter = format_number,
    tick_fmt: Formatter | None = None,
    top: float | None = None,
) -> Markup:
    """A line per series across the labels; a gap where a figure is missing, a dot on each point."""
    highest = max((v for s in series for v in s.values if v is not None), default=0)
    top = top or nice_ceiling(highest)
    body = _axes(labels, top, tick_fmt or fmt)
    for number, s in enumerate(series):
        css = f"chart-s{number % PALETTE}"
        runs: list[list[tuple[float, float]]] = [[]]
        for index, value in enumerate(s.values):
            if value is None:
                runs.append([])
                continue
            left, width = _slot(index, len(labels))
            point = (round(left + width / 2, 1), _y(value, top))
            runs[-1].append(point)
            words = f"{labels[index]}, {s.name}: {fmt(value)}"
            body.append(
                Markup('<circle class="{}" cx="{}" cy="{}" r="3"><title>{}</title></circle>').format(
                    css, point[0], point[1], words
                )
            )
        for run in runs:
            if len(run) > 1:
                points = " ".join(f"{x},{y}" for x, y in run)
                body.append(Markup('<polyline class="chart-line {}" points="{}"/>').format(css, points))
    return _figure(chart_id, title, desc, body, _legend(series), _table(title, labels, series, fmt))


def percent(value: float) -> str:
    """A figure between 0 and 100 as a French percentage: `97,5 %`."""
    return format_percent(value / 100)


def percent_tick(value: float) -> str:
    return format_percent(value / 100, decimals=0)


def week_label(week: int) -> str:
    """An ISO week on an axis: `S49` (`W49` in English)."""
    return _("W%(week)s", week=week)


def iso_weeks(starts: Sequence[datetime]) -> list[int]:
    """The ISO week number of each week start (its Paris day)."""
    return [start.astimezone(PARIS).isocalendar().week for start in starts]
