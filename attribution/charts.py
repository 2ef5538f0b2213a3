"""plotly figures of the attribution pages; each returns an HTML fragment (see revops.charts)."""

from __future__ import annotations

from collections.abc import Sequence

import plotly.graph_objects as go
from django.utils.safestring import SafeString, mark_safe

from attribution.selectors.performance import LabelTotal, MonthAmount, PartnerPerformance, PartnerTotal
from revops.charts import ACCENT, figure_fragment
from revops.labels import label_for
from revops.palette import colours_for, palette_colours, palette_register

EMPTY = mark_safe("")


def register_palettes() -> None:
    """A partner's role on a deal is one of its partner types: the role takes the type's colour."""
    palette_register("partner_role", palette_colours("partner_type"), css_prefix="role")


def partner_bar(partners: Sequence[PartnerTotal]) -> SafeString:
    """Attributed revenue per partner, largest first, each bar in its partner's tier colour."""
    if not partners:
        return EMPTY
    fig = go.Figure(
        go.Bar(
            x=[float(p.amount) for p in partners],
            y=[p.name for p in partners],
            orientation="h",
            marker={"color": colours_for("partner_tier", [p.tier for p in partners])},
            customdata=[label_for("partner_tier", p.tier) for p in partners],
            hovertemplate="%{y} (%{customdata}): %{x:,.2f}<extra></extra>",
        )
    )
    fig.update_yaxes(autorange="reversed")
    return figure_fragment(fig)


def _pie(totals: Sequence[LabelTotal], concept: str, hole: float) -> SafeString:
    if not any(t.amount for t in totals):
        return EMPTY
    fig = go.Figure(
        go.Pie(
            labels=[t.label for t in totals],
            values=[float(t.amount) for t in totals],
            hole=hole,
            marker={"colors": colours_for(concept, [t.code for t in totals])},
            sort=False,
            hovertemplate="%{label}: %{value:,.2f} (%{percent})<extra></extra>",
        )
    )
    fig.update_layout(showlegend=True)
    return figure_fragment(fig)


def role_donut(roles: Sequence[LabelTotal]) -> SafeString:
    """Attributed revenue by partner role."""
    return _pie(roles, "partner_role", hole=0.5)


def tier_pie(tiers: Sequence[LabelTotal]) -> SafeString:
    """How attributed revenue is distributed over partner tiers."""
    return _pie(tiers, "partner_tier", hole=0)


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
