"""Lead pages: the list (a rep: their own leads) and one lead with its assignment history."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from distribution.models import LeadStatus
from distribution.permissions import DistributionCap
from distribution.selectors.leads import lead_assignments, lead_list, lead_scope
from revops.htmx import render_page_or_partial
from revops.permissions import cap_required, has_cap
from revops.tenancy import MemberRequest

PAGE_SIZE = 50


@require_safe
@cap_required(DistributionCap.VIEW)
def lead_list_view(request: MemberRequest) -> HttpResponse:
    membership = request.membership
    q = request.GET.get("q", "").strip()
    status = request.GET.get("status", "")
    owner = request.GET.get("owner", "")
    qs = lead_list(membership=membership, q=q, status=status, owner=owner)
    context = {
        "page_obj": Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page")),
        "q": q,
        "status": status,
        "owner": owner,
        "statuses": LeadStatus.choices,
        "can_import": has_cap(membership, DistributionCap.LEAD_EDIT),
        "can_run": has_cap(membership, DistributionCap.RUN),
    }
    return render_page_or_partial(
        request, "distribution/leads.html", "distribution/partials/lead_table.html", context
    )


@require_safe
@cap_required(DistributionCap.VIEW)
def lead_detail_view(request: MemberRequest, pk: int) -> HttpResponse:
    membership = request.membership
    lead = get_object_or_404(lead_scope(membership=membership).select_related("owner", "campaign"), pk=pk)
    context = {"lead": lead, "assignments": list(lead_assignments(membership=membership, lead=lead))}
    return render(request, "distribution/lead_detail.html", context)
