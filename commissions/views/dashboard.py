"""The rep dashboard: a rep sees their own commissions; managers, finance and admin pick a rep in
their scope (`?rep=<user id>`; anyone else is 404)."""

from __future__ import annotations

from django.http import HttpResponse
from django.views.decorators.http import require_safe

from commissions import charts
from commissions.permissions import CommissionCap
from commissions.selectors.dashboard import rep_dashboard_with_pipeline
from commissions.selectors.reps import rep_get, reps_in_scope
from revops.htmx import render_page_or_partial
from revops.permissions import cap_required
from revops.selectors.periods import organization_today
from revops.tenancy import MemberRequest


@require_safe
@cap_required(CommissionCap.VIEW)
def dashboard_view(request: MemberRequest) -> HttpResponse:
    membership = request.membership
    reps = reps_in_scope(membership=membership)
    if request.GET.get("rep"):
        rep = rep_get(membership=membership, user_id=request.GET["rep"])
    else:
        rep = next((r for r in reps if r.user_id == membership.user_id), reps[0] if reps else None)
    context: dict = {"reps": reps, "rep": rep, "dashboard": None, "chart": "", "pipeline": None}
    if rep is not None:
        today = organization_today(membership.organization)
        dashboard, pipeline = rep_dashboard_with_pipeline(membership=membership, rep=rep, today=today)
        context |= {
            "dashboard": dashboard,
            "chart": charts.objective_vs_actual(dashboard.months),
            "pipeline": pipeline,
        }
    return render_page_or_partial(
        request, "commissions/dashboard.html", "commissions/partials/dashboard_body.html", context
    )
