"""Plain inputs and outputs of the commission engine (no Django)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum


class Semantics(StrEnum):
    """How tier 2 applies once the objective of the period is reached."""

    # Only the part of the period's sales above the objective earns the tier-2 rate.
    MARGINAL = "marginal"
    # Once the objective is reached, every sale of the period earns the tier-2 rate; what was
    # paid at tier 1 earlier in the period is topped up (a true-up) in the month it is reached.
    RETROACTIVE = "retroactive"


class Basis(StrEnum):
    """When a sale counts: its booking, its invoice, or the cash received (see `basis`)."""

    BOOKED = "booked"
    INVOICED = "invoiced"
    PAID = "paid"


class ObjectivePeriod(StrEnum):
    """The window the objective is measured over; its threshold is the sum of its months."""

    MONTH = "month"
    QUARTER = "quarter"  # fiscal quarter
    YEAR_TO_DATE = "ytd"  # fiscal year to the end of the month


@dataclass(frozen=True, slots=True)
class PlanTerms:
    """The terms of one plan version; rates are percentages of the commission base."""

    plan_id: int
    version: int
    tier1_rate: Decimal
    tier2_rate: Decimal
    semantics: Semantics
    objective_period: ObjectivePeriod
    basis: Basis = Basis.BOOKED


@dataclass(frozen=True, slots=True)
class Assignment:
    """A rep paid on a product line under a plan version, for the months from `start` to `end`."""

    rep_id: int
    product_line_id: int
    terms: PlanTerms
    start: dt.date
    end: dt.date | None = None  # inclusive; None: open-ended

    def covers(self, month: dt.date) -> bool:
        return self.start <= _month_end(month) and (self.end is None or self.end >= month)


@dataclass(frozen=True, slots=True)
class Transaction:
    """One harmonised sale (or a return, with negative amounts)."""

    id: int
    rep_id: int
    product_line_id: int
    date: dt.date
    commission_base: Decimal
    sales_amount: Decimal = Decimal("0.00")
    revenue_amount: Decimal = Decimal("0.00")


@dataclass(frozen=True, slots=True)
class CommissionLine:
    """Per rep × product line × month: actuals, objective, tier, commission and YTD roll-ups."""

    rep_id: int
    product_line_id: int
    month: dt.date  # first day of the month
    plan_id: int
    plan_version: int
    semantics: Semantics
    objective_period: ObjectivePeriod
    transactions: int
    sales_actual: Decimal
    revenue_actual: Decimal
    commission_base: Decimal
    objective: Decimal | None  # this month's objective
    window_objective: Decimal | None  # the threshold: objective of the whole window so far
    window_base: Decimal  # commission base of the window up to the end of this month
    attainment_percent: Decimal | None  # window base ÷ threshold, 2 places
    tier: int  # tier in force at the end of the month
    tier2_date: dt.date | None  # first day the window's cumulative base reached the threshold
    tier1_rate: Decimal
    tier2_rate: Decimal
    tier1_commission: Decimal
    tier2_commission: Decimal
    true_up: Decimal  # retroactive top-up (or claw-back) of earlier months of the window
    adjustments: Decimal
    total: Decimal
    ytd_sales: Decimal = Decimal("0.00")
    ytd_commission_base: Decimal = Decimal("0.00")
    ytd_commission: Decimal = Decimal("0.00")


def _month_end(month: dt.date) -> dt.date:
    nxt = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return nxt - dt.timedelta(days=1)
