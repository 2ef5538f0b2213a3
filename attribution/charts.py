"""plotly figures of the attribution pages; each returns an HTML fragment (see revops.charts)."""

from __future__ import annotations

from collections.abc import Sequence

import plotly.graph_objects as go
from django.utils.safestring import SafeString, mark_safe

from attribution.selectors.performance import LabelTotal, MonthAmount, PartnerPerformance, PartnerTotal
from revops.charts import ACCENT, figure_fragment

PALETTE = ["#2f5bea", "#16a34a", "#f59e0b", "#dc2626", "#7c3aed", "#0891b2", "#64748b"]
EMPTY = mark_safe("")


def partner_bar(partners: Sequence[PartnerTotal]) -> SafeString:
    """Attributed revenue per partner, largest first."""
    if not partners:
        return EMPTY
    fig = go.Figure(
        go.Bar(
            x=[float(p.amount) for p in partners],
            y=[p.name for p in partners],
            orientation="h",
            marker={"color": ACCENT},
            hovertemplate="%{y}: %{x:,.2f}<extra></extra>",
        )
    )
    fig.update_yaxes(autorange="reversed")
    return figure_fragment(fig)


def _pie(totals: Sequence[LabelTotal], hole: float) -> SafeString:
    if not any(t.amount for t in totals):
        return EMPTY
    fig = go.Figure(
        go.Pie(
            labels=[t.label for t in totals],
            values=[float(t.amount) for t in totals],
            hole=hole,
            marker={"colors": PALETTE},
            hovertemplate="%{label}: %{value:,.2f} (%{percent})<extra></extra>",
        )
    )
    fig.update_layout(showlegend=True)
    return figure_fragment(fig)


def role_donut(roles: Sequence[LabelTotal]) -> SafeString:
    """Attributed revenue by partner role."""
    return _pie(roles, hole=0.5)


def tier_pie(tiers: Sequence[LabelTotal]) -> SafeString:
    """How attributed revenue is distributed over partner tiers."""
    return _pie(tiers, hole=0)


def credit_waterfall(performance: PartnerPerformance) -> SafeString:
    """From gross revenue, minus what no partner is credited with, to partner credit."""
    if not performance.gross_revenue and not performance.partner_credit:
        return EMPTY
    fig = go.Figure(
        go.Waterfall(
            x=["Gross revenue", "Not credited to partners", "Partner credit"],
            y=[
                float(performance.gross_revenue),
                -float(performance.not_credited),
                float(performance.partner_credit),
            ],
            measure=["absolute", "relative", "total"],
            connector={"line": {"color": "#94a3b8"}},
            hovertemplate="%{x}: %{y:,.2f}<extra></extra>",
        )
    )
    return figure_fragment(fig)


def monthly_trend(months: Sequence[MonthAmount]) -> SafeString:
    """Attributed revenue per month of the revenue date."""
    if not months:
        return EMPTY
    fig = go.Figure(
        go.Scatter(
            x=[m.month.isoformat() for m in months],
            y=[float(m.amount) for m in months],
            mode="lines+markers",
            line={"color": ACCENT, "width": 2},
            hovertemplate="%{x|%b %Y}: %{y:,.2f}<extra></extra>",
        )
    )
    fig.update_xaxes(tickformat="%b %Y", dtick="M1")
    fig.update_yaxes(tickformat=",.0f", rangemode="tozero")
    return figure_fragment(fig)
