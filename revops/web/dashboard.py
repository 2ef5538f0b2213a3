"""The home dashboard: KPIs, charts and top accounts for what the member may see."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from revops import charts
from revops.exports import FORMATS, export_response
from revops.forms import DashboardFilterForm
from revops.htmx import render_page_or_partial
from revops.permissions import Cap, cap_required, has_cap
from revops.selectors.dashboard import dashboard_get, dashboard_opportunities, dashboard_top_accounts
from revops.selectors.opportunities import product_line_choices
from revops.selectors.periods import organization_today, period_range

TOP_ACCOUNT_HEADERS = ("Rank", "Account", "Won deals", "Won revenue")


@cap_required(Cap.DASHBOARD_VIEW)
def home(request: HttpRequest) -> HttpResponse:
    membership = request.membership
    form = DashboardFilterForm(request.GET, product_lines=product_line_choices(membership=membership))
    period, product_line_id = form.selected()
    today = organization_today(membership.organization)

    export = request.GET.get("export")
    if export in FORMATS:
        if not has_cap(membership, Cap.EXPORT):
            raise PermissionDenied
        date_range = period_range(membership.organization, period, today)
        accounts = dashboard_top_accounts(
            dashboard_opportunities(membership, product_line_id), date_range, limit=None
        )
        rows = ((i, a.name, a.deals, a.amount) for i, a in enumerate(accounts, start=1))
        return export_response(export, f"top-accounts-{today:%Y-%m-%d}", TOP_ACCOUNT_HEADERS, rows)

    dashboard = dashboard_get(
        membership=membership, period=period, today=today, product_line_id=product_line_id
    )
    context = {
        "form": form,
        "dashboard": dashboard,
        "kpis": dashboard.kpis,
        "funnel_chart": charts.pipeline_funnel(dashboard.stages, currency=request.organization.currency),
        "revenue_chart": charts.won_revenue_line(dashboard.months),
        "can_export": has_cap(membership, Cap.EXPORT),
        "today": today,
    }
    return render_page_or_partial(request, "revops/home.html", "revops/partials/dashboard_body.html", context)
