"""A commission line as the steps a rep can follow: rows → base → attainment → tier → rate → amount."""

from __future__ import annotations

from decimal import Decimal

from commissions.engine.types import CommissionLine, ObjectivePeriod, Semantics

WINDOW_NAMES = {
    ObjectivePeriod.MONTH: "the month",
    ObjectivePeriod.QUARTER: "the fiscal quarter",
    ObjectivePeriod.YEAR_TO_DATE: "the fiscal year to date",
}


def _amount(value: Decimal) -> str:
    return f"{value:,.2f}"


def explain_line(line: CommissionLine) -> list[str]:
    """The computation of one line, one sentence per step, with the line's own figures."""
    month = line.month.strftime("%B %Y")
    steps = [
        f"{line.transactions} transaction{'s' if line.transactions != 1 else ''} in {month}: "
        f"sales {_amount(line.sales_actual)}, commission base {_amount(line.commission_base)}.",
    ]
    window = WINDOW_NAMES[line.objective_period]
    if line.window_objective is None:
        steps.append(f"No objective is set for {window}: every sale earns the tier-1 rate.")
    else:
        attainment = f" ({line.attainment_percent} %)" if line.attainment_percent is not None else ""
        steps.append(
            f"Objective of {window}: {_amount(line.window_objective)}; commission base of {window} "
            f"through {month}: {_amount(line.window_base)}{attainment}."
        )
        if line.tier == 2:
            reached = f" on {line.tier2_date.isoformat()}" if line.tier2_date else ""
            steps.append(f"Tier 2 reached{reached}.")
        else:
            steps.append(f"Tier 1: {_amount(line.window_objective - line.window_base)} to tier 2.")
    semantics = (
        "only the base above the objective earns tier 2"
        if line.semantics == Semantics.MARGINAL
        else "once the objective is reached, the whole period earns tier 2"
    )
    steps.append(
        f"Rates: tier 1 {line.tier1_rate} %, tier 2 {line.tier2_rate} % ({line.semantics.value}: {semantics})."
    )
    parts = [f"tier 1 {_amount(line.tier1_commission)}", f"tier 2 {_amount(line.tier2_commission)}"]
    if line.true_up:
        parts.append(f"true-up of earlier months {_amount(line.true_up)}")
    if line.adjustments:
        parts.append(f"adjustments {_amount(line.adjustments)}")
    steps.append(f"Commission: {' + '.join(parts)} = {_amount(line.total)}.")
    return steps
