"""plotly figures of the partner analytics page; each returns an HTML fragment (see revops.charts)."""

from __future__ import annotations

from collections.abc import Sequence

import plotly.graph_objects as go
from django.utils.safestring import SafeString, mark_safe

from partners.selectors.analytics import FunnelRow, PartnerMoney
from revops.charts import ACCENT, figure_fragment

EMPTY = mark_safe("")
INFLUENCED_COLOUR = "#94a3b8"


def sourced_influenced_bar(partners: Sequence[PartnerMoney]) -> SafeString:
    """Sourced and influenced amounts per partner, stacked, largest total first."""
    if not any(p.total for p in partners):
        return EMPTY
    names = [p.name for p in partners]
    fig = go.Figure(
        [
            go.Bar(
                name="Sourced",
                x=[float(p.sourced) for p in partners],
                y=names,
                orientation="h",
                marker={"color": ACCENT},
                hovertemplate="%{y} sourced: %{x:,.2f}<extra></extra>",
            ),
            go.Bar(
                name="Influenced",
                x=[float(p.influenced) for p in partners],
                y=names,
                orientation="h",
                marker={"color": INFLUENCED_COLOUR},
                hovertemplate="%{y} influenced: %{x:,.2f}<extra></extra>",
            ),
        ]
    )
    fig.update_layout(barmode="stack", showlegend=True, legend={"orientation": "h", "y": -0.1})
    fig.update_yaxes(autorange="reversed")
    return figure_fragment(fig)


def registration_funnel(overall: FunnelRow) -> SafeString:
    """Registrations submitted → approved → won."""
    if not overall.submitted:
        return EMPTY
    fig = go.Figure(
        go.Funnel(
            y=["Submitted", "Approved", "Won"],
            x=[overall.submitted, overall.approved, overall.won],
            marker={"color": ACCENT},
            textinfo="value+percent initial",
        )
    )
    return figure_fragment(fig)
