"""Global search: accounts, partners and deals by name or external id, within the member's scope.

Each kind is searched only when the member's role may see that kind, and only among the rows
`visible_to` them, so a result never names a record the member could not open. Three queries
at most (one per kind), each capped, whatever the size of the organization.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Q

from revops.models import Account, Membership, Opportunity, Partner
from revops.permissions import Cap, has_cap

# Results per kind: the box shows a short list, the full page the same (search is for jumping
# to a record, not for listing; the list pages filter).
RESULTS_PER_KIND = 8
MIN_QUERY_LENGTH = 2


@dataclass(frozen=True)
class SearchHit:
    pk: int
    name: str
    external_id: str
    detail: str = ""  # a deal's account name, a partner's tier code
    stage: str = ""
    segment: str = ""
    region: str = ""


@dataclass(frozen=True)
class SearchResults:
    query: str
    accounts: list[SearchHit] = field(default_factory=list)
    partners: list[SearchHit] = field(default_factory=list)
    deals: list[SearchHit] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.accounts) + len(self.partners) + len(self.deals)


def _matches(query: str) -> Q:
    return Q(name__icontains=query) | Q(external_id__iexact=query)


def search(*, membership: Membership, query: str, limit: int = RESULTS_PER_KIND) -> SearchResults:
    """What `query` finds that the member may see; empty for queries under two characters."""
    query = (query or "").strip()[:100]
    if len(query) < MIN_QUERY_LENGTH:
        return SearchResults(query=query)
    accounts: list[SearchHit] = []
    partners: list[SearchHit] = []
    deals: list[SearchHit] = []
    if has_cap(membership, Cap.ACCOUNT_VIEW):
        rows = (
            Account.objects.visible_to(membership)
            .filter(_matches(query))
            .order_by("name", "pk")
            .values_list("pk", "name", "external_id", "segment", "region")[:limit]
        )
        accounts = [
            SearchHit(pk, name, ext, segment=segment, region=region)
            for pk, name, ext, segment, region in rows
        ]
    if has_cap(membership, Cap.PARTNER_VIEW):
        rows = (
            Partner.objects.visible_to(membership)
            .filter(_matches(query))
            .order_by("name", "pk")
            .values_list("pk", "name", "external_id", "tier")[:limit]
        )
        partners = [SearchHit(pk, name, ext, tier) for pk, name, ext, tier in rows]
    if has_cap(membership, Cap.OPPORTUNITY_VIEW):
        rows = (
            Opportunity.objects.visible_to(membership)
            .filter(_matches(query))
            .order_by("-created_date", "pk")
            .values_list("pk", "name", "external_id", "account__name", "stage")[:limit]
        )
        deals = [SearchHit(pk, name, ext, account, stage) for pk, name, ext, account, stage in rows]
    return SearchResults(query=query, accounts=accounts, partners=partners, deals=deals)
