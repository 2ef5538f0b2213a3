"""plotly figure builders: each returns an HTML fragment (a div and its script) for a partial.

plotly.js itself is served from static and loaded by the page; fragments never include it,
so they also render when HTMX swaps them in (htmx runs the inline script).
"""

from __future__ import annotations

from collections.abc import Sequence

import plotly.graph_objects as go
from django.utils.safestring import SafeString, mark_safe

from revops.selectors.dashboard import MonthTotal, StageTotal

ACCENT = "#2f5bea"
CHART_HEIGHT = 320
_CONFIG = {"displayModeBar": False, "responsive": True}


def _layout(fig: go.Figure) -> go.Figure:
    fig.update_layout(
        template="plotly_white",
        height=CHART_HEIGHT,
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        font={"family": "system-ui, -apple-system, Segoe UI, Roboto, sans-serif", "size": 12},
        showlegend=False,
    )
    return fig


def _fragment(fig: go.Figure) -> SafeString:
    html = _layout(fig).to_html(full_html=False, include_plotlyjs=False, config=_CONFIG)
    return mark_safe(html)


def pipeline_funnel(stages: Sequence[StageTotal]) -> SafeString:
    """Funnel of amount per stage; empty when there is no amount at all."""
    if not any(s.amount for s in stages):
        return mark_safe("")
    fig = go.Figure(
        go.Funnel(
            y=[s.label for s in stages],
            x=[float(s.amount) for s in stages],
            customdata=[s.count for s in stages],
            texttemplate="%{x:,.0f}",
            hovertemplate="%{y}: %{x:,.2f} (%{customdata} deals)<extra></extra>",
            marker={"color": ACCENT},
        )
    )
    return _fragment(fig)


def won_revenue_line(months: Sequence[MonthTotal]) -> SafeString:
    """Won revenue per month; empty when nothing was won."""
    if not any(m.amount for m in months):
        return mark_safe("")
    fig = go.Figure(
        go.Scatter(
            x=[m.month.isoformat() for m in months],
            y=[float(m.amount) for m in months],
            customdata=[m.count for m in months],
            mode="lines+markers",
            line={"color": ACCENT, "width": 2},
            hovertemplate="%{x|%b %Y}: %{y:,.2f} (%{customdata} deals)<extra></extra>",
        )
    )
    fig.update_xaxes(tickformat="%b %Y", dtick="M1")
    fig.update_yaxes(tickformat=",.0f", rangemode="tozero")
    return _fragment(fig)
