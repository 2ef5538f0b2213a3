"""Global search: the box in the top bar (HTMX fragment) and the same results as a page."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from revops.htmx import render_page_or_partial
from revops.links import object_url
from revops.permissions import Cap, cap_required
from revops.selectors.search import MIN_QUERY_LENGTH, SearchHit, search

KINDS = (("accounts", "account", "Accounts"), ("partners", "partner", "Partners"), ("deals", "deal", "Deals"))


def _linked(hits: list[SearchHit], kind: str, membership) -> list[dict]:
    return [{"hit": hit, "url": object_url(kind, hit.pk, membership)} for hit in hits]


@cap_required(Cap.DASHBOARD_VIEW)
def search_view(request: HttpRequest) -> HttpResponse:
    membership = request.membership
    results = search(membership=membership, query=request.GET.get("q", ""))
    groups = [
        {"key": key, "label": label, "hits": _linked(getattr(results, key), kind, membership)}
        for key, kind, label in KINDS
    ]
    context = {
        "results": results,
        "groups": [g for g in groups if g["hits"]],
        "too_short": len(results.query) < MIN_QUERY_LENGTH,
    }
    return render_page_or_partial(
        request, "revops/search.html", "revops/partials/search_results.html", context
    )
