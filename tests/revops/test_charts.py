"""Chart fragments: the figure a fragment draws is the one plotly builds with full validation."""

import datetime as dt
import html
import json
import re
from decimal import Decimal

import plotly.graph_objects as go

from revops import charts
from revops.selectors.dashboard import MonthTotal, StageTotal

SHARED_LAYOUT = {
    "template": "plotly_white",
    "height": 320,
    "margin": {"l": 10, "r": 10, "t": 10, "b": 10},
    "font": {"family": "system-ui, -apple-system, Segoe UI, Roboto, sans-serif", "size": 12},
    "showlegend": False,
}


def _drawn(fragment: str) -> tuple[str, dict, dict, dict]:
    """The figure a fragment's div carries for static/js/charts.js: div id, data, layout, config."""
    match = re.search(r'<div id="([^"]+)" class="plotly-graph-div" data-plotly-figure="([^"]*)"', fragment)
    figure = json.loads(html.unescape(match.group(2)))
    return match.group(1), figure["data"], figure["layout"], figure["config"]


def _validated(fig: go.Figure) -> dict:
    """What plotly itself makes of the figure with the shared layout applied."""
    fig.update_layout(**SHARED_LAYOUT)
    return json.loads(fig.to_json())


def test_funnel_fragment_draws_the_validated_figure():
    # given: open deals in two stages and what was won
    stages = [
        StageTotal("prospecting", "Prospecting", 3, Decimal("1200.50")),
        StageTotal("proposal", "Proposal", 1, Decimal("400.00")),
        StageTotal("closed_won", "Closed won", 2, Decimal("2500.00")),
    ]
    expected = go.Figure(
        go.Funnel(
            y=["Prospecting", "Proposal"],
            x=[1600.5, 400.0],
            text=["€1.6K", "€400 · 25%"],
            textinfo="text",
            hovertext=[
                "At Prospecting or later: €1,600.50 (4 open deals)",
                "At Proposal or later: €400.00 (1 open deal)<br>25% of the stage before",
            ],
            hoverinfo="text",
            marker={"color": ["#93c5fd", "#2f5bea"]},  # each stage in its palette colour
        )
    )
    expected.add_annotation(
        text="Won in the period: €2.5K (2 deals)",
        xref="paper",
        yref="paper",
        x=1,
        y=1,
        xanchor="right",
        yanchor="bottom",
        showarrow=False,
        font={"color": "#1a7f4b"},
    )
    expected = _validated(expected)
    expected["layout"]["margin"]["t"] = 28
    # when
    _div_id, data, layout, config = _drawn(charts.pipeline_funnel(stages, currency="EUR"))
    # then: the widest bar is the whole open pipeline, won is not a bar
    assert (data, layout) == (expected["data"], expected["layout"])
    assert layout["template"]["layout"]["plot_bgcolor"] == "white"
    assert config == {"displayModeBar": False, "responsive": True}


def test_funnel_steps_narrow_from_the_first_open_stage():
    # given: more money in a late stage than in an early one
    stages = [
        StageTotal("prospecting", "Prospecting", 1, Decimal("100")),
        StageTotal("qualification", "Qualification", 0, Decimal("0")),
        StageTotal("negotiation", "Negotiation", 2, Decimal("900")),
        StageTotal("closed_won", "Closed won", 5, Decimal("5000")),
    ]
    # when
    steps = charts.funnel_steps(stages)
    # then
    assert steps == [
        StageTotal("prospecting", "Prospecting", 3, Decimal("1000")),
        StageTotal("qualification", "Qualification", 2, Decimal("900")),
        StageTotal("negotiation", "Negotiation", 2, Decimal("900")),
    ]


