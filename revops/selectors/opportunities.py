"""Opportunity reads: the filtered, sorted list and one opportunity with its stage history."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import QueryDict
from django.shortcuts import get_object_or_404

from revops.filters import OpportunityFilterSet
from revops.models import Membership, Opportunity, OpportunityStageChange, ProductLine
from revops.tables import Column, HeaderCell, header_cells

# Sort keys the page accepts (anything else falls back to the default): key → ORM ordering.
SORT_FIELDS: dict[str, str] = {
    "name": "name",
    "account": "account__name",
    "owner": "owner__email",
    "stage": "stage",
    "amount": "amount",
    "created": "created_date",
    "expected_close": "expected_close_date",
    "close": "close_date",
}
DEFAULT_SORT = "-created"
# The list's columns, in order; each sorts by its key in SORT_FIELDS.
COLUMNS = (
    Column("Opportunity", sort="name"),
    Column("Account", sort="account"),
    Column("Owner", sort="owner"),
    Column("Stage", sort="stage"),
    Column("Amount", sort="amount", num=True),
    Column("Created", sort="created"),
    Column("Expected close", sort="expected_close"),
    Column("Closed", sort="close"),
)


def clean_sort(sort: str | None) -> str:
    """The requested sort when whitelisted, else the default."""
    key = sort[1:] if sort and sort.startswith("-") else sort
    if sort is not None and key in SORT_FIELDS:
        return sort
    return DEFAULT_SORT


def sort_columns(sort: str) -> list[HeaderCell]:
    """The list's headers with the rows sorted by `sort`."""
    return header_cells(COLUMNS, sort)


def _without_blanks(filters) -> QueryDict:
    """Drop empty values: a form submits every field, and "" is not a valid stage."""
    items = filters.lists() if isinstance(filters, QueryDict) else filters.items()
    data = QueryDict(mutable=True)
    for key, value in items:
        values = value if isinstance(value, list) else [value]
        kept = [v for v in values if v not in ("", None)]
        if kept:
            data.setlist(key, kept)
    return data


def opportunity_list(
    *, membership: Membership, filters: dict, sort: str | None = None
) -> tuple[OpportunityFilterSet, QuerySet]:
    """The member's opportunities, filtered by the shared FilterSet and sorted; (filterset, qs)."""
    base = Opportunity.objects.visible_to(membership).select_related("account", "owner", "product_line")
    filterset = OpportunityFilterSet(_without_blanks(filters), queryset=base)
    sort = clean_sort(sort)
    descending = sort.startswith("-")
    field = SORT_FIELDS[sort[1:] if descending else sort]
    ordering = [f"-{field}" if descending else field, "-id" if descending else "id"]
    return filterset, filterset.qs.order_by(*ordering)


def opportunity_get(*, membership: Membership, pk: int) -> Opportunity:
    """One opportunity the member may see, else 404."""
    qs = Opportunity.objects.visible_to(membership).select_related("account", "owner", "product_line")
    return get_object_or_404(qs, pk=pk)


def opportunity_stage_history(*, opportunity: Opportunity) -> QuerySet:
    return (
        OpportunityStageChange.objects.filter(
            organization_id=opportunity.organization_id, opportunity=opportunity
        )
        .select_related("changed_by")
        .order_by("changed_at", "id")
    )


def product_line_choices(*, membership: Membership) -> QuerySet:
    """The organization's product lines, for filter drop-downs."""
    if membership is None:
        return ProductLine.objects.none()
    return ProductLine.objects.filter(organization_id=membership.organization_id).order_by("name")


OPPORTUNITY_EXPORT_HEADERS = (
    "ID",
    "Opportunity",
    "Account",
    "Owner",
    "Stage",
    "Amount",
    "Currency",
    "Product line",
    "Created",
    "Expected close",
    "Closed",
    "Lead source",
)


def opportunity_export_rows(qs: QuerySet):
    """Rows for the CSV/Excel export of the list (streamed, one query per chunk)."""
    for opp in qs.iterator(chunk_size=2000):
        yield (
            opp.pk,
            opp.name,
            opp.account.name,
            opp.owner.email if opp.owner else "",
            opp.get_stage_display(),
            opp.amount,
            opp.currency,
            opp.product_line.name if opp.product_line else "",
            opp.created_date,
            opp.expected_close_date,
            opp.close_date,
            opp.lead_source,
        )
