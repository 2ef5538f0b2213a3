"""Partner performance dashboard: leaderboard, roles, tiers, waterfall and monthly trend."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from attribution import charts
from attribution.forms import PerformanceFilterForm
from attribution.permissions import AttributionCap
from attribution.selectors.performance import partner_performance
from revops.htmx import render_page_or_partial
from revops.permissions import cap_required
from revops.selectors.periods import organization_today, period_range
from revops.web.exports import export_dispatch

# The page shows the leading partners; the export (same selector) holds every one. A program
# with thousands of partners would otherwise render thousands of rows and bars per view.
LEADERBOARD_SIZE = 50
CHART_PARTNERS = 20


@cap_required(AttributionCap.VIEW)
def partner_performance_view(request: HttpRequest) -> HttpResponse:
    exported = export_dispatch(request, "attribution-partners")
    if exported is not None:
        return exported
    membership = request.membership
    form = PerformanceFilterForm(request.GET)
    today = organization_today(membership.organization)
    dates = period_range(membership.organization, form.selected(), today)
    performance = partner_performance(membership=membership, dates=dates)
    context = {
        "form": form,
        "dates": dates,
        "performance": performance,
        "leaders": performance.partners[:LEADERBOARD_SIZE],
        "leaderboard_size": LEADERBOARD_SIZE,
        "chart_partners": CHART_PARTNERS,
        "partner_chart": charts.partner_bar(performance.partners[:CHART_PARTNERS]),
        "role_chart": charts.role_donut(performance.roles),
        "tier_chart": charts.tier_pie(performance.tiers),
        "waterfall_chart": charts.credit_waterfall(performance, currency=membership.organization.currency),
        "trend_chart": charts.monthly_trend(performance.months, today=today),
    }
    return render_page_or_partial(
        request, "attribution/partners.html", "attribution/partials/partners_body.html", context
    )
