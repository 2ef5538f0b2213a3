"""Ledger explorer: filters (HTMX, pushed to the URL), totals, pages, CSV/Excel/PDF exports."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from attribution.models import AttributionEntry, PartnerRole
from attribution.reports import PDF_CONTENT_TYPE, LedgerAuditReport
from attribution.selectors_pages.ledger import (
    HASH_PREFIX,
    LEDGER_EXPORT_HEADERS,
    chain_head,
    entry_rows,
    ledger_export_rows,
    ledger_filter_choices,
    ledger_list,
    ledger_page,
    ledger_totals,
)
from revops.exports import FORMATS, attachment_response, export_response
from revops.htmx import render_page_or_partial
from revops.permissions import Cap, cap_required, has_cap
from revops.selectors.periods import organization_today

PAGE_SIZE = 50


@cap_required(Cap.ATTRIBUTION_VIEW)
def ledger_view(request: HttpRequest) -> HttpResponse:
    membership = request.membership
    filterset, qs = ledger_list(membership=membership, filters=request.GET)
    export = request.GET.get("export")
    if export:
        if not has_cap(membership, Cap.EXPORT):
            raise PermissionDenied
        filename = f"attribution-ledger-{organization_today(membership.organization):%Y-%m-%d}"
        if export in FORMATS:
            return export_response(export, filename, LEDGER_EXPORT_HEADERS, ledger_export_rows(qs))
        if export == "pdf":
            report = LedgerAuditReport(
                membership=membership,
                entries=qs,
                totals=ledger_totals(qs, membership=membership, filterset=filterset),
                head=chain_head(membership=membership),
                filters=dict(filterset.form.data.items()) if filterset.is_bound else {},
            )
            return attachment_response(
                report.generate(), filename=f"{filename}.pdf", content_type=PDF_CONTENT_TYPE
            )
    totals = ledger_totals(qs, membership=membership, filterset=filterset)
    page = ledger_page(qs, request.GET.get("page"), per_page=PAGE_SIZE, totals=totals)
    context = {
        "rows": entry_rows(page.object_list),
        "filterset": filterset,
        "filter_values": filterset.form.data,
        "page_obj": page,
        "totals": totals,
        "head": chain_head(membership=membership),
        "choices": ledger_filter_choices(membership=membership),
        "kind_choices": AttributionEntry.Kind.choices,
        "role_choices": PartnerRole.choices,
        "scope_choices": AttributionEntry.Scope.choices,
        "hash_prefix": HASH_PREFIX,
        "can_export": has_cap(membership, Cap.EXPORT),
    }
    return render_page_or_partial(
        request, "attribution/ledger.html", "attribution/partials/ledger_results.html", context
    )
