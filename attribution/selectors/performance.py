"""Partner performance reads: attributed revenue per partner, role, tier and month.

The sums come from the ledger's totals table (AttributionLedgerTotal, kept by the writer with
each posting) whenever the member sees whole partners (organization-wide roles, partner users)
and the dates are whole revenue months; reps and team managers, whose scope is a set of deals,
and ranges that cut a month with revenue after its end date, sum their entries instead.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum

from attribution.models import (
    AttributionLedgerTotal,
    AttributionPartnerDeal,
    PartnerRole,
    RevenueDayTotal,
    RevenueEvent,
)
from attribution.permissions import AttributionKind
from attribution.selectors.ledger import totals_scope
from attribution.selectors.visible import entry_list, revenue_event_list
from revops.models import Membership, Partner
from revops.money import quantize_money
from revops.permissions import Scope, scope_for
from revops.selectors.periods import DateRange, add_months

ZERO = Decimal("0.00")
ROLE_LABELS = dict(PartnerRole.choices)
TIER_LABELS = dict(Partner.Tier.choices)


@dataclass(frozen=True)
class PartnerTotal:
    partner_id: int
    name: str
    tier: str
    deals: int
    amount: Decimal
    share_percent: Decimal


@dataclass(frozen=True)
class LabelTotal:
    code: str  # the choice value (charts colour by it, revops.palette)
    label: str
    amount: Decimal


@dataclass(frozen=True)
class MonthAmount:
    month: dt.date
    amount: Decimal


@dataclass(frozen=True)
class PartnerPerformance:
    partners: list[PartnerTotal]
    roles: list[LabelTotal]
    tiers: list[LabelTotal]
    months: list[MonthAmount]
    gross_revenue: Decimal
    partner_credit: Decimal

    @property
    def not_credited(self) -> Decimal:
        return self.gross_revenue - self.partner_credit

    @property
    def not_credited_percent(self) -> Decimal | None:
        """The share of gross revenue no partner is credited with, in percent; None without revenue."""
        if not self.gross_revenue:
            return None
        return (self.not_credited * 100 / self.gross_revenue).quantize(Decimal("0.1"))


def _in_range(qs: QuerySet, field: str, dates: DateRange) -> QuerySet:
    if dates.start is not None:
        qs = qs.filter(**{f"{field}__gte": dates.start})
    if dates.end is not None:
        qs = qs.filter(**{f"{field}__lte": dates.end})
    return qs


def _whole_months(membership: Membership, dates: DateRange) -> Q | None:
    """The revenue periods `dates` covers as whole months (a filter on revenue_period), or None.

    A range starting mid-month, or ending mid-month with revenue dated after its end in that
    month, is not whole months: its sums must come from the entries.
    """
    months = Q()
    if dates.start is not None:
        if dates.start.day != 1:
            return None
        months &= Q(revenue_period__start_date__gte=dates.start)
    if dates.end is not None:
        month_end = add_months(dates.end, 1) - dt.timedelta(days=1)
        if dates.end != month_end and (
            RevenueEvent.objects.filter(
                organization_id=membership.organization_id, date__gt=dates.end, date__lte=month_end
            ).exists()
        ):
            return None
        months &= Q(revenue_period__start_date__lte=dates.end)
    return months


def _from_totals(membership: Membership, dates: DateRange):
    """(partner rows, role rows, month rows) summed from the totals table, or None."""
    scope = totals_scope(membership)
    months = _whole_months(membership, dates) if scope is not None else None
    if months is None:
        return None
    totals = AttributionLedgerTotal.objects.filter(scope, months, organization_id=membership.organization_id)
    totals = totals.order_by()
    partners = list(
        totals.values("partner_id", "partner__name", "partner__tier")
        .annotate(cents=Sum("amount_cents"))
        .order_by("-cents", "partner__name", "partner_id")
    )
    # Distinct deals cannot be summed from totals: they come from the partner-deal table (a
    # deal counts when its credited revenue months, first to last, reach into the range).
    pairs = AttributionPartnerDeal.objects.filter(scope, organization_id=membership.organization_id)
    if dates.start is not None:
        pairs = pairs.filter(last_month__gte=dates.start)
    if dates.end is not None:
        pairs = pairs.filter(first_month__lte=dates.end)
    deals = dict(pairs.order_by().values("partner_id").annotate(n=Count("id")).values_list("partner_id", "n"))
    partner_rows = [
        {
            "partner_id": r["partner_id"],
            "partner__name": r["partner__name"],
            "partner__tier": r["partner__tier"],
            "amount": Decimal(r["cents"]).scaleb(-2),
            "deals": deals.get(r["partner_id"], 0),
        }
        for r in partners
    ]
    roles = [
        (r["role"], Decimal(r["cents"]).scaleb(-2))
        for r in totals.values("role").annotate(cents=Sum("amount_cents")).order_by("role")
    ]
    month_rows = [
        (r["revenue_period__start_date"], Decimal(r["cents"]).scaleb(-2))
        for r in totals.values("revenue_period__start_date")
        .annotate(cents=Sum("amount_cents"))
        .order_by("revenue_period__start_date")
    ]
    return partner_rows, roles, month_rows


def _from_entries(membership: Membership, dates: DateRange):
    """(partner rows, role rows, month rows) aggregated over the member's entries."""
    entries = _in_range(entry_list(membership=membership), "revenue_event__date", dates).order_by()
    partner_rows = list(
        entries.values("partner_id", "partner__name", "partner__tier")
        .annotate(amount=Sum("amount"), deals=Count("revenue_event__opportunity_id", distinct=True))
        .order_by("-amount", "partner__name", "partner_id")
    )
    roles = [
        (r["role"], r["amount"])
        for r in entries.values("role").annotate(amount=Sum("amount")).order_by("role")
    ]
    month_rows = [
        (r["revenue_period__start_date"], r["amount"])
        for r in entries.values("revenue_period__start_date")
        .annotate(amount=Sum("amount"))
        .order_by("revenue_period__start_date")
    ]
    return partner_rows, roles, month_rows


