"""Opportunity pages: the sortable, filterable list (with exports) and one opportunity."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from revops.exports import FORMATS, export_response
from revops.htmx import render_page_or_partial
from revops.models.crm import Region, Segment, Stage
from revops.panels import record_panels
from revops.permissions import Cap, cap_required, has_cap
from revops.selectors.opportunities import (
    OPPORTUNITY_EXPORT_HEADERS,
    clean_sort,
    opportunity_export_rows,
    opportunity_get,
    opportunity_list,
    opportunity_stage_history,
    product_line_choices,
    sort_columns,
)
from revops.selectors.periods import organization_today

PAGE_SIZE = 50
STATUS_CHOICES = (("", "Any status"), ("open", "Open"), ("won", "Won"), ("lost", "Lost"))


@cap_required(Cap.OPPORTUNITY_VIEW)
def opportunity_list_view(request: HttpRequest) -> HttpResponse:
    membership = request.membership
    sort = clean_sort(request.GET.get("sort"))
    filterset, qs = opportunity_list(membership=membership, filters=request.GET, sort=sort)

    export = request.GET.get("export")
    if export in FORMATS:
        if not has_cap(membership, Cap.EXPORT):
            raise PermissionDenied
        today = organization_today(membership.organization)
        return export_response(
            export, f"opportunities-{today:%Y-%m-%d}", OPPORTUNITY_EXPORT_HEADERS, opportunity_export_rows(qs)
        )

    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "filterset": filterset,
        "filter_values": filterset.form.data,
        "page_obj": page,
        "sort": sort,
        "columns": sort_columns(sort),
        "product_lines": product_line_choices(membership=membership),
        "status_choices": STATUS_CHOICES,
        "stage_choices": Stage.choices,
        "region_choices": Region.choices,
        "segment_choices": Segment.choices,
        "can_export": has_cap(membership, Cap.EXPORT),
        "can_create": has_cap(membership, Cap.OPPORTUNITY_EDIT),
        "can_import": has_cap(membership, Cap.OPPORTUNITY_IMPORT),
    }
    return render_page_or_partial(
        request, "revops/opportunity_list.html", "revops/partials/opportunity_table.html", context
    )


@cap_required(Cap.OPPORTUNITY_VIEW)
def opportunity_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    opportunity = opportunity_get(membership=request.membership, pk=pk)
    context = {
        "opportunity": opportunity,
        "stage_changes": list(opportunity_stage_history(opportunity=opportunity)),
        "panels": record_panels(kind="deal", membership=request.membership, record=opportunity),
        "can_edit": has_cap(request.membership, Cap.OPPORTUNITY_EDIT),
    }
    return render(request, "revops/opportunity_detail.html", context)
