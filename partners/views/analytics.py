"""Partner analytics (internal): sourced vs influenced revenue and pipeline, deals with a partner
against matched deals without one, the registration funnel and the leaderboard.

One page with every table; each table also has its own URL, which answers `?export=csv|xlsx`
with that table's file and otherwise renders the table alone (an HTMX fragment).
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from partners import charts
from partners.forms import AnalyticsFilterForm
from partners.permissions import PartnerCap
from partners.selectors.analytics import (
    AnalyticsFilter,
    deal_comparison,
    leaderboard,
    partner_analytics,
    pipeline_split,
    registration_funnel,
    revenue_split,
)
from revops.htmx import render_page_or_partial
from revops.permissions import cap_required
from revops.tenancy import MemberRequest
from revops.web.exports import export_dispatch

# The page shows the leading partners of each table; the exports (same selectors) hold every one.
TABLE_ROWS = 25
CHART_PARTNERS = 15


def _table_context() -> dict:
    return {"table_rows": TABLE_ROWS, "table_slice": f":{TABLE_ROWS}"}


def _filters(request: MemberRequest) -> tuple[AnalyticsFilterForm, AnalyticsFilter]:
    form = AnalyticsFilterForm(request.GET)
    return form, form.selected(request.organization)


@require_safe
@cap_required(PartnerCap.ANALYTICS_VIEW)
def analytics_view(request: MemberRequest) -> HttpResponse:
    form, filters = _filters(request)
    data = partner_analytics(membership=request.membership, filters=filters)
    context = {
        "form": form,
        "filters": filters,
        "data": data,
        "revenue": data.revenue,
        "pipeline": data.pipeline,
        "funnel": data.funnel,
        "leaders": data.leaders,
        "comparison": data.comparison,
        **_table_context(),
        "revenue_chart": charts.sourced_influenced_bar(data.revenue.partners[:CHART_PARTNERS]),
        "funnel_chart": charts.registration_funnel(data.funnel.overall),
        "chart_partners": CHART_PARTNERS,
    }
    return render_page_or_partial(
        request, "partners/analytics.html", "partners/partials/analytics_body.html", context
    )


def _table_view(key: str, partial: str, build: Callable[[MemberRequest, AnalyticsFilter], dict]):
    @require_safe
    @cap_required(PartnerCap.ANALYTICS_VIEW)
    def view(request: MemberRequest) -> HttpResponse:
        exported = export_dispatch(request, key)
        if exported is not None:
            return exported
        _form, filters = _filters(request)
        return render(request, partial, {**_table_context(), **build(request, filters)})

    view.__name__ = view.__qualname__ = f"{key.replace('-', '_')}_view"
    return view


def _leaderboard(request: MemberRequest, filters: AnalyticsFilter) -> dict:
    membership = request.membership
    revenue = revenue_split(membership=membership, filters=filters)
    funnel = registration_funnel(membership=membership, filters=filters)
    return {"leaders": leaderboard(membership=membership, filters=filters, revenue=revenue, funnel=funnel)}


revenue_table_view = _table_view(
    "partners-analytics-revenue",
    "partners/partials/analytics_revenue.html",
    lambda r, f: {"revenue": revenue_split(membership=r.membership, filters=f)},
)
pipeline_table_view = _table_view(
    "partners-analytics-pipeline",
    "partners/partials/analytics_pipeline.html",
    lambda r, f: {"pipeline": pipeline_split(membership=r.membership, filters=f)},
)
comparison_table_view = _table_view(
    "partners-analytics-comparison",
    "partners/partials/analytics_comparison.html",
    lambda r, f: {"comparison": deal_comparison(membership=r.membership, filters=f)},
)
funnel_table_view = _table_view(
    "partners-analytics-funnel",
    "partners/partials/analytics_funnel.html",
    lambda r, f: {"funnel": registration_funnel(membership=r.membership, filters=f)},
)
leaderboard_table_view = _table_view(
    "partners-analytics-leaderboard", "partners/partials/analytics_leaderboard.html", _leaderboard
)
