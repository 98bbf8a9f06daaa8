"""The server section's chart: requests/s per endpoint, asgi_api beside Prefect, on a log scale.

Written as SVG by hand (a few rectangles and labels), so the benchmark needs no plotting package
and the README can show the image as it is.
"""

from __future__ import annotations

import math
from pathlib import Path
from xml.sax.saxutils import escape

COLOURS = {"asgi_api": "#2f6db3", "Prefect": "#e07b39"}
LABEL_W, BAR_H, GAP, PLOT_W, TOP = 290, 14, 12, 520, 48


def _x(value: float, decades: int) -> float:
    """The bar length of `value` on an axis from 1 to 10**decades (values below 1 draw nothing)."""
    return PLOT_W * max(0.0, math.log10(max(value, 1.0))) / decades


def draw(path: Path, title: str, rows: list[tuple[str, dict[str, float]]]) -> None:
    """Write the chart of `rows` ((endpoint, {server: requests/s})) to `path`."""
    top_value = max([value for _, rates in rows for value in rates.values()] + [10.0])
    decades = math.ceil(math.log10(top_value))
    group = len(COLOURS) * BAR_H + GAP
    height = TOP + len(rows) * group + 40
    width = LABEL_W + PLOT_W + 90
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'font-family="sans-serif" font-size="12">',
             f'<rect width="{width}" height="{height}" fill="white"/>',
             f'<text x="{LABEL_W}" y="20" font-size="14" font-weight="bold">{escape(title)}</text>']
    for index, name in enumerate(COLOURS):
        x = LABEL_W + index * 110
        parts.append(f'<rect x="{x}" y="28" width="12" height="12" fill="{COLOURS[name]}"/>'
                     f'<text x="{x + 16}" y="38">{escape(name)}</text>')
    bottom = TOP + len(rows) * group
    for decade in range(decades + 1):
        x = LABEL_W + PLOT_W * decade / decades
        parts.append(f'<line x1="{x:.1f}" y1="{TOP - 4}" x2="{x:.1f}" y2="{bottom}" stroke="#ddd"/>'
                     f'<text x="{x:.1f}" y="{bottom + 16}" text-anchor="middle">{10 ** decade:,}</text>')
    parts.append(f'<text x="{LABEL_W + PLOT_W / 2}" y="{bottom + 32}" text-anchor="middle">'
                 'requests/s (log scale)</text>')
    for row, (label, rates) in enumerate(rows):
        y = TOP + row * group
        parts.append(f'<text x="{LABEL_W - 8}" y="{y + BAR_H + 4}" text-anchor="end">{escape(label)}</text>')
        for index, name in enumerate(COLOURS):
            bar_y = y + index * BAR_H
            if name not in rates:
                parts.append(f'<text x="{LABEL_W + 4}" y="{bar_y + BAR_H - 3}" fill="#888">not measured</text>')
                continue
            length = _x(rates[name], decades)
            parts.append(f'<rect x="{LABEL_W}" y="{bar_y}" width="{length:.1f}" height="{BAR_H - 2}" '
                         f'fill="{COLOURS[name]}"/><text x="{LABEL_W + length + 4:.1f}" y="{bar_y + BAR_H - 3}">'
                         f'{rates[name]:,.0f}</text>')
    parts.append("</svg>\n")
    path.write_text("".join(parts))
