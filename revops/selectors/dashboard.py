"""Dashboard figures: KPIs, pipeline by stage, won revenue per month, top accounts.

Every figure is aggregated in the database, so the number of queries does not depend on
how many opportunities there are: one grouped query gives count, amount and sales-cycle days
per stage and close date (open deals, and deals closed in the dates the dashboard looks at),
from which the KPIs, the funnel and the months are summed; one more ranks the accounts. Both
read only the index `opp_dashboard` (organization, stage, close date, then the columns they
sum), never the whole history of the organization.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Func, IntegerField, Q, QuerySet, Sum

from revops.models import Membership, Opportunity
from revops.models.crm import CLOSED_STAGES, OPEN_STAGES, Stage
from revops.money import quantize_money
from revops.selectors.periods import DateRange, add_months, fiscal_quarter_range, period_range

TOP_ACCOUNTS_LIMIT = 10
FUNNEL_STAGES = (*OPEN_STAGES, Stage.CLOSED_WON)
ZERO = Decimal("0")


@dataclass(frozen=True)
class Kpis:
    open_pipeline: Decimal
    open_count: int
    won_this_quarter: Decimal
    won_last_quarter: Decimal
    won_change_pct: Decimal | None  # None when last quarter had nothing to compare with
    won_amount: Decimal
    won_count: int
    lost_count: int
    win_rate_pct: Decimal | None  # None when nothing closed in the period
    avg_cycle_days: Decimal | None  # None when nothing was won in the period


@dataclass(frozen=True)
class StageTotal:
    stage: str
    label: str
    count: int
    amount: Decimal


@dataclass(frozen=True)
class MonthTotal:
    month: dt.date
    count: int
    amount: Decimal


@dataclass(frozen=True)
class AccountTotal:
    account_id: int
    name: str
    deals: int
    amount: Decimal


@dataclass(frozen=True)
class DayTotal:
    """Deals of one stage and close date (None for open deals without one)."""

    stage: str
    close_date: dt.date | None
    count: int
    amount: Decimal
    cycle_days: int | None  # sum of (close date - created date); None without a close date


@dataclass(frozen=True)
class Dashboard:
    period: DateRange
    this_quarter: DateRange
    last_quarter: DateRange
    kpis: Kpis
    stages: list[StageTotal]
    months: list[MonthTotal]
    top_accounts: list[AccountTotal]


class DaysBetween(Func):
    """Whole days from the second date to the first, computed natively by the database."""

    arg_joiner = " - "
    template = "(%(expressions)s)"  # PostgreSQL: date - date is a number of days
    output_field = IntegerField()

    def as_sqlite(self, compiler, connection, **extra_context):
        # Dates are text in SQLite; julianday() is built in, where Django's own date
        # arithmetic calls back into Python for every row.
        return self.as_sql(
            compiler,
            connection,
            template="CAST(julianday(%(expressions)s) AS INTEGER)",
            arg_joiner=") - julianday(",
            **extra_context,
        )


def _in_range(field: str, period: DateRange) -> Q:
    if not period.bounded:
        return Q(**{f"{field}__isnull": False})
    return Q(**{f"{field}__gte": period.start, f"{field}__lte": period.end})


def _covers(period: DateRange, day: dt.date | None) -> bool:
    if day is None:
        return False
    if period.start is None or period.end is None:  # unbounded
        return True
    return period.start <= day <= period.end


def _spanning(ranges: Iterable[DateRange]) -> DateRange:
    """The smallest range containing all of `ranges` (unbounded if one of them is)."""
    ranges = list(ranges)
    starts = [r.start for r in ranges if r.start is not None]
    ends = [r.end for r in ranges if r.end is not None]
    if len(starts) < len(ranges) or len(ends) < len(ranges):  # one of them is unbounded
        return DateRange(None, None)
    return DateRange(min(starts), max(ends))


def _percent(part: Decimal, whole: Decimal) -> Decimal:
    return (Decimal(100) * part / whole).quantize(Decimal("0.1"))


def dashboard_opportunities(membership: Membership, product_line_id: int | None = None) -> QuerySet:
    """The opportunities the dashboard counts: the member's scope, optionally one product line."""
    qs = Opportunity.objects.visible_to(membership)
    if product_line_id:
        qs = qs.filter(product_line_id=product_line_id)
    return qs


def dashboard_day_totals(qs: QuerySet, window: DateRange) -> list[DayTotal]:
    """Totals per stage and close date of open deals and of deals closed within `window`.

    One query: two index range scans (open stages; closed stages within the dates) joined
    with UNION ALL, which every database runs faster than one scan filtered with OR. Rows are
    counted with COUNT(*), not COUNT(id): the id is not in `opp_dashboard`, and PostgreSQL
    answers from the index alone only when every column the query reads is in it.
    """
    columns = ("stage", "close_date")
    totals = {
        "count": Count("*"),
        "amount": Sum("amount"),
        "cycle_days": Sum(DaysBetween("close_date", "created_date")),
    }
    open_deals = qs.filter(stage__in=OPEN_STAGES).values(*columns).annotate(**totals).order_by()
    closed = (
        qs.filter(Q(stage__in=CLOSED_STAGES) & _in_range("close_date", window))
        .values(*columns)
        .annotate(**totals)
        .order_by()
    )
    return [DayTotal(**row) for row in open_deals.union(closed, all=True)]


