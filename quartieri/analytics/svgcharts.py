"""Charts drawn on the server as SVG, for the PDF report (WeasyPrint runs no JavaScript).

Deliberately plain: axes, a few gridlines, one colour per series from a palette that
keeps 3:1 contrast on white, and a legend. The numbers are in the table printed next to
each chart; the chart only shows their shape.
"""

from __future__ import annotations

from html import escape

from quartieri.analytics.campaign_report import Chart

PALETTE = ["#0066cc", "#d1344c", "#008055", "#995c00", "#5c2f91", "#3d4955"]
WIDTH, HEIGHT = 640, 300
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 28, 56


def chart_svg(chart: Chart) -> str:
    peak = max((max(values, default=0.0) for _label, values in chart.series), default=0.0)
    top = _nice(peak)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{escape(str(chart.title))}">',
        f"<title>{escape(str(chart.title))}</title>",
        '<rect width="100%" height="100%" fill="#ffffff"/>',
    ]
    parts += _axes(top)
    plot = _line if chart.kind == "line" else _bars
    parts += plot(chart, top)
    parts += _x_labels(chart.labels)
    parts += _legend(chart)
    parts.append("</svg>")
    return "\n".join(parts)


def _nice(peak: float) -> float:
    """A round axis maximum at or above peak (1, 2 or 5 times a power of ten)."""
    if peak <= 0:
        return 1.0
    step = 10 ** (len(str(int(peak))) - 1)
    for factor in (1, 2, 5, 10):
        if peak <= factor * step:
            return float(factor * step)
    return float(10 * step)


def _y(value: float, top: float) -> float:
    return TOP + (HEIGHT - TOP - BOTTOM) * (1 - value / top)


def _axes(top: float) -> list[str]:
    lines = []
    for i in range(5):
        value = top * i / 4
        y = _y(value, top)
        lines.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="#d9dadb"/>'
        )
        lines.append(
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" font-size="10" text-anchor="end" '
            f'fill="#3d4955">{value:,.0f}</text>'
        )
    return lines


def _x(index: int, count: int) -> float:
    span = WIDTH - LEFT - RIGHT
    return LEFT + span * (index + 0.5) / max(count, 1)


def _line(chart: Chart, top: float) -> list[str]:
    shapes = []
    for n, (_label, values) in enumerate(chart.series):
        points = " ".join(
            f"{_x(i, len(values)):.1f},{_y(v, top):.1f}" for i, v in enumerate(values)
        )
        colour = PALETTE[n % len(PALETTE)]
        shapes.append(
            f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{points}"/>'
        )
    return shapes


def _bars(chart: Chart, top: float) -> list[str]:
    shapes = []
    groups = len(chart.labels)
    span = (WIDTH - LEFT - RIGHT) / max(groups, 1)
    width = span * 0.8 / max(len(chart.series), 1)
    for n, (_label, values) in enumerate(chart.series):
        colour = PALETTE[n % len(PALETTE)]
        for i, value in enumerate(values):
            x = LEFT + span * i + span * 0.1 + width * n
            y = _y(value, top)
            height = HEIGHT - BOTTOM - y
            shapes.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{width:.1f}" height="{height:.1f}" fill="{colour}"/>'
            )
    return shapes


def _x_labels(labels: list[str]) -> list[str]:
    if not labels:
        return []
    every = max(1, len(labels) // 8)  # at most about 8 labels under the axis
    return [
        f'<text x="{_x(i, len(labels)):.1f}" y="{HEIGHT - BOTTOM + 14}" font-size="10" '
        f'text-anchor="middle" fill="#3d4955">{escape(label[:18])}</text>'
        for i, label in enumerate(labels)
        if i % every == 0
    ]


def _legend(chart: Chart) -> list[str]:
    items = []
    x = LEFT
    for n, (label, _values) in enumerate(chart.series):
        colour = PALETTE[n % len(PALETTE)]
        y = HEIGHT - 18
        items.append(f'<rect x="{x}" y="{y - 9}" width="10" height="10" fill="{colour}"/>')
        items.append(
            f'<text x="{x + 14}" y="{y}" font-size="11" fill="#1a1a1a">{escape(label[:30])}</text>'
        )
        x += 24 + 7 * min(len(label), 30)
    return items
