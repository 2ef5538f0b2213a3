"""Partner performance reads: attributed revenue per partner, role, tier and month (aggregated in SQL)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, QuerySet, Sum

from attribution.models import PartnerRole
from attribution.selectors.visible import entry_list, revenue_event_list
from revops.models import Membership, Partner
from revops.money import quantize_money
from revops.selectors.periods import DateRange

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


def _in_range(qs: QuerySet, field: str, dates: DateRange) -> QuerySet:
    if dates.start is not None:
        qs = qs.filter(**{f"{field}__gte": dates.start})
    if dates.end is not None:
        qs = qs.filter(**{f"{field}__lte": dates.end})
    return qs


def partner_performance(*, membership: Membership, dates: DateRange) -> PartnerPerformance:
    """Four aggregate queries, whatever the number of entries (revenue dates in `dates`)."""
    entries = _in_range(entry_list(membership=membership), "revenue_event__date", dates).order_by()
    rows = list(
        entries.values("partner_id", "partner__name", "partner__tier")
        .annotate(amount=Sum("amount"), deals=Count("revenue_event__opportunity_id", distinct=True))
        .order_by("-amount", "partner__name", "partner_id")
    )
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
        LabelTotal(ROLE_LABELS.get(r["role"], r["role"]), quantize_money(r["amount"]))
        for r in entries.values("role").annotate(amount=Sum("amount")).order_by("role")
    ]
    tiers: dict[str, Decimal] = {}
    for p in partners:
        label = TIER_LABELS.get(p.tier, p.tier)
        tiers[label] = tiers.get(label, ZERO) + p.amount
    months = [
        MonthAmount(r["revenue_period__start_date"], quantize_money(r["amount"]))
        for r in entries.values("revenue_period__start_date")
        .annotate(amount=Sum("amount"))
        .order_by("revenue_period__start_date")
    ]
    gross = _in_range(revenue_event_list(membership=membership), "date", dates).aggregate(t=Sum("amount"))[
        "t"
    ]
    return PartnerPerformance(
        partners=partners,
        roles=roles,
        tiers=[LabelTotal(label, amount) for label, amount in tiers.items()],
        months=months,
        gross_revenue=quantize_money(gross or ZERO),
        partner_credit=credit,
    )