def _total(days: Iterable[DayTotal]) -> tuple[int, Decimal, int | None]:
    count, amount, cycle = 0, ZERO, None
    for day in days:
        count += day.count
        amount += day.amount or ZERO
        if day.cycle_days is not None:
            cycle = (cycle or 0) + day.cycle_days
    return count, amount, cycle


def _closed_in(days: Sequence[DayTotal], stage: str, period: DateRange) -> list[DayTotal]:
    return [d for d in days if d.stage == stage and _covers(period, d.close_date)]


def dashboard_kpis(days: Sequence[DayTotal], period: DateRange, this_q: DateRange, last_q: DateRange) -> Kpis:
    """All KPI tiles from the day totals."""
    open_count, open_amount, _ = _total(d for d in days if d.stage in OPEN_STAGES)
    won_count, won_amount, cycle_total = _total(_closed_in(days, Stage.CLOSED_WON, period))
    lost_count, _, _ = _total(_closed_in(days, Stage.CLOSED_LOST, period))
    _, won_this, _ = _total(_closed_in(days, Stage.CLOSED_WON, this_q))
    _, won_last, _ = _total(_closed_in(days, Stage.CLOSED_WON, last_q))
    won_this, won_last = quantize_money(won_this), quantize_money(won_last)
    closed = won_count + lost_count
    avg_cycle = None
    if won_count and cycle_total is not None:
        avg_cycle = (Decimal(cycle_total) / won_count).quantize(Decimal("0.1"))
    return Kpis(
        open_pipeline=quantize_money(open_amount),
        open_count=open_count,
        won_this_quarter=won_this,
        won_last_quarter=won_last,
        won_change_pct=_percent(won_this - won_last, won_last) if won_last else None,
        won_amount=quantize_money(won_amount),
        won_count=won_count,
        lost_count=lost_count,
        win_rate_pct=_percent(Decimal(won_count), Decimal(closed)) if closed else None,
        avg_cycle_days=avg_cycle,
    )


def dashboard_stages(days: Sequence[DayTotal], period: DateRange) -> list[StageTotal]:
    """Open pipeline per stage, then what was won in the period."""
    stages = []
    for stage in FUNNEL_STAGES:
        if stage in OPEN_STAGES:
            count, amount, _ = _total(d for d in days if d.stage == stage)
        else:
            count, amount, _ = _total(_closed_in(days, stage, period))
        stages.append(
            StageTotal(stage=stage.value, label=stage.label, count=count, amount=quantize_money(amount))
        )
    return stages


def dashboard_months(days: Sequence[DayTotal], period: DateRange, today: dt.date) -> list[MonthTotal]:
    """Won revenue per month of close date up to the current month; months without wins show as zero.

    A period running past today (this quarter, this fiscal year) stops at the current month,
    and so does "all time" when a deal is marked won with a close date still to come.
    """
    this_month = today.replace(day=1)
    found: dict[dt.date, list[DayTotal]] = defaultdict(list)
    for day in _closed_in(days, Stage.CLOSED_WON, period):
        if day.close_date is not None:  # always: _closed_in keeps dated days only
            found[day.close_date.replace(day=1)].append(day)
    if period.start is not None and period.end is not None:  # bounded
        first, last = period.start.replace(day=1), period.end.replace(day=1)
    elif found:
        first, last = min(found), max(found)
    else:
        return []
    last = min(last, this_month)
    months = []
    month = first
    while month <= last:
        count, amount, _ = _total(found.get(month, ()))
        months.append(MonthTotal(month=month, count=count, amount=quantize_money(amount)))
        month = add_months(month, 1)
    return months


def dashboard_top_accounts(
    qs: QuerySet, period: DateRange, limit: int | None = TOP_ACCOUNTS_LIMIT
) -> list[AccountTotal]:
    """Accounts ranked by revenue won in the period (all of them when limit is None)."""
    rows = (
        qs.filter(Q(stage=Stage.CLOSED_WON) & _in_range("close_date", period))
        .values("account_id", "account__name")
        .annotate(deals=Count("*"), amount=Sum("amount"))
        .order_by("-amount", "account__name", "account_id")
    )
    if limit is not None:
        rows = rows[:limit]
    return [
        AccountTotal(
            account_id=r["account_id"],
            name=r["account__name"],
            deals=r["deals"],
            amount=quantize_money(r["amount"]),
        )
        for r in rows
    ]


def dashboard_get(
    *, membership: Membership, period: str, today: dt.date, product_line_id: int | None = None
) -> Dashboard:
    """Everything the dashboard shows, for what `membership` may see (two queries)."""
    organization = membership.organization
    date_range = period_range(organization, period, today)
    this_q = fiscal_quarter_range(organization, today)
    last_q = fiscal_quarter_range(organization, today, offset=-1)
    qs = dashboard_opportunities(membership, product_line_id)
    days = dashboard_day_totals(qs, _spanning((date_range, this_q, last_q)))
    return Dashboard(
        period=date_range,
        this_quarter=this_q,
        last_quarter=last_q,
        kpis=dashboard_kpis(days, date_range, this_q, last_q),
        stages=dashboard_stages(days, date_range),
        months=dashboard_months(days, date_range, today),
        top_accounts=dashboard_top_accounts(qs, date_range),
    )