def test_revenue_line_fragment_draws_the_validated_figure():
    # given
    months = [
        MonthTotal(dt.date(2026, 1, 1), 2, Decimal("5.25")),
        MonthTotal(dt.date(2026, 2, 1), 0, Decimal("0")),
    ]
    fig = go.Figure(
        go.Scatter(
            x=["2026-01-01", "2026-02-01"],
            y=[5.25, 0.0],
            customdata=[2, 0],
            mode="lines+markers",
            line={"color": "#1a7f4b", "width": 2},  # the colour of won deals
            hovertemplate="%{x|%b %Y}: %{y:,.2f} (%{customdata} deals)<extra></extra>",
        )
    )
    fig.update_xaxes(tickformat="%b %Y", dtick="M1", range=["2025-12-17", "2026-02-16"])
    fig.update_yaxes(tickformat=",.0f", rangemode="tozero")
    expected = _validated(fig)
    # when
    _div_id, data, layout, _config = _drawn(charts.won_revenue_line(months, today=dt.date(2026, 2, 3)))
    # then
    assert (data, layout) == (expected["data"], expected["layout"])


def test_a_charts_own_layout_wins_over_the_shared_defaults():
    # given: a figure that sets a legend and a margin of its own
    def pie() -> go.Figure:
        fig = go.Figure(go.Pie(labels=["a", "b"], values=[1.0, 2.0], hole=0.5))
        fig.update_layout(showlegend=True, margin={"pad": 4, "l": 50}, title={"text": "Roles"})
        return fig

    # plotly's own result of applying the shared defaults first, then the chart's settings
    expected = go.Figure(go.Pie(labels=["a", "b"], values=[1.0, 2.0], hole=0.5))
    expected.update_layout(**SHARED_LAYOUT)
    expected.update_layout(showlegend=True, margin={"pad": 4, "l": 50}, title={"text": "Roles"})
    expected = json.loads(expected.to_json())
    # when
    _div_id, data, layout, _config = _drawn(charts.figure_fragment(pie()))
    # then
    assert (data, layout) == (expected["data"], expected["layout"])
    assert layout["showlegend"] is True
    assert layout["margin"] == {"pad": 4, "l": 50, "r": 10, "t": 10, "b": 10}
    assert layout["title"] == {"text": "Roles"}


def test_each_fragment_gets_its_own_div_and_leaves_the_shared_layout_untouched():
    # given
    months = [MonthTotal(dt.date(2026, 1, 1), 1, Decimal("5.00"))]
    # when
    today = dt.date(2026, 1, 5)
    first, second = charts.won_revenue_line(months, today=today), charts.won_revenue_line(months, today=today)
    # then
    assert _drawn(first)[0] != _drawn(second)[0]
    assert first.count(f'id="{_drawn(first)[0]}"') == 1
    assert "xaxis" not in charts._shared_layout()


def test_a_monthly_chart_ends_at_the_current_month():
    # given: "all time" with a deal marked won in a month still to come
    months = [
        MonthTotal(dt.date(2023, 11, 1), 1, Decimal("5.00")),
        MonthTotal(dt.date(2026, 11, 1), 1, Decimal("7.00")),
        MonthTotal(dt.date(2027, 1, 1), 1, Decimal("9.00")),
    ]
    # when
    _div_id, data, layout, _config = _drawn(charts.won_revenue_line(months, today=dt.date(2026, 11, 29)))
    # then: no point after November 2026, and the axis stops inside it (plotly's own padding
    # of three years of markers ran the axis into December and January)
    assert data[0]["x"] == ["2023-11-01", "2026-11-01"]
    assert layout["xaxis"]["range"] == ["2023-10-17", "2026-11-16"]
    assert layout["xaxis"]["range"][1] < "2026-12-01"


def test_figures_get_no_default_template_and_fragments_still_draw_plotly_white():
    # given: the charts module is loaded (it turns plotly's default template off)
    months = [MonthTotal(dt.date(2026, m, 1), 2, Decimal("1000.00")) for m in (1, 2, 3)]
    # when
    fig = go.Figure(go.Scatter(x=[1], y=[2]))
    _id, _data, layout, _config = _drawn(charts.won_revenue_line(months, today=dt.date(2026, 3, 15)))
    # then: a new figure carries no copy of a template; the fragment has the shared one
    assert fig.layout.template.to_plotly_json() == {}
    assert (
        layout["template"]
        == json.loads(go.Figure(layout={"template": "plotly_white"}).to_json())["layout"]["template"]
    )
