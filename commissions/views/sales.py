"""Sales history (filters, pages, exports; every row with its source file and row) and the
upload status of the fiscal year (loaded transactions per product line × month)."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.views.decorators.http import require_safe

from commissions.permissions import CommissionCap
from commissions.selectors.sales import (
    transaction_filter_choices,
    transaction_list,
    transaction_totals,
    upload_status,
    upload_year_start,
)
from commissions.services.sales_import import IMPORT_KIND
from revops.htmx import render_page_or_partial
from revops.permissions import cap_required, has_cap
from revops.selectors.periods import organization_today
from revops.tenancy import MemberRequest
from revops.web.exports import export_dispatch

PAGE_SIZE = 50


@require_safe
@cap_required(CommissionCap.VIEW)
def sales_history_view(request: MemberRequest) -> HttpResponse:
    exported = export_dispatch(request, "commissions-sales")
    if exported is not None:
        return exported
    membership = request.membership
    filterset, qs = transaction_list(membership=membership, filters=request.GET)
    context = {
        "filterset": filterset,
        "filter_values": filterset.form.data,
        "page_obj": Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page")),
        "totals": transaction_totals(qs),
        "choices": transaction_filter_choices(membership=membership),
    }
    return render_page_or_partial(
        request, "commissions/sales.html", "commissions/partials/sales_table.html", context
    )


@require_safe
@cap_required(CommissionCap.VIEW)
def upload_status_view(request: MemberRequest) -> HttpResponse:
    exported = export_dispatch(request, "commissions-uploads")
    if exported is not None:
        return exported
    membership = request.membership
    today = organization_today(membership.organization)
    organization = membership.organization
    current = upload_year_start(organization=organization, wanted=None, today=today)
    year_start = upload_year_start(organization=organization, wanted=request.GET.get("year"), today=today)
    context = {
        "status": upload_status(membership=membership, year_start=year_start, today=today),
        "year_start": year_start,
        "years": [current.year - 2, current.year - 1, current.year],
        "can_import": has_cap(membership, CommissionCap.IMPORT),
        "import_kind": IMPORT_KIND,
    }
    return render_page_or_partial(
        request, "commissions/uploads.html", "commissions/partials/uploads_body.html", context
    )
