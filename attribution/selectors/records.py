"""Partner attribution on the core's record pages: an account's, a partner's and a deal's links,
attributed revenue and latest ledger lines, within the member's scope (see visible.py)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q, QuerySet, Sum
from django.db.models.functions import TruncMonth

from attribution.models import AttributionEntry, OpportunityPartner
from attribution.selectors.ledger import entry_rows
from attribution.selectors.performance import MonthAmount
from attribution.selectors.visible import account_partner_list, entry_list
from revops.models import Account, Membership, Opportunity, Partner

LINES_SHOWN = 20
DEALS_SHOWN = 50
TREND_MONTHS = 24
ZERO = Decimal("0.00")


@dataclass(frozen=True)
class LinkRow:
    """One partner on an account or on one of its deals."""

    partner_id: int
    partner_name: str
    role: str
    split_percent: Decimal | None  # None: the default split of the role applies
    status: str
    deal_id: int | None = None
    deal_name: str = ""
    stage: str = ""
    amount: Decimal | None = None


@dataclass(frozen=True)
class PartnerTotal:
    partner_id: int
    partner_name: str
    role: str
    amount: Decimal


def account_link_rows(*, membership: Membership, account: Account) -> list[LinkRow]:
    """Account-level partners, then the partners on the account's deals the member may see."""
    rows = [
        LinkRow(link.partner_id, link.partner.name, link.role, link.split_percent, link.status)
        for link in account_partner_list(membership=membership, account_id=account.pk).order_by(
            "partner__name", "role"
        )
    ]
    deals = Opportunity.objects.visible_to(membership).filter(account=account)
    deal_links = (
        OpportunityPartner.objects.filter(organization_id=account.organization_id, opportunity__in=deals)
        .select_related("partner", "opportunity")
        .order_by("opportunity__name", "partner__name", "role")
    )
    rows += [
        LinkRow(
            link.partner_id,
            link.partner.name,
            link.role,
            link.split_percent,
            link.status,
            link.opportunity_id,
            link.opportunity.name,
            link.opportunity.stage,
            link.opportunity.amount,
        )
        for link in deal_links
    ]
    return rows


def partner_deal_rows(*, membership: Membership, partner: Partner, limit: int = DEALS_SHOWN) -> list[LinkRow]:
    """The deals (the member may see) this partner is linked to, newest first."""
    deals = Opportunity.objects.visible_to(membership)
    links = (
        OpportunityPartner.objects.filter(
            organization_id=partner.organization_id, partner=partner, opportunity__in=deals
        )
        .select_related("opportunity")
        .order_by("-opportunity__created_date", "-opportunity_id", "role")[:limit]
    )
    return [
        LinkRow(
            partner.pk,
            partner.name,
            link.role,
            link.split_percent,
            link.status,
            link.opportunity_id,
            link.opportunity.name,
            link.opportunity.stage,
            link.opportunity.amount,
        )
        for link in links
    ]


def deal_link_rows(*, membership: Membership, deal: Opportunity) -> list[LinkRow]:
    links = (
        OpportunityPartner.objects.filter(
            organization_id=deal.organization_id,
            opportunity__in=Opportunity.objects.visible_to(membership).filter(pk=deal.pk),
        )
        .select_related("partner")
        .order_by("partner__name", "role")
    )
    return [
        LinkRow(link.partner_id, link.partner.name, link.role, link.split_percent, link.status)
        for link in links
    ]


def account_entries(*, membership: Membership, account: Account) -> QuerySet[AttributionEntry]:
    return entry_list(membership=membership).filter(
        Q(revenue_event__account_id=account.pk) | Q(revenue_event__opportunity__account_id=account.pk)
    )


def partner_entries(*, membership: Membership, partner: Partner) -> QuerySet[AttributionEntry]:
    return entry_list(membership=membership).filter(partner_id=partner.pk)


def deal_entries_of(*, membership: Membership, deal: Opportunity) -> QuerySet[AttributionEntry]:
    return entry_list(membership=membership).filter(revenue_event__opportunity_id=deal.pk)


def latest_lines(entries: QuerySet[AttributionEntry], limit: int = LINES_SHOWN) -> list[dict]:
    """The newest ledger lines with what the ledger page shows next to them."""
    rows = entries.select_related("revenue_event", "rule_version").order_by("-sequence")[:limit]
    return entry_rows(rows)


def totals_by_partner(entries: QuerySet[AttributionEntry]) -> list[PartnerTotal]:
    """Attributed amount per partner and role, largest first (one query)."""
    rows = (
        entries.order_by()
        .values("partner_id", "partner__name", "role")
        .annotate(amount=Sum("amount"))
        .order_by("-amount", "partner__name")
    )
    return [PartnerTotal(r["partner_id"], r["partner__name"], r["role"], r["amount"] or ZERO) for r in rows]


def monthly_amounts(
    entries: QuerySet[AttributionEntry], *, today: dt.date, months: int = TREND_MONTHS
) -> list[MonthAmount]:
    """Attributed amount per month of the revenue date, the last `months` months (gaps as zero)."""
    index = today.year * 12 + today.month - 1 - (months - 1)
    start = dt.date(index // 12, index % 12 + 1, 1)
    rows = (
        entries.filter(revenue_event__date__gte=start, revenue_event__date__lte=today)
        .order_by()
        .annotate(month=TruncMonth("revenue_event__date"))
        .values("month")
        .annotate(amount=Sum("amount"))
    )
    found = {
        (r["month"].date() if isinstance(r["month"], dt.datetime) else r["month"]): r["amount"] for r in rows
    }
    result, month = [], start
    while month <= today:
        result.append(MonthAmount(month, found.get(month) or ZERO))
        month = (month + dt.timedelta(days=32)).replace(day=1)
    return result
