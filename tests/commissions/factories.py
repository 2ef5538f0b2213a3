"""A small commission book for tests: product lines, plans with versions, assignments, objectives."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from commissions.models import (
    BusinessObjective,
    CommissionPlan,
    CommissionPlanVersion,
    PlanAssignment,
    SalesTransaction,
)
from tests.revops.factories import ProductLineFactory


def plan(
    org,
    name,
    *,
    tier1,
    tier2,
    semantics="marginal",
    period="month",
    start=dt.date(2026, 1, 1),
    basis="booked",
):
    commission_plan = CommissionPlan.objects.create(organization=org, name=name)
    CommissionPlanVersion.objects.create(
        organization=org,
        plan=commission_plan,
        version=1,
        effective_from=start,
        tier1_rate=Decimal(tier1),
        tier2_rate=Decimal(tier2),
        semantics=semantics,
        objective_period=period,
        basis=basis,
    )
    return commission_plan


def assign(org, rep_user, line, commission_plan, start=dt.date(2026, 1, 1)):
    return PlanAssignment.objects.create(
        organization=org, rep=rep_user, product_line=line, plan=commission_plan, start=start
    )


def objectives(org, rep_user, line, amounts, first=dt.date(2026, 1, 1)):
    for offset, amount in enumerate(amounts):
        month = dt.date(first.year + (first.month - 1 + offset) // 12, (first.month - 1 + offset) % 12 + 1, 1)
        BusinessObjective.objects.create(
            organization=org, rep=rep_user, product_line=line, month=month, amount=Decimal(amount)
        )


def sale(org, rep_user, line, day, amount, key=None):
    amount = Decimal(amount)
    return SalesTransaction.objects.create(
        organization=org,
        rep=rep_user,
        product_line=line,
        date=dt.date.fromisoformat(day),
        sales_amount=amount,
        revenue_amount=amount,
        commission_base=amount,
        currency=org.currency,
        dedupe_key=key or f"{rep_user.pk}-{line.pk}-{day}-{amount}",
        source_file="test.csv",
        source_row=SalesTransaction.objects.count() + 2,
    )


def book(org, rep, other_rep):
    """Two reps on two lines: the engine reference's plans A/P, A/Q (rep) and B/P, B/Q (other)."""
    lines = {
        "P": ProductLineFactory(organization=org, name="Line P", code="p"),
        "Q": ProductLineFactory(organization=org, name="Line Q", code="q"),
    }
    plans = {
        "AP": plan(org, "A/P", tier1="5", tier2="8"),
        "AQ": plan(org, "A/Q", tier1="4", tier2="6", semantics="retroactive", period="quarter"),
        "BP": plan(org, "B/P", tier1="3", tier2="5", semantics="retroactive"),
        "BQ": plan(org, "B/Q", tier1="2", tier2="10", period="ytd"),
    }
    for key, user in (("AP", rep.user), ("AQ", rep.user), ("BP", other_rep.user), ("BQ", other_rep.user)):
        assign(org, user, lines[key[1]], plans[key])
    objectives(org, rep.user, lines["P"], ["10000"] * 3)
    objectives(org, rep.user, lines["Q"], ["5000"] * 3)
    objectives(org, other_rep.user, lines["P"], ["8000"] * 3)
    objectives(org, other_rep.user, lines["Q"], ["4000", "6000", "5000"])
    for who, line, day, amount in (
        (rep, "P", "2026-01-05", "6000"),
        (rep, "P", "2026-01-20", "7000"),
        (rep, "P", "2026-02-10", "4000"),
        (rep, "P", "2026-02-25", "-1000"),
        (rep, "P", "2026-03-03", "12345.67"),
        (rep, "Q", "2026-01-15", "6000"),
        (rep, "Q", "2026-02-14", "5000"),
        (rep, "Q", "2026-03-09", "5000"),
        (other_rep, "P", "2026-01-08", "5000"),
        (other_rep, "P", "2026-01-22", "4000"),
        (other_rep, "P", "2026-02-03", "9000"),
        (other_rep, "P", "2026-02-17", "-2000"),
        (other_rep, "Q", "2026-01-12", "5000"),
        (other_rep, "Q", "2026-02-20", "3000"),
        (other_rep, "Q", "2026-03-05", "8000"),
    ):
        sale(org, who.user, lines[line], day, amount)
    return lines, plans
