"""Path sets for the pages, exports and API: sets with their totals, rows, and the runs on them.

Query counts do not grow with sets or rows: totals and run counts are subquery annotations.
"""

from __future__ import annotations

from decimal import Decimal
from typing import NamedTuple

from django.db.models import Count, DecimalField, IntegerField, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from django.http.request import QueryDict

from attribution.marketing.filters import PathRowFilterSet
from attribution.marketing.models import AttributionRun, PathRow, PathSet
from revops.models import Organization

# Sort keys of the rows table (query value -> ORM ordering); anything else sorts by file order.
ROW_SORTS = {
    "path": "path",
    "conversions": "conversions",
    "value": "value",
    "nulls": "nulls",
}
ZERO = Decimal(0)


class PathTotals(NamedTuple):
    rows: int
    conversions: Decimal
    value: Decimal
    nulls: Decimal


def _row_sum(field: str, output: DecimalField) -> Subquery:
    rows = (
        PathRow.objects.filter(path_set=OuterRef("pk"))
        .order_by()
        .values("path_set")
        .annotate(total=Sum(field))
        .values("total")
    )
    return Coalesce(Subquery(rows, output_field=output), Value(ZERO), output_field=output)


def path_set_list(*, organization: Organization) -> QuerySet[PathSet]:
    """The organization's path sets, each with rows, conversions, value, nulls and runs on it."""
    return with_figures(PathSet.objects.filter(organization=organization))


def with_figures(queryset: QuerySet[PathSet]) -> QuerySet[PathSet]:
    """`queryset` annotated with each set's row count, sums of its rows and runs on it."""
    row_count = (
        PathRow.objects.filter(path_set=OuterRef("pk"))
        .order_by()
        .values("path_set")
        .annotate(n=Count("pk"))
        .values("n")
    )
    run_count = (
        AttributionRun.objects.filter(config__path_set=OuterRef("pk"))
        .order_by()
        .values("config__path_set")
        .annotate(n=Count("pk"))
        .values("n")
    )
    count = IntegerField()
    return queryset.annotate(
        row_count=Coalesce(Subquery(row_count, output_field=count), Value(0)),
        conversions=_row_sum("conversions", DecimalField(max_digits=28, decimal_places=4)),
        value=_row_sum("value", DecimalField(max_digits=38, decimal_places=10)),
        nulls=_row_sum("nulls", DecimalField(max_digits=28, decimal_places=4)),
        run_count=Coalesce(Subquery(run_count, output_field=count), Value(0)),
    ).order_by("name", "pk")


def path_set_get(*, organization: Organization, pk: int | str) -> PathSet:
    """One of the organization's path sets with its figures; 404 for any other."""
    try:
        return path_set_list(organization=organization).get(pk=int(pk))
    except (PathSet.DoesNotExist, ValueError):
        raise Http404 from None


def path_set_totals(*, path_set: PathSet) -> PathTotals:
    """Rows, conversions, value and nulls of the whole set, summed from its rows."""
    totals = PathRow.objects.filter(path_set=path_set).aggregate(
        rows=Count("pk"), conversions=Sum("conversions"), value=Sum("value"), nulls=Sum("nulls")
    )
    return PathTotals(
        rows=totals["rows"],
        conversions=totals["conversions"] or ZERO,
        value=totals["value"] or ZERO,
        nulls=totals["nulls"] or ZERO,
    )


def clean_row_sort(sort: str | None) -> str:
    """`sort` when it names a rows column (optionally descending), else ""."""
    if sort and sort.lstrip("-") in ROW_SORTS:
        return sort
    return ""


def path_row_list(
    *, path_set: PathSet, filters: QueryDict | dict, sort: str = ""
) -> tuple[PathRowFilterSet, QuerySet[PathRow]]:
    """The set's rows, filtered by the rows FilterSet (channel contained) and sorted by `sort`."""
    base = PathRow.objects.filter(organization_id=path_set.organization_id, path_set=path_set)
    filterset = PathRowFilterSet(filters, queryset=base)
    rows = filterset.qs if filterset.is_valid() else base.none()
    sort = clean_row_sort(sort)
    if sort:
        field = ROW_SORTS[sort.lstrip("-")]
        rows = rows.order_by(f"-{field}" if sort.startswith("-") else field, "pk")
    else:
        rows = rows.order_by("pk")
    return filterset, rows


def path_set_runs(*, path_set: PathSet) -> QuerySet[AttributionRun]:
    """The runs computed on the set (through any version of a configuration naming it)."""
    return (
        AttributionRun.objects.filter(organization_id=path_set.organization_id, config__path_set=path_set)
        .select_related("config", "job")
        .order_by("-created_at", "-id")
    )
