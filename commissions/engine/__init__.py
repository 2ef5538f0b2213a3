"""Pure commission engine: harmonised transactions, plans and objectives in, commission lines out.

No ORM, no request: plain dataclasses, pandas and numpy. Call::

    lines = compute_commissions(
        transactions=frame,          # transactions_frame([...]) or frame_from_rows(...)
        assignments=[Assignment(...)],
        objectives={(rep_id, line_id, month_index(day)): Decimal(...)},
        months=[dt.date(2026, 1, 1), ...],
        fiscal_year_start_month=1,
    )

Each `CommissionLine` (rep × product line × month) carries the actuals, the objective and its
window's threshold, attainment, the tier in force at month end and the date tier 2 was
reached, tier-1 and tier-2 commission, the retroactive true-up, adjustments, the total, and
year-to-date roll-ups. `explain_line(line)` lists the computation step by step.
`expected_commissions(deals=, lines=)` prices open deals through those lines: what each would
add if won, × its win probability (see `expected`). A plan counts sales when booked, invoiced
or paid (pro rata to cash received): see `basis`.
"""

from commissions.engine.basis import DocumentLine, Receipt, paid_frame, paid_rows
from commissions.engine.compute import (
    FRAME_COLUMNS,
    compute_commissions,
    frame_from_rows,
    money,
    month_index,
    month_start,
    to_cents,
    transactions_frame,
)
from commissions.engine.expected import ExpectedCommission, OpenDeal, expected_commissions
from commissions.engine.explain import explain_line
from commissions.engine.tiers import due, reached
from commissions.engine.types import (
    Assignment,
    Basis,
    CommissionLine,
    ObjectivePeriod,
    PlanTerms,
    Semantics,
    Transaction,
)

__all__ = [
    "FRAME_COLUMNS",
    "Assignment",
    "Basis",
    "CommissionLine",
    "DocumentLine",
    "ExpectedCommission",
    "ObjectivePeriod",
    "OpenDeal",
    "PlanTerms",
    "Receipt",
    "Semantics",
    "Transaction",
    "compute_commissions",
    "due",
    "expected_commissions",
    "explain_line",
    "frame_from_rows",
    "money",
    "month_index",
    "month_start",
    "paid_frame",
    "paid_rows",
    "reached",
    "to_cents",
    "transactions_frame",
]
