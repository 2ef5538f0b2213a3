"""Dashboard figures: KPIs, pipeline by stage, won revenue per month, top accounts.

Every figure is aggregated in the database, so the number of queries does not depend on
how many opportunities there are.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, DecimalField, DurationField, F, Q, QuerySet, Sum, Value
from django.db.models.functions import TruncMonth

from revops.models import Membership, Opportunity
from revops.models.crm import CLOSED_STAGES, OPEN_STAGES, Stage
from revops.money import quantize_money
from revops.selectors.periods import DateRange, add_months, fiscal_quarter_range, period_range

TOP_ACCOUNTS_LIMIT = 10
FUNNEL_STAGES = (*OPEN_STAGES, Stage.CLOSED_WON)
ZERO = Value(Decimal("0"), output_field=DecimalField(max_digits=18, decimal_places=2))

WON = Q(stage=Stage.CLOSED_WON)
LOST = Q(stage=Stage.CLOSED_LOST)
OPEN = ~Q(stage__in=CLOSED_STAGES)


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
class Dashboard:
    period: DateRange
    this_quarter: DateRange
    last_quarter: DateRange
    kpis: Kpis
    stages: list[StageTotal]
    months: list[MonthTotal]
    top_accounts: list[AccountTotal]


def _in_range(field: str, period: DateRange) -> Q:
    if not period.bounded:
        return Q(**{f"{field}__isnull": False})
    return Q(**{f"{field}__gte": period.start, f"{field}__lte": period.end})


def _percent(part: Decimal, whole: Decimal) -> Decimal:
    return (Decimal(100) * part / whole).quantize(Decimal("0.1"))


def dashboard_opportunities(membership: Membership, product_line_id: int | None = None) -> QuerySet:
    """The opportunities the dashboard counts: the member's scope, optionally one product line."""
    qs = Opportunity.objects.visible_to(membership)
    if product_line_id:
        qs = qs.filter(product_line_id=product_line_id)
    return qs


def dashboard_kpis(qs: QuerySet, period: DateRange, this_q: DateRange, last_q: DateRange) -> Kpis:
    """All KPI tiles in one aggregate query."""
    won_in_period = WON & _in_range("close_date", period)
    row = qs.aggregate(
        open_pipeline=Sum("amount", filter=OPEN, default=ZERO),
        open_count=Count("id", filter=OPEN),
        won_this_quarter=Sum("amount", filter=WON & _in_range("close_date", this_q), default=ZERO),
        won_last_quarter=Sum("amount", filter=WON & _in_range("close_date", last_q), default=ZERO),
        won_amount=Sum("amount", filter=won_in_period, default=ZERO),
        won_count=Count("id", filter=won_in_period),
        lost_count=Count("id", filter=LOST & _in_range("close_date", period)),
        cycle_total=Sum(
            F("close_date") - F("created_date"), filter=won_in_period, output_field=DurationField()
        ),
    )
    won_this, won_last = quantize_money(row["won_this_quarter"]), quantize_money(row["won_last_quarter"])
    closed = row["won_count"] + row["lost_count"]
    avg_cycle = None
    if row["won_count"] and row["cycle_total"] is not None:
        days = Decimal(row["cycle_total"].total_seconds()) / Decimal(86400)
        avg_cycle = (days / row["won_count"]).quantize(Decimal("0.1"))
    return Kpis(
        open_pipeline=quantize_money(row["open_pipeline"]),
        open_count=row["open_count"],
        won_this_quarter=won_this,
        won_last_quarter=won_last,
        won_change_pct=_percent(won_this - won_last, won_last) if won_last else None,
        won_amount=quantize_money(row["won_amount"]),
        won_count=row["won_count"],
        lost_count=row["lost_count"],
        win_rate_pct=_percent(Decimal(row["won_count"]), Decimal(closed)) if closed else None,
        avg_cycle_days=avg_cycle,
    )


def dashboard_stages(qs: QuerySet, period: DateRange) -> list[StageTotal]:
    """Open pipeline per stage, then what was won in the period (one grouped query)."""
    rows = (
        qs.filter(OPEN | (WON & _in_range("close_date", period)))
        .values("stage")
        .annotate(count=Count("id"), amount=Sum("amount"))
        .order_by()
    )
    by_stage = {r["stage"]: r for r in rows}
    return [
        StageTotal(
            stage=stage.value,
            label=stage.label,
            count=by_stage.get(stage, {}).get("count", 0),
            amount=quantize_money(by_stage.get(stage, {}).get("amount") or 0),
        )
        for stage in FUNNEL_STAGES
    ]


def dashboard_months(qs: QuerySet, period: DateRange) -> list[MonthTotal]:
    """Won revenue per month of close date; months without wins show as zero."""
    rows = list(
        qs.filter(WON & _in_range("close_date", period))
        .annotate(month=TruncMonth("close_date"))
        .values("month")
        .annotate(count=Count("id"), amount=Sum("amount"))
        .order_by("month")
    )
    found = {r["month"]: r for r in rows}
    if period.bounded:
        first, last = period.start.replace(day=1), period.end.replace(day=1)
    elif rows:
        first, last = rows[0]["month"], rows[-1]["month"]
    else:
        return []
    months = []
    month = first
    while month <= last:
        row = found.get(month, {})
        months.append(
            MonthTotal(month=month, count=row.get("count", 0), amount=quantize_money(row.get("amount") or 0))
        )
        month = add_months(month, 1)
    return months


def dashboard_top_accounts(
    qs: QuerySet, period: DateRange, limit: int | None = TOP_ACCOUNTS_LIMIT
) -> list[AccountTotal]:
    """Accounts ranked by revenue won in the period (all of them when limit is None)."""
    rows = (
        qs.filter(WON & _in_range("close_date", period))
        .values("account_id", "account__name")
        .annotate(deals=Count("id"), amount=Sum("amount"))
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
    """Everything the dashboard shows, for what `membership` may see (four queries)."""
    organization = membership.organization
    date_range = period_range(organization, period, today)
    this_q = fiscal_quarter_range(organization, today)
    last_q = fiscal_quarter_range(organization, today, offset=-1)
    qs = dashboard_opportunities(membership, product_line_id)
    return Dashboard(
        period=date_range,
        this_quarter=this_q,
        last_quarter=last_q,
        kpis=dashboard_kpis(qs, date_range, this_q, last_q),
        stages=dashboard_stages(qs, date_range),
        months=dashboard_months(qs, date_range),
        top_accounts=dashboard_top_accounts(qs, date_range),
    )
