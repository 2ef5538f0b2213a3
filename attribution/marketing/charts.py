"""plotly figures of the marketing pages (HTML fragments, see revops.charts)."""

from __future__ import annotations

import plotly.graph_objects as go
from django.utils.safestring import SafeString, mark_safe

from attribution.marketing.selectors.results import Comparison
from revops.charts import figure_fragment

EMPTY = mark_safe("")
# One colour per model, in menu order (colour-blind safe, the Tableau 10 set).
MODEL_COLOURS = [
    "#4e79a7",
    "#f28e2b",
    "#e15759",
    "#76b7b2",
    "#59a14f",
    "#edc948",
    "#b07aa1",
    "#ff9da7",
    "#9c755f",
    "#bab0ac",
]


def comparison_bars(comparison: Comparison) -> SafeString:
    """Attributed revenue per channel, one bar per model, with bootstrap intervals as error bars."""
    if not comparison.rows:
        return EMPTY
    channels = [row.channel for row in comparison.rows]
    fig = go.Figure()
    for i, label in enumerate(comparison.labels):
        cells = [row.cells[i] for row in comparison.rows]
        values = [float(c.value) if c else None for c in cells]
        has_ci = any(c is not None and c.low is not None for c in cells)
        error = None
        if has_ci:
            error = {
                "type": "data",
                "symmetric": False,
                "array": [float(c.high - c.value) if c and c.high is not None else 0 for c in cells],
                "arrayminus": [float(c.value - c.low) if c and c.low is not None else 0 for c in cells],
                "thickness": 1,
            }
        fig.add_trace(
            go.Bar(
                x=channels,
                y=values,
                name=label,
                marker={"color": MODEL_COLOURS[i % len(MODEL_COLOURS)]},
                error_y=error,
                hovertemplate=f"{label}<br>%{{x}}: %{{y:,.0f}}<extra></extra>",
            )
        )
    fig.update_layout(barmode="group", legend={"orientation": "h", "y": 1.15})
    fig.update_yaxes(tickformat=",.0f", rangemode="tozero")
    return figure_fragment(fig)
