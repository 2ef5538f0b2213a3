"""Charts as PNG images, drawn offline with matplotlib (Agg, no display, no browser).

Plotly's static export (kaleido) drives a headless browser, which a server without network
or a browser build cannot run; the pages keep plotly, the files get these images.
"""

from __future__ import annotations

import io
from decimal import Decimal

from revops.reports.kit import Chart

# Slate/indigo tones of the UI kit, so the files look like the pages.
COLOURS = ("#4f46e5", "#0ea5e9", "#10b981", "#f59e0b", "#ef4444", "#8b5cf6", "#64748b")
WIDTH_IN, HEIGHT_IN, DPI = 7.0, 2.8, 110
MAX_LABEL = 28  # a longer category label is cut with an ellipsis


def _short(label: str) -> str:
    return label if len(label) <= MAX_LABEL else label[: MAX_LABEL - 1] + "…"


def _money_axis(value: float, _position: int) -> str:
    for limit, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= limit:
            return f"{value / limit:,.1f}{suffix}"
    return f"{value:,.0f}"


def chart_png(chart: Chart) -> bytes:
    """The chart as PNG bytes."""
    import matplotlib

    matplotlib.use("Agg")  # no display: the file is all we want
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter

    figure = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI)
    axes = figure.add_subplot()
    labels = [_short(str(label)) for label in chart.labels]
    positions = list(range(len(labels)))
    count = max(1, len(chart.series))
    width = 0.8 / count
    for index, (name, values) in enumerate(chart.series):
        numbers = [float(Decimal(v)) for v in values]
        colour = COLOURS[index % len(COLOURS)]
        if chart.kind == "line":
            axes.plot(positions, numbers, marker="o", linewidth=1.8, markersize=3, color=colour, label=name)
        elif chart.kind == "barh":
            offsets = [p + (index - (count - 1) / 2) * width for p in positions]
            axes.barh(offsets, numbers, height=width, color=colour, label=name)
        else:
            offsets = [p + (index - (count - 1) / 2) * width for p in positions]
            axes.bar(offsets, numbers, width=width, color=colour, label=name)
    value_axis = axes.xaxis if chart.kind == "barh" else axes.yaxis
    if chart.money:
        value_axis.set_major_formatter(FuncFormatter(_money_axis))
    if chart.kind == "barh":
        axes.set_yticks(positions, labels, fontsize=7)
        axes.invert_yaxis()  # the first (largest) on top
    else:
        axes.set_xticks(
            positions,
            labels,
            fontsize=7,
            rotation=30 if len(labels) > 6 else 0,
            ha="right" if len(labels) > 6 else "center",
        )
    axes.tick_params(axis="both", labelsize=7)
    axes.set_title(chart.title, fontsize=9, loc="left")
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    axes.grid(axis="x" if chart.kind == "barh" else "y", color="#e2e8f0", linewidth=0.6)
    axes.set_axisbelow(True)
    if len(chart.series) > 1:
        axes.legend(fontsize=7, frameon=False)
    if not labels:
        axes.text(
            0.5, 0.5, "Nothing in this period", ha="center", va="center", transform=axes.transAxes, fontsize=8
        )
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
