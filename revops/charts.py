"""plotly figure builders: each returns an HTML fragment (one div) for a partial.

plotly.js itself is served from static and loaded by the page; fragments never include it.
A fragment holds no script either (the Content-Security-Policy allows no inline script): its
div carries the figure as JSON in `data-plotly-figure`, and `static/js/charts.js` draws every
such div when the page loads and after every HTMX swap.

Every figure shares one layout (the plotly_white template, height, margins, font). plotly
validates a template property by property, which costs more than the rest of a dashboard
request, so the shared layout is validated once per process and merged into each figure as
plain data; the fragments are the ones plotly's own `update_layout` + `to_html` would give.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from decimal import Decimal
from functools import cache
from typing import Any, Protocol, TypeVar

import plotly.graph_objects as go
import plotly.io as pio
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from revops.formatting import format_money, format_money_compact
from revops.models.crm import OPEN_STAGES, Stage
from revops.palette import colour_for, colours_for
from revops.selectors.dashboard import MonthTotal, StageTotal

ACCENT = "#2f5bea"
MONTH_MARGIN = dt.timedelta(days=15)  # room around the first and last month of a monthly chart
CHART_HEIGHT = 320
_CONFIG = {"displayModeBar": False, "responsive": True}
OPEN_STAGE_VALUES = frozenset(s.value for s in OPEN_STAGES)

# No default template on the figures built in this process: plotly would deep-copy its whole
# default template ("plotly", thousands of values) into every new go.Figure, only for
# `figure_fragment` to drop it and apply the shared layout. That copy was two thirds of a
# chart's cost (a third of the home dashboard's CPU). Every figure of the project is drawn
# through `figure_fragment`, so what is drawn does not change.
pio.templates.default = None


class _MonthRow(Protocol):
    @property
    def month(self) -> dt.date: ...


_Month = TypeVar("_Month", bound=_MonthRow)


@cache
def _shared_layout() -> dict[str, Any]:
    """The layout every chart gets, validated by plotly once (it holds the whole template)."""
    return go.Layout(
        template="plotly_white",
        height=CHART_HEIGHT,
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        font={"family": "system-ui, -apple-system, Segoe UI, Roboto, sans-serif", "size": 12},
        showlegend=False,
    ).to_plotly_json()


def _merged(layout: Mapping[str, Any], shared: Mapping[str, Any]) -> dict[str, Any]:
    """`layout` updated with `shared`, as plotly's update_layout merges: nested objects key by key.

    The template is replaced whole, as plotly does when a template is set by name.
    """
    merged = dict(layout)
    for key, value in shared.items():
        current = merged.get(key)
        if key != "template" and isinstance(current, Mapping) and isinstance(value, Mapping):
            merged[key] = _merged(current, value)
        else:
            merged[key] = value
    return merged


def figure_fragment(fig: go.Figure) -> SafeString:
    """The figure as an HTML fragment with the shared layout (plotly.js comes from static):
    `<div id=… class="plotly-graph-div" data-plotly-figure="{data, layout, config}">`."""
    figure = fig.to_plotly_json()
    # The shared layout gives the defaults; what a chart sets itself (a legend, axis titles)
    # wins. The figure's own template is plotly's global default and is dropped.
    own = {key: value for key, value in figure.get("layout", {}).items() if key != "template"}
    layout = _merged(_shared_layout(), own)
    payload = pio.to_json({"data": figure["data"], "layout": layout, "config": _CONFIG}, validate=False)
    return format_html(
        '<div id="{}" class="plotly-graph-div" data-plotly-figure="{}" style="height:{}px; width:100%;"></div>',
        str(uuid.uuid4()),
        payload,
        layout.get("height", CHART_HEIGHT),
    )


def funnel_steps(stages: Sequence[StageTotal]) -> list[StageTotal]:
    """Open pipeline as a funnel: each open stage with every open deal at that stage or later.

    Deals move forward through the open stages, so "at Proposal or later" contains "at
    Negotiation or later": the bars narrow, and bar-to-bar ratios read as stage conversion.
    Closed stages are left out (won revenue is shown apart, see `pipeline_funnel`).
    """
    open_stages = [s for s in stages if s.stage in OPEN_STAGE_VALUES]
    steps: list[StageTotal] = []
    count, amount = 0, Decimal("0")
    for stage in reversed(open_stages):
        count += stage.count
        amount += stage.amount
        steps.append(StageTotal(stage.stage, stage.label, count, amount))
    return list(reversed(steps))


def pipeline_funnel(stages: Sequence[StageTotal], currency: str = "USD") -> SafeString:
    """Open pipeline funnel (amount at each stage or later, % of the bar before); won apart.

    Each bar and the won line are in their stage's colour (revops.palette).

    Empty when there is no open or won amount at all.
    """
    steps = funnel_steps(stages)
    won = next((s for s in stages if s.stage == Stage.CLOSED_WON.value), None)
    if not any(s.amount for s in steps) and not (won and won.amount):
        return mark_safe("")
    texts, hovers = [], []
    for index, step in enumerate(steps):
        before = steps[index - 1].amount if index else None
        share = f" · {step.amount / before:.0%}" if before else ""
        texts.append(f"{format_money_compact(step.amount, currency)}{share}")
        hovers.append(
            f"At {step.label} or later: {format_money(step.amount, currency, exact=True)} "
            f"({step.count} open deal{'' if step.count == 1 else 's'})"
            + (f"<br>{step.amount / before:.0%} of the stage before" if before else "")
        )
    fig = go.Figure(
        go.Funnel(
            y=[s.label for s in steps],
            x=[float(s.amount) for s in steps],
            text=texts,
            textinfo="text",
            hovertext=hovers,
            hoverinfo="text",
            marker={"color": colours_for("stage", [s.stage for s in steps])},
        )
    )
    if won is not None:
        fig.add_annotation(
            text=f"Won in the period: {format_money_compact(won.amount, currency)} "
            f"({won.count} deal{'' if won.count == 1 else 's'})",
            xref="paper",
            yref="paper",
            x=1,
            y=1,
            xanchor="right",
            yanchor="bottom",
            showarrow=False,
            font={"color": colour_for("stage", Stage.CLOSED_WON)},
        )
        fig.update_layout(margin={"t": 28})  # room above the funnel for the won line
    return figure_fragment(fig)


def month_axis(fig: go.Figure, months: Sequence[dt.date]) -> None:
    """A month per tick, from the first month drawn to the last, half a month of margin each side.

    plotly pads a date axis around markers on its own, by a share of the whole span: on a
    chart of three years that is more than a month, so the axis ran into months to come.
    """
    first, last = min(months), max(months)
    fig.update_xaxes(
        tickformat="%b %Y",
        dtick="M1",
        range=[(first - MONTH_MARGIN).isoformat(), (last + MONTH_MARGIN).isoformat()],
    )


def up_to_this_month(months: Sequence[_Month], today: dt.date) -> list[_Month]:
    """The months up to the current one: a monthly chart ends at the current month."""
    this_month = today.replace(day=1)
    return [m for m in months if m.month <= this_month]


def won_revenue_line(months: Sequence[MonthTotal], *, today: dt.date) -> SafeString:
    """Won revenue per month up to the current one, in the colour of won deals; empty when nothing was won."""
    months = up_to_this_month(months, today)
    if not any(m.amount for m in months):
        return mark_safe("")
    fig = go.Figure(
        go.Scatter(
            x=[m.month.isoformat() for m in months],
            y=[float(m.amount) for m in months],
            customdata=[m.count for m in months],
            mode="lines+markers",
            line={"color": colour_for("stage", Stage.CLOSED_WON), "width": 2},
            hovertemplate="%{x|%b %Y}: %{y:,.2f} (%{customdata} deals)<extra></extra>",
        )
    )
    month_axis(fig, [m.month for m in months])
    fig.update_yaxes(tickformat=",.0f", rangemode="tozero")
    return figure_fragment(fig)
