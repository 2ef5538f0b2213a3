"""Business objectives: set one cell of the grid, fill a row or a column, write an import's rows.

Every write is audited (`commissions.objective.set`, before and after) in the transaction of
the change. A month whose fiscal period is closed is read-only: setting it is refused with a
message naming the month; a bulk fill leaves closed months as they are and says how many it
left. Clearing a cell (no amount) removes the objective: that month's sales then count
against no objective of theirs. Amounts are money: not negative, at most two decimals.
Capabilities and scope are checked by the caller (`PLAN_EDIT`, reps in the member's scope).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction

from commissions.models import BusinessObjective
from commissions.selectors.objectives import closed_months
from revops.exceptions import ApplicationError
from revops.models import Membership, Organization, ProductLine
from revops.services.audit import AuditChange, audit_record_many

AUDIT_ACTION = "commissions.objective.set"
MAX_AMOUNT = Decimal("9999999999999999.99")  # 18 digits, 2 places
ERROR_MONTH = "Objectives are per month: give the first day of a month."
ERROR_CLOSED = "{month:%B %Y} is closed: its objectives are read-only."
ERROR_AMOUNT = "The objective must be an amount from 0 with at most two decimals; got {amount}."
ERROR_REP = "This rep is not an active member of the organization."
ERROR_LINE = "This product line is not one of the organization's."

Cell = tuple[int, int, dt.date]  # (rep id, product line id, month)


@dataclass(frozen=True)
class FillResult:
    changed: int
    unchanged: int
    closed: int


def check_amount(amount: Decimal | None) -> Decimal | None:
    """The amount as money, or ApplicationError naming it; None (clear the cell) passes."""
    if amount is None:
        return None
    if (
        not amount.is_finite()
        or amount < 0
        or amount > MAX_AMOUNT
        or amount != amount.quantize(Decimal("0.01"))
    ):
        raise ApplicationError(ERROR_AMOUNT.format(amount=amount))
    return amount.quantize(Decimal("0.01"))


def _check_refs(organization: Organization, cells: list[Cell]) -> None:
    if any(month.day != 1 for _, _, month in cells):
        raise ApplicationError(ERROR_MONTH)
    reps = {rep for rep, _, _ in cells}
    members = set(
        Membership.objects.filter(organization=organization, is_active=True, user_id__in=reps).values_list(
            "user_id", flat=True
        )
    )
    if reps - members:
        raise ApplicationError(ERROR_REP)
    lines = {line for _, line, _ in cells}
    if lines - set(
        ProductLine.objects.filter(organization=organization, pk__in=lines).values_list("pk", flat=True)
    ):
        raise ApplicationError(ERROR_LINE)


def _write(*, organization: Organization, actor, values: dict[Cell, Decimal | None]) -> tuple[int, int]:
    """Bring the cells to `values` (None: no objective) in bulk; (changed, unchanged)."""
    months = {month for _, _, month in values}
    existing = {
        (o.rep_id, o.product_line_id, o.month): o
        for o in BusinessObjective.objects.select_for_update().filter(
            organization=organization,
            rep_id__in={rep for rep, _, _ in values},
            product_line_id__in={line for _, line, _ in values},
            month__in=months,
        )
    }
    created, updated, deleted, changes = [], [], [], []
    unchanged = 0
    for (rep, line, month), amount in values.items():
        found = existing.get((rep, line, month))
        before = found.amount if found is not None else None
        if before == amount:
            unchanged += 1
            continue
        if found is None:
            found = BusinessObjective(
                organization=organization, rep_id=rep, product_line_id=line, month=month, amount=amount
            )
            created.append(found)
        elif amount is None:
            deleted.append(found.pk)
        else:
            found.amount = amount
            updated.append(found)
        changes.append((found, before, amount))
    BusinessObjective.objects.bulk_create(created, batch_size=1000)
    BusinessObjective.objects.bulk_update(updated, ["amount", "updated_at"], batch_size=1000)
    BusinessObjective.objects.filter(pk__in=deleted).delete()
    audit_record_many(
        organization=organization,
        actor=actor,
        action=AUDIT_ACTION,
        changes=(
            AuditChange(
                obj,
                before={
                    "rep": obj.rep_id,
                    "product_line": obj.product_line_id,
                    "month": obj.month,
                    "amount": old,
                },
                after={"amount": new},
            )
            for obj, old, new in changes
        ),
    )
    return len(changes), unchanged


def objective_set(
    *,
    organization: Organization,
    actor,
    rep_id: int,
    product_line_id: int,
    month: dt.date,
    amount: Decimal | None,
) -> bool:
    """Set (or clear, with None) one rep's objective for a product line and month; True if it changed."""
    amount = check_amount(amount)
    _check_refs(organization, [(rep_id, product_line_id, month)])
    with transaction.atomic():
        if closed_months(organization=organization, start=month, end=month):
            raise ApplicationError(ERROR_CLOSED.format(month=month))
        changed, _ = _write(
            organization=organization, actor=actor, values={(rep_id, product_line_id, month): amount}
        )
    return changed == 1


def objectives_fill(
    *, organization: Organization, actor, cells: Iterable[Cell], amount: Decimal | None
) -> FillResult:
    """Give every cell (a grid row's months, or a month's reps × lines) the same amount.

    All or nothing; months whose period is closed are left as they are (counted in `closed`).
    """
    amount = check_amount(amount)
    wanted = sorted(set(cells))
    if not wanted:
        return FillResult(0, 0, 0)
    _check_refs(organization, wanted)
    with transaction.atomic():
        months = [month for _, _, month in wanted]
        closed = closed_months(organization=organization, start=min(months), end=max(months))
        open_cells = {cell: amount for cell in wanted if cell[2] not in closed}
        changed, unchanged = (
            _write(organization=organization, actor=actor, values=open_cells) if open_cells else (0, 0)
        )
    return FillResult(changed=changed, unchanged=unchanged, closed=len(wanted) - len(open_cells))


def objectives_write(*, organization: Organization, actor, values: dict[Cell, Decimal]) -> tuple[int, int]:
    """Write an import's checked rows (closed months were refused row by row before)."""
    if not values:
        return 0, 0
    return _write(organization=organization, actor=actor, values=dict(values))
