"""plotly figures of the commission pages, and the colours of statements and tiers.

Each figure returns an HTML fragment (see revops.charts); colours come from revops.palette.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import plotly.graph_objects as go
from django.utils.safestring import SafeString, mark_safe

from commissions.models import StatementStatus
from commissions.selectors.dashboard import MonthPoint
from revops.charts import figure_fragment, month_axis
from revops.palette import colour_for, palette_register

EMPTY = mark_safe("")
STATEMENT_STATUS = "statement_status"
COMMISSION_TIER = "commission_tier"


def register_palettes() -> None:
    """Statement statuses and commission tiers: one colour each, on badges and in charts."""
    palette_register(
        STATEMENT_STATUS,
        {
            StatementStatus.DRAFT: "#64748b",
            StatementStatus.APPROVED: "#2f5bea",
            StatementStatus.PAID: "#1a7f4b",
        },
        css_prefix="statement",
    )
    # Tier 1 is the base rate; tier 2 (objective reached) is the good news.
    palette_register(COMMISSION_TIER, {"1": "#d97706", "2": "#1a7f4b"}, css_prefix="ctier")


def objective_vs_actual(months: Sequence[MonthPoint]) -> SafeString:
    """Commission base per month as bars (tier-2 green when it met the month's objective),
    with the objective as a line; empty when there is neither."""
    if not any(m.base or m.objective for m in months):
        return EMPTY
    met = [m.objective is not None and m.base >= m.objective for m in months]
    x = [m.month.isoformat() for m in months]
    fig = go.Figure()
    fig.add_trace(
        go.Bar(
            x=x,
            y=[float(m.base) for m in months],
            name="Actual (commission base)",
            marker={"color": [colour_for(COMMISSION_TIER, "2" if ok else "1") for ok in met]},
            hovertemplate="%{x|%b %Y}: actual %{y:,.2f}<extra></extra>",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=x,
            y=[float(m.objective) if m.objective is not None else None for m in months],
            name="Objective",
            mode="lines+markers",
            line={"color": "#334155", "width": 2, "dash": "dot"},
            hovertemplate="%{x|%b %Y}: objective %{y:,.2f}<extra></extra>",
        )
    )
    month_axis(fig, [m.month for m in months])
    fig.update_yaxes(tickformat=",.0f", rangemode="tozero")
    fig.update_layout(showlegend=True, legend={"orientation": "h", "y": 1.1})
    return figure_fragment(fig)


def pivot_chart(table: pd.DataFrame, measure_label: str) -> SafeString:
    """The pivot as bars: one bar per row value, stacked by column value (totals left out)."""
    if table.empty:
        return EMPTY
    body = table.drop(index="Total", errors="ignore")
    columns = [c for c in body.columns if c != "Total"] or ["Total"]
    fig = go.Figure()
    for column in columns:
        fig.add_trace(
            go.Bar(
                x=[str(i) for i in body.index],
                y=[float(v) for v in body[column]],
                name=str(column),
                hovertemplate=f"%{{x}} · {column}: %{{y:,.2f}}<extra></extra>",
            )
        )
    fig.update_layout(barmode="stack", showlegend=len(columns) > 1, legend={"orientation": "h", "y": 1.1})
    fig.update_yaxes(tickformat=",.0f", rangemode="tozero", title=measure_label)
    return figure_fragment(fig)
