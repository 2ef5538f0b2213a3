"""Reads of harmonised sales for pages, exports and the API (org- and role-scoped).

- `transaction_list`: the member's transactions through the one FilterSet (dates, product
  line, rep, source file), newest first, each with its source file and row;
- `transaction_filter_choices`: what the filters offer, from the member's own rows;
- `upload_status`: per product line × month of a fiscal year, how many transactions were
  loaded and from which files.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, QuerySet, Sum
from django.db.models.functions import TruncMonth

from commissions.filters import SalesTransactionFilterSet
from commissions.models import SalesTransaction
from commissions.permissions import CommissionKind
from commissions.selectors.reps import RepChoice, reps_in_scope
from revops.models import Membership, Organization, ProductLine
from revops.money import quantize_money
from revops.permissions import scoped
from revops.selectors.periods import add_months, fiscal_year_range

ZERO = Decimal("0.00")
# The source-file filter lists at most this many names, so a long history keeps the page
# light; any file can still be asked for by name in the URL (`?source_file=`).
SOURCE_FILE_CHOICES = 200
UPLOAD_FIRST_YEAR = 2000


def transaction_scope(*, membership: Membership | None) -> QuerySet[SalesTransaction]:
    """Every transaction the member may see (the permission table's `commissions.transaction`)."""
    return scoped(SalesTransaction.objects.all(), membership, kind=CommissionKind.TRANSACTION)


def transaction_list(
    *, membership: Membership, filters: Mapping
) -> tuple[SalesTransactionFilterSet, QuerySet[SalesTransaction]]:
    base = transaction_scope(membership=membership).select_related("rep", "product_line")
    filterset = SalesTransactionFilterSet(filters, queryset=base)
    return filterset, filterset.qs.order_by("-date", "-id")


@dataclass(frozen=True)
class SalesTotals:
    count: int
    sales: Decimal
    base: Decimal


def transaction_totals(qs: QuerySet[SalesTransaction]) -> SalesTotals:
    figures = qs.order_by().aggregate(
        count=Count("id"), sales=Sum("sales_amount"), base=Sum("commission_base")
    )
    sales, base = (quantize_money(figures[k]) if figures[k] is not None else ZERO for k in ("sales", "base"))
    return SalesTotals(figures["count"], sales, base)


@dataclass(frozen=True)
class SalesChoices:
    product_lines: list[ProductLine]
    reps: list[RepChoice]
    files: list[str]


def transaction_filter_choices(*, membership: Membership) -> SalesChoices:
    files = (
        transaction_scope(membership=membership)
        .exclude(source_file="")
        .order_by("source_file")
        .values_list("source_file", flat=True)
        .distinct()[:SOURCE_FILE_CHOICES]
    )
    return SalesChoices(
        product_lines=list(ProductLine.objects.filter(organization_id=membership.organization_id)),
        reps=reps_in_scope(membership=membership),
        files=list(files),
    )


@dataclass
class UploadCell:
    month: dt.date
    count: int = 0
    files: list[str] = field(default_factory=list)
    future: bool = False

    @property
    def state(self) -> str:
        if self.count:
            return "loaded"
        return "future" if self.future else "missing"


@dataclass
class UploadRow:
    product_line: ProductLine
    cells: list[UploadCell]

    @property
    def total(self) -> int:
        return sum(c.count for c in self.cells)


@dataclass
class UploadStatus:
    year_start: dt.date
    months: list[dt.date]
    rows: list[UploadRow]
    files: list[tuple[str, int]]  # every file of the year, with its rows in the member's scope

    @property
    def missing(self) -> int:
        return sum(1 for row in self.rows for cell in row.cells if cell.state == "missing")


def upload_year_start(*, organization: Organization, wanted: str | None, today: dt.date) -> dt.date:
    """The first day of the fiscal year `wanted` names (the calendar year it starts in), else
    of the current one; years ahead of the current one are not offered."""
    current = fiscal_year_range(organization, today).start
    assert current is not None  # a fiscal year is always bounded
    if wanted and str(wanted).isdigit() and UPLOAD_FIRST_YEAR <= int(wanted) <= current.year:
        return current.replace(year=int(wanted))
    return current


def upload_status(*, membership: Membership, year_start: dt.date, today: dt.date) -> UploadStatus:
    """Loaded transactions per product line × month of the fiscal year from `year_start`.

    A month up to the current one without rows is missing; later months are still to come.
    Counts are of the rows the member may see (a rep: their own). Two queries.
    """
    months = [add_months(year_start, offset) for offset in range(12)]
    grouped = (
        transaction_scope(membership=membership)
        .filter(date__gte=year_start, date__lt=add_months(year_start, 12))
        .annotate(month=TruncMonth("date"))
        .values("product_line_id", "month", "source_file")
        .annotate(n=Count("id"))
        .order_by("product_line_id", "month", "source_file")
    )
    cells: dict[tuple[int, dt.date], UploadCell] = {}
    per_file: dict[str, int] = defaultdict(int)
    for row in grouped:
        month = row["month"]
        month = month.date() if isinstance(month, dt.datetime) else month
        cell = cells.setdefault((row["product_line_id"], month), UploadCell(month))
        cell.count += row["n"]
        name = row["source_file"] or "(no file name)"
        cell.files.append(name)
        per_file[name] += row["n"]
    this_month = today.replace(day=1)
    rows = [
        UploadRow(
            line,
            [cells.get((line.pk, month), UploadCell(month, future=month > this_month)) for month in months],
        )
        for line in ProductLine.objects.filter(organization_id=membership.organization_id)
    ]
    return UploadStatus(year_start, months, rows, sorted(per_file.items()))
