"""The rep dashboard: year-to-date figures, objective against actual per month, tier progress.

Tier progress comes from a fresh engine run for one rep over the fiscal year to date (the
engine needs the months before for quarter and year-to-date windows), so it shows where the
rep stands today whether or not this month's statement was computed. The dashboard page also
prices the rep's open pipeline: `rep_dashboard_with_pipeline` runs the engine once for both.
Bounded: one rep, one fiscal year (or to the last month a deal closes in), a fixed number of
queries whatever the rows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Sum
from django.db.models.functions import TruncMonth

from commissions.engine import CommissionLine, month_index
from commissions.models import CommissionEntry, CommissionStatement, StatementStatus
from commissions.selectors.inputs import RepEngineRun, rep_engine_run
from commissions.selectors.pipeline import ExpectedPipeline, open_deals, pipeline_months, pipeline_priced
from commissions.selectors.reps import RepChoice
from commissions.selectors.sales import transaction_scope
from commissions.selectors.statements import WINDOW_NAMES, statement_scope
from revops.models import Membership, ProductLine
from revops.money import quantize_money
from revops.selectors.periods import add_months, fiscal_year_range

ZERO = Decimal("0.00")
RECENT_STATEMENTS = 6


@dataclass(frozen=True)
class MonthPoint:
    month: dt.date
    objective: Decimal | None  # the month's objectives over every product line; None: none set
    base: Decimal  # commission base, what objectives are measured against
    sales: Decimal


@dataclass(frozen=True)
class TierProgress:
    """Where one product line stands this month: its tier and what is left to tier 2."""

    product_line: str
    tier: int
    window_name: str
    threshold: Decimal | None
    window_base: Decimal
    attainment_percent: Decimal | None
    tier2_date: dt.date | None
    commission: Decimal

    @property
    def to_tier2(self) -> Decimal | None:
        if self.tier == 2 or self.threshold is None:
            return None
        return self.threshold - self.window_base


@dataclass
class RepDashboard:
    rep: RepChoice
    year_start: dt.date
    month: dt.date
    ytd_sales: Decimal
    ytd_commission: Decimal
    paid_commission: Decimal
    months: list[MonthPoint]
    progress: list[TierProgress]
    statements: list[CommissionStatement]


def _months(start: dt.date, this_month: dt.date) -> list[dt.date]:
    months, month = [], start
    while month <= this_month:
        months.append(month)
        month = add_months(month, 1)
    return months


def _progress(lines: list[CommissionLine], month: dt.date) -> list[TierProgress]:
    names = dict(
        ProductLine.objects.filter(pk__in={line.product_line_id for line in lines}).values_list("pk", "name")
    )
    return sorted(
        (
            TierProgress(
                product_line=names.get(line.product_line_id, ""),
                tier=line.tier,
                window_name=WINDOW_NAMES.get(str(line.objective_period), "month"),
                threshold=line.window_objective,
                window_base=line.window_base,
                attainment_percent=line.attainment_percent,
                tier2_date=line.tier2_date,
                commission=line.total,
            )
            for line in lines
            if line.month == month
        ),
        key=lambda p: p.product_line,
    )


def _year_months(membership: Membership, today: dt.date) -> list[dt.date]:
    year_start = fiscal_year_range(membership.organization, today).start
    assert year_start is not None  # a fiscal year is always bounded
    return _months(year_start, today.replace(day=1))


def rep_dashboard_with_pipeline(
    *, membership: Membership, rep: RepChoice, today: dt.date
) -> tuple[RepDashboard, ExpectedPipeline]:
    """The rep's dashboard and the expected commission of their open deals, from one engine
    run: over the fiscal year to date, or on to the last month a deal closes in (the year to
    date's lines are the same either way: a month's line reads only the months before it)."""
    organization = membership.organization
    found = open_deals(membership=membership, rep=rep, today=today)
    months = _year_months(membership, today)
    if found.deals:
        months = sorted({*months, *pipeline_months(organization=organization, found=found, today=today)})
    run = rep_engine_run(organization=organization, rep_id=rep.user_id, months=months)
    dashboard = rep_dashboard(membership=membership, rep=rep, today=today, run=run)
    return dashboard, pipeline_priced(organization=organization, found=found, lines=run.lines)


def rep_dashboard(
    *, membership: Membership, rep: RepChoice, today: dt.date, run: RepEngineRun | None = None
) -> RepDashboard:
    """The dashboard of `rep` (in the member's scope: `rep_get` checked it) as of `today`.

    `run`: an engine run for the rep that covers at least the fiscal year to date (see
    `rep_dashboard_with_pipeline`); without it the dashboard runs the engine itself.
    """
    organization = membership.organization
    months = _year_months(membership, today)
    year_start, this_month = months[0], months[-1]
    if run is None:
        run = rep_engine_run(organization=organization, rep_id=rep.user_id, months=months)
    inputs = run.inputs
    wanted = set(months)
    lines = [line for line in run.lines if line.month in wanted]
    objectives: dict[int, Decimal] = {}
    for (_rep, _line, index), amount in inputs.objectives.items():
        objectives[index] = objectives.get(index, ZERO) + amount

    actuals = {
        (row["month"].date() if isinstance(row["month"], dt.datetime) else row["month"]): row
        for row in transaction_scope(membership=membership)
        .filter(rep_id=rep.user_id, date__gte=year_start, date__lte=today)
        .annotate(month=TruncMonth("date"))
        .values("month")
        .annotate(base=Sum("commission_base"), sales=Sum("sales_amount"))
        .order_by("month")
    }
    points = [
        MonthPoint(
            month,
            objectives.get(month_index(month)),
            actuals[month]["base"] if month in actuals else ZERO,
            actuals[month]["sales"] if month in actuals else ZERO,
        )
        for month in months
    ]
    statements = statement_scope(membership=membership).filter(rep_id=rep.user_id)
    paid = CommissionEntry.objects.filter(
        organization_id=organization.pk,
        statement__in=statements.filter(status=StatementStatus.PAID, month__gte=year_start),
    ).aggregate(total=Sum("amount"))["total"]
    return RepDashboard(
        rep=rep,
        year_start=year_start,
        month=this_month,
        ytd_sales=sum((p.sales for p in points), ZERO),
        ytd_commission=sum((line.total for line in lines), ZERO),
        paid_commission=quantize_money(paid) if paid is not None else ZERO,
        months=points,
        progress=_progress(lines, this_month),
        statements=list(statements.order_by("-month", "-revision")[:RECENT_STATEMENTS]),
    )
