"""The analysis page's records: sales and approved commission per rep × product line × month of a
fiscal year, in the member's scope (a rep their own). Three queries whatever the rows: sales
grouped in SQL, ledger entries grouped in SQL, and the names."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pandas as pd
from django.db.models import Count, Sum
from django.db.models.functions import TruncMonth

from commissions.analytics import DIMENSIONS, MEASURES, pivot
from commissions.models import CommissionEntry
from commissions.permissions import CommissionKind
from commissions.selectors.sales import transaction_scope
from revops.models import Membership, ProductLine
from revops.permissions import scoped
from revops.selectors.periods import add_months

ZERO = Decimal("0.00")


def _day(value: dt.date | dt.datetime) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


def analysis_records(*, membership: Membership, year_start: dt.date) -> list[dict[str, Any]]:
    """One record per rep × product line × month with sales, base, count and commission."""
    organization = membership.organization
    end = add_months(year_start, 12)
    figures: dict[tuple[int, int, dt.date], dict[str, Any]] = defaultdict(
        lambda: {"sales": ZERO, "commission_base": ZERO, "transactions": 0, "commission": ZERO}
    )
    sales = (
        transaction_scope(membership=membership)
        .filter(date__gte=year_start, date__lt=end)
        .annotate(month=TruncMonth("date"))
        .values("rep_id", "product_line_id", "month")
        .annotate(sales=Sum("sales_amount"), base=Sum("commission_base"), n=Count("id"))
        .order_by()
    )
    for row in sales:
        cell = figures[(row["rep_id"], row["product_line_id"], _day(row["month"]))]
        cell.update(sales=row["sales"], commission_base=row["base"], transactions=row["n"])
    entries = (
        scoped(CommissionEntry.objects.all(), membership, kind=CommissionKind.STATEMENT)
        .filter(month__gte=year_start, month__lt=end)
        .values("rep_id", "product_line_id", "month")
        .annotate(amount=Sum("amount"))
        .order_by()
    )
    for row in entries:
        figures[(row["rep_id"], row["product_line_id"], _day(row["month"]))]["commission"] = row["amount"]
    reps = {
        m.user_id: (m.user.get_full_name() or m.user.email, m.team or "(no team)")
        for m in Membership.objects.filter(
            organization=organization, user_id__in={rep for rep, _, _ in figures}
        ).select_related("user")
    }
    lines = dict(
        ProductLine.objects.filter(
            organization=organization, pk__in={line for _, line, _ in figures}
        ).values_list("pk", "name")
    )
    return [
        {
            "rep": reps.get(rep, ("", ""))[0],
            "team": reps.get(rep, ("", "(no team)"))[1],
            "product_line": lines.get(line, ""),
            "month": month.strftime("%Y-%m"),
            **values,
        }
        for (rep, line, month), values in figures.items()
    ]


@dataclass(frozen=True)
class PivotChoice:
    rows: str = "rep"
    columns: str | None = "product_line"
    measure: str = "sales"


def analysis_choice(params: Mapping[str, str]) -> PivotChoice:
    """The rows, columns and measure asked for; anything unknown falls back to the default."""
    default = PivotChoice()
    rows = params.get("rows", default.rows)
    columns = params.get("columns", default.columns or "")
    measure = params.get("measure", default.measure)
    return PivotChoice(
        rows=rows if rows in DIMENSIONS else default.rows,
        columns=columns if columns in DIMENSIONS and columns != rows else None,
        measure=measure if measure in MEASURES else default.measure,
    )


def analysis_table(*, membership: Membership, year_start: dt.date, choice: PivotChoice) -> pd.DataFrame:
    return pivot(
        analysis_records(membership=membership, year_start=year_start),
        rows=choice.rows,
        columns=choice.columns,
        measure=choice.measure,
    )
