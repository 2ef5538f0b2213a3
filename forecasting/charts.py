"""plotly figures of the forecasting pages (HTML fragments, see revops.charts)."""

from __future__ import annotations

from collections.abc import Sequence

import plotly.graph_objects as go
from django.utils.safestring import SafeString, mark_safe

from forecasting.models import DealScore
from revops.charts import ACCENT, figure_fragment

EMPTY = mark_safe("")
BAND = "rgba(47, 91, 234, 0.15)"


def fan_chart(fan: Sequence[dict]) -> SafeString:
    """Cumulative revenue over the coming months: the P10–P90 band around the P50 line."""
    if not fan:
        return EMPTY
    x = [f["label"] for f in fan]
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(x=x, y=[f["p90"] for f in fan], mode="lines", line={"width": 0}, hoverinfo="skip")
    )
    fig.add_trace(
        go.Scatter(
            x=x,
            y=[f["p10"] for f in fan],
            mode="lines",
            line={"width": 0},
            fill="tonexty",
            fillcolor=BAND,
            hoverinfo="skip",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=x,
            y=[f["p50"] for f in fan],
            mode="lines+markers",
            line={"color": ACCENT},
            customdata=[[f["p10"], f["p90"]] for f in fan],
            hovertemplate="%{x}: P50 %{y:,.0f} (P10 %{customdata[0]:,.0f} – P90 %{customdata[1]:,.0f})<extra></extra>",
        )
    )
    fig.update_layout(yaxis={"title": "Cumulative revenue"})
    return figure_fragment(fig)


def probability_history(history: Sequence[DealScore]) -> SafeString:
    if len(history) < 2:
        return EMPTY
    fig = go.Figure(
        go.Scatter(
            x=[s.as_of.isoformat() for s in history],
            y=[float(s.probability) * 100 for s in history],
            mode="lines+markers",
            line={"color": ACCENT},
            hovertemplate="%{x}: %{y:.0f} %<extra></extra>",
        )
    )
    fig.update_layout(yaxis={"title": "Win probability (%)", "range": [0, 100]})
    return figure_fragment(fig)


def reliability_diagram(bins: Sequence[dict]) -> SafeString:
    """Mean predicted probability against the share won, per bin; the diagonal is perfect."""
    shown = [b for b in bins if b["count"]]
    if not shown:
        return EMPTY
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=[0, 1], y=[0, 1], mode="lines", line={"dash": "dot", "color": "#94a3b8"}, hoverinfo="skip"
        )
    )
    fig.add_trace(
        go.Scatter(
            x=[b["mean_predicted"] for b in shown],
            y=[b["fraction_won"] for b in shown],
            mode="lines+markers",
            marker={"size": [6 + min(14, b["count"] ** 0.5) for b in shown], "color": ACCENT},
            customdata=[b["count"] for b in shown],
            hovertemplate="predicted %{x:.0%}, won %{y:.0%} (%{customdata} examples)<extra></extra>",
        )
    )
    fig.update_layout(xaxis={"title": "Predicted", "range": [0, 1]}, yaxis={"title": "Won", "range": [0, 1]})
    return figure_fragment(fig)


def importance_bars(importance: dict[str, float]) -> SafeString:
    top = sorted(importance.items(), key=lambda kv: kv[1], reverse=True)[:12]
    if not top:
        return EMPTY
    fig = go.Figure(
        go.Bar(
            x=[v for _, v in reversed(top)],
            y=[k.replace("_", " ") for k, _ in reversed(top)],
            orientation="h",
            marker={"color": ACCENT},
            hovertemplate="%{y}: %{x:.1%} of the gain<extra></extra>",
        )
    )
    fig.update_layout(margin={"l": 160})
    return figure_fragment(fig)
