"""plotly figures of the attribution pages; each returns an HTML fragment (see revops.charts)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import plotly.graph_objects as go
from django.utils.safestring import SafeString, mark_safe

from attribution.selectors.performance import LabelTotal, MonthAmount, PartnerPerformance, PartnerTotal
from revops.charts import ACCENT, figure_fragment, month_axis, up_to_this_month
from revops.formatting import format_money_compact
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


TOTAL_COLOUR = "#334155"  # the partner credit bar: a total, not a role


def credit_waterfall(performance: PartnerPerformance, currency: str = "USD") -> SafeString:
    """How partner credit adds up: each role's credit stacked on the roles before it, then the total.

    Revenue no partner is credited with is not a bar: it dwarfs the credit (most revenue has
    no partner) and is shown apart, as a figure next to the chart. Each role's bar is in its
    colour (revops.palette); empty when no partner is credited.
    """
    roles = sorted((r for r in performance.roles if r.amount), key=lambda r: (-r.amount, r.label))
    if not roles:
        return EMPTY
    bases, running = [], 0.0
    for role in roles:
        bases.append(running)
        running += float(role.amount)
    amounts = [*(float(r.amount) for r in roles), float(performance.partner_credit)]
    fig = go.Figure(
        go.Bar(
            x=[r.label for r in roles] + ["Partner credit"],
            y=amounts,
            base=[*bases, 0.0],
            marker={"color": [*colours_for("partner_role", [r.code for r in roles]), TOTAL_COLOUR]},
            text=[format_money_compact(amount, currency) for amount in amounts],
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{x}: %{y:,.2f}<extra></extra>",
        )
    )
    fig.update_yaxes(tickformat=",.0f", rangemode="tozero")
    return figure_fragment(fig)


def monthly_trend(months: Sequence[MonthAmount], *, today: dt.date) -> SafeString:
    """Attributed revenue per month of the revenue date, up to the current month."""
    months = up_to_this_month(months, today)
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
    month_axis(fig, [m.month for m in months])
    fig.update_yaxes(tickformat=",.0f", rangemode="tozero")
    return figure_fragment(fig)