def gross_revenue(*, membership: Membership, dates: DateRange) -> Decimal:
    """The revenue the member sees dated in `dates`: from the per-day totals the database keeps
    (RevenueDayTotal) for an organization-wide member, from their events otherwise."""
    if scope_for(membership, AttributionKind.REVENUE_EVENT) is Scope.ORGANIZATION:
        days = _in_range(
            RevenueDayTotal.objects.filter(organization_id=membership.organization_id), "date", dates
        )
        cents = days.aggregate(t=Sum("amount_cents"))["t"]
        return quantize_money(Decimal(cents or 0).scaleb(-2))
    total = _in_range(revenue_event_list(membership=membership), "date", dates).aggregate(t=Sum("amount"))[
        "t"
    ]
    return quantize_money(total or ZERO)


def partner_performance(*, membership: Membership, dates: DateRange) -> PartnerPerformance:
    """A fixed number of aggregate queries, whatever the number of entries (revenue dates in `dates`)."""
    rows, role_rows, month_rows = _from_totals(membership, dates) or _from_entries(membership, dates)
    credit = quantize_money(sum((r["amount"] for r in rows), ZERO))
    partners = [
        PartnerTotal(
            r["partner_id"],
            r["partner__name"],
            r["partner__tier"],
            r["deals"],
            quantize_money(r["amount"]),
            (r["amount"] * 100 / credit).quantize(Decimal("0.1")) if credit else ZERO,
        )
        for r in rows
    ]
    roles = [
        LabelTotal(role, ROLE_LABELS.get(role, role), quantize_money(amount)) for role, amount in role_rows
    ]
    tiers: dict[str, Decimal] = {}
    for p in partners:
        tiers[p.tier] = tiers.get(p.tier, ZERO) + p.amount
    months = [MonthAmount(month, quantize_money(amount)) for month, amount in month_rows]
    return PartnerPerformance(
        partners=partners,
        roles=roles,
        tiers=[LabelTotal(tier, TIER_LABELS.get(tier, tier), amount) for tier, amount in tiers.items()],
        months=months,
        gross_revenue=gross_revenue(membership=membership, dates=dates),
        partner_credit=credit,
    )
