"""Ledger explorer: filters (HTMX, pushed to the URL), totals, pages, CSV/Excel/PDF exports."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from attribution.models import AttributionEntry, PartnerRole
from attribution.permissions import AttributionCap
from attribution.selectors.ledger import (
    HASH_PREFIX,
    chain_head,
    entry_rows,
    ledger_filter_choices,
    ledger_list,
    ledger_page,
    ledger_totals,
)
from revops.htmx import render_page_or_partial
from revops.permissions import cap_required
from revops.web.exports import export_dispatch

PAGE_SIZE = 50


@cap_required(AttributionCap.VIEW)
def ledger_view(request: HttpRequest) -> HttpResponse:
    membership = request.membership
    filterset, qs = ledger_list(membership=membership, filters=request.GET)
    exported = export_dispatch(request, "attribution-ledger")
    if exported is not None:
        return exported
    totals = ledger_totals(qs, membership=membership, filterset=filterset)
    page = ledger_page(qs, request.GET.get("page"), per_page=PAGE_SIZE, totals=totals)
    context = {
        "rows": entry_rows(page.object_list),
        "filterset": filterset,
        "filter_values": filterset.form.data,
        "page_obj": page,
        "totals": totals,
        "head": chain_head(membership=membership),
        "choices": ledger_filter_choices(membership=membership, account=request.GET.get("account")),
        "kind_choices": AttributionEntry.Kind.choices,
        "role_choices": PartnerRole.choices,
        "scope_choices": AttributionEntry.Scope.choices,
        "hash_prefix": HASH_PREFIX,
    }
    return render_page_or_partial(
        request, "attribution/ledger.html", "attribution/partials/ledger_results.html", context
    )
