"""Charts as inline SVG, drawn on the server: nothing to download, nothing from a CDN."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from markupsafe import Markup


def _compact(value: float) -> str:
    for limit, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= limit:
            return f"{value / limit:.1f}{suffix}"
    return f"{value:,.0f}"


def paired_bars(
    labels: Sequence[str],
    first: Sequence[float],
    second: Sequence[float],
    first_name: str,
    second_name: str,
    title: str,
    links: Sequence[str] | None = None,
) -> Markup:
    """A horizontal bar pair per label (e.g. clients and AUM per territory), each series on
    its own scale, values printed at the bar ends."""
    row, bar, label_width, plot, pad = 30, 11, 170, 520, 6
    height = 36 + row * len(labels) + 8
    width = label_width + plot + 90
    top_first, top_second = max(first, default=0) or 1, max(second, default=0) or 1
    parts = [
        f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" '
        f'width="100%" aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
        f'<rect x="{label_width}" y="6" width="10" height="10" class="series-a"/>'
        f'<text x="{label_width + 14}" y="15" class="legend">{escape(first_name)}</text>'
        f'<rect x="{label_width + 150}" y="6" width="10" height="10" class="series-b"/>'
        f'<text x="{label_width + 164}" y="15" class="legend">{escape(second_name)}</text>',
    ]
    for index, label in enumerate(labels):
        y = 30 + index * row
        a = plot * (first[index] / top_first)
        b = plot * (second[index] / top_second)
        name = escape(label)
        if links:
            name = f'<a href="{escape(links[index])}">{name}</a>'
        parts.append(
            f'<text x="{label_width - pad}" y="{y + bar + 4}" class="label" '
            f'text-anchor="end">{name}</text>'
            f'<rect x="{label_width}" y="{y}" width="{a:.1f}" height="{bar}" class="series-a">'
            f"<title>{escape(label)}: {first[index]:,.0f} {escape(first_name)}</title></rect>"
            f'<text x="{label_width + a + 4:.1f}" y="{y + bar - 1}" class="value">'
            f"{first[index]:,.0f}</text>"
            f'<rect x="{label_width}" y="{y + bar + 1}" width="{b:.1f}" height="{bar}" '
            f'class="series-b"><title>{escape(label)}: {_compact(second[index])} '
            f"{escape(second_name)}</title></rect>"
            f'<text x="{label_width + b + 4:.1f}" y="{y + 2 * bar}" class="value">'
            f"{_compact(second[index])}</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def stacked_counts(nights: Sequence[str], series: dict[str, Sequence[int]], title: str) -> Markup:
    """Vertical stacked bars: one per night, one colour per series (change types)."""
    height, bar_width, gap, left = 150, 40, 18, 30
    width = left + len(nights) * (bar_width + gap) + 160
    totals = [sum(values[i] for values in series.values()) for i in range(len(nights))]
    top = max(totals, default=0) or 1
    parts = [
        f'<svg class="chart" role="img" viewBox="0 0 {width} {height + 40}" width="{width}" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
    ]
    for index, night in enumerate(nights):
        x = left + index * (bar_width + gap)
        y = height
        for number, (name, values) in enumerate(series.items()):
            size = (height - 20) * values[index] / top
            y -= size
            parts.append(
                f'<rect x="{x}" y="{y:.1f}" width="{bar_width}" height="{size:.1f}" '
                f'class="series-{number}"><title>{escape(night)} {escape(name)}: '
                f"{values[index]:,}</title></rect>"
            )
        parts.append(
            f'<text x="{x + bar_width / 2}" y="{y - 4:.1f}" class="value" '
            f'text-anchor="middle">{totals[index]:,}</text>'
            f'<text x="{x + bar_width / 2}" y="{height + 16}" class="label" '
            f'text-anchor="middle">{escape(night[5:])}</text>'
        )
    legend_x = left + len(nights) * (bar_width + gap) + 10
    for number, name in enumerate(series):
        parts.append(
            f'<rect x="{legend_x}" y="{20 + number * 18}" width="10" height="10" '
            f'class="series-{number}"/><text x="{legend_x + 14}" y="{29 + number * 18}" '
            f'class="legend">{escape(name)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))
