"""The objectives grid: rep × product line rows, the twelve months of a fiscal year as columns.

Rows are the rep × product line pairs in the member's scope of `commissions.objective` that a
plan assignment covers in the year, or that already have an objective in it. A cell is
editable when the member may edit plans and its month's fiscal period is not closed. A fixed
number of queries whatever the rows (assignments, objectives, closed periods, names).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q, QuerySet

from commissions.models import BusinessObjective, PlanAssignment
from commissions.permissions import CommissionCap, CommissionKind
from revops.models import FiscalPeriod, Membership, Organization, ProductLine, User
from revops.permissions import has_cap, scope_user_ids, scoped
from revops.selectors.periods import add_months

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class ObjectiveCell:
    month: dt.date
    amount: Decimal | None
    editable: bool
    closed: bool


@dataclass(frozen=True)
class ObjectiveRow:
    rep_id: int
    rep_name: str
    product_line_id: int
    product_line: str
    cells: tuple[ObjectiveCell, ...]

    @property
    def total(self) -> Decimal:
        return sum((c.amount for c in self.cells if c.amount is not None), ZERO)


@dataclass(frozen=True)
class ObjectiveGrid:
    year_start: dt.date
    months: tuple[dt.date, ...]
    closed: frozenset[dt.date]
    rows: tuple[ObjectiveRow, ...]
    can_edit: bool

    @property
    def month_totals(self) -> list[Decimal]:
        return [
            sum((row.cells[i].amount or ZERO for row in self.rows), ZERO) for i in range(len(self.months))
        ]

    @property
    def total(self) -> Decimal:
        return sum(self.month_totals, ZERO)


def objective_scope(*, membership: Membership | None) -> QuerySet[BusinessObjective]:
    """Every objective the member may see (the permission table's `commissions.objective`)."""
    return scoped(BusinessObjective.objects.all(), membership, kind=CommissionKind.OBJECTIVE)


def year_months(year_start: dt.date) -> tuple[dt.date, ...]:
    return tuple(add_months(year_start, offset) for offset in range(12))


def closed_months(*, organization: Organization, start: dt.date, end: dt.date) -> frozenset[dt.date]:
    """First days of the months from `start` to `end` (inclusive) whose fiscal period is closed."""
    return frozenset(
        FiscalPeriod.objects.filter(
            organization=organization,
            status=FiscalPeriod.Status.CLOSED,
            start_date__gte=start,
            start_date__lte=end,
        ).values_list("start_date", flat=True)
    )


def _label(first: str, last: str, email: str) -> str:
    return f"{first} {last}".strip() or email


def objective_grid(*, membership: Membership, year_start: dt.date) -> ObjectiveGrid:
    """The member's objectives for the fiscal year from `year_start`, one row per rep × line."""
    organization = membership.organization
    months = year_months(year_start)
    year_end = add_months(year_start, 12) - dt.timedelta(days=1)
    user_ids = scope_user_ids(membership, CommissionKind.OBJECTIVE)
    assignments = PlanAssignment.objects.filter(organization=organization, start__lte=year_end).filter(
        Q(end__isnull=True) | Q(end__gte=year_start)
    )
    if user_ids is not None:
        assignments = assignments.filter(rep_id__in=user_ids)
    amounts = {
        (rep, line, month): amount
        for rep, line, month, amount in objective_scope(membership=membership)
        .filter(month__gte=year_start, month__lte=year_end)
        .values_list("rep_id", "product_line_id", "month", "amount")
    }
    pairs = set(assignments.values_list("rep_id", "product_line_id")) | {
        (rep, line) for rep, line, _ in amounts
    }
    closed = closed_months(organization=organization, start=year_start, end=year_end)
    can_edit = has_cap(membership, CommissionCap.PLAN_EDIT)
    reps = {
        pk: _label(first, last, email)
        for pk, first, last, email in User.objects.filter(pk__in={rep for rep, _ in pairs}).values_list(
            "pk", "first_name", "last_name", "email"
        )
    }
    lines = dict(
        ProductLine.objects.filter(organization=organization, pk__in={line for _, line in pairs}).values_list(
            "pk", "name"
        )
    )
    rows = [
        ObjectiveRow(
            rep_id=rep,
            rep_name=reps.get(rep, ""),
            product_line_id=line,
            product_line=lines.get(line, ""),
            cells=tuple(
                ObjectiveCell(
                    month=month,
                    amount=amounts.get((rep, line, month)),
                    editable=can_edit and month not in closed,
                    closed=month in closed,
                )
                for month in months
            ),
        )
        for rep, line in pairs
    ]
    rows.sort(key=lambda r: (r.rep_name.lower(), r.product_line.lower(), r.rep_id, r.product_line_id))
    return ObjectiveGrid(
        year_start=year_start, months=months, closed=closed, rows=tuple(rows), can_edit=can_edit
    )


def objective_cell(
    *, membership: Membership, rep_id: int, product_line_id: int, month: dt.date
) -> ObjectiveCell:
    """One cell of the grid, as the member sees it after an edit."""
    amount = (
        objective_scope(membership=membership)
        .filter(rep_id=rep_id, product_line_id=product_line_id, month=month)
        .values_list("amount", flat=True)
        .first()
    )
    closed = bool(closed_months(organization=membership.organization, start=month, end=month))
    return ObjectiveCell(
        month=month,
        amount=amount,
        editable=has_cap(membership, CommissionCap.PLAN_EDIT) and not closed,
        closed=closed,
    )
