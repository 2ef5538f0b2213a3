"""The home dashboard: KPIs, charts and top accounts for what the member may see."""

from __future__ import annotations

from django.http import HttpResponse

from revops import charts
from revops.forms import DashboardFilterForm
from revops.htmx import render_page_or_partial
from revops.permissions import Cap, cap_required
from revops.selectors.dashboard import dashboard_get
from revops.selectors.opportunities import product_line_choices
from revops.selectors.periods import organization_today
from revops.tenancy import MemberRequest
from revops.web.exports import export_dispatch


@cap_required(Cap.DASHBOARD_VIEW)
def home(request: MemberRequest) -> HttpResponse:
    membership = request.membership
    form = DashboardFilterForm(request.GET, product_lines=product_line_choices(membership=membership))
    period, product_line_id = form.selected()
    today = organization_today(membership.organization)

    exported = export_dispatch(request, "top-accounts")
    if exported is not None:
        return exported

    dashboard = dashboard_get(
        membership=membership, period=period, today=today, product_line_id=product_line_id
    )
    context = {
        "form": form,
        "dashboard": dashboard,
        "kpis": dashboard.kpis,
        "funnel_chart": charts.pipeline_funnel(dashboard.stages, currency=request.organization.currency),
        "revenue_chart": charts.won_revenue_line(dashboard.months, today=today),
        "today": today,
    }
    return render_page_or_partial(request, "revops/home.html", "revops/partials/dashboard_body.html", context)
