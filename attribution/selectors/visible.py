"""Reads of partner attribution for pages, API and reports (org- and role-scoped)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import QuerySet, Sum

from attribution.models import AccountPartner, AttributionEntry, LinkStatus, OpportunityPartner, RevenueEvent
from attribution.permissions import AttributionCap, AttributionKind
from revops.models import Account, Membership, Opportunity, Partner
from revops.permissions import has_cap, scoped


def entry_list(*, membership: Membership | None) -> QuerySet[AttributionEntry]:
    """Ledger entries the member may see, for pages, API and reports alike (the scope is the
    permission table's: see `attribution.permissions`)."""
    qs = AttributionEntry.objects.select_related("partner", "period", "revenue_period")
    return scoped(qs, membership, kind=AttributionKind.ENTRY)


def revenue_event_list(*, membership: Membership | None) -> QuerySet[RevenueEvent]:
    """Revenue events the member may see, scoped like `entry_list`."""
    return scoped(RevenueEvent.objects.all(), membership, kind=AttributionKind.REVENUE_EVENT)


def opportunity_partner_list(*, membership: Membership | None, opportunity: Opportunity) -> QuerySet:
    """The partner links of a deal the member can see (404-style empty when out of scope)."""
    if not has_cap(membership, AttributionCap.VIEW):
        return OpportunityPartner.objects.none()
    visible = Opportunity.objects.visible_to(membership).filter(pk=opportunity.pk)
    return OpportunityPartner.objects.filter(opportunity__in=visible).select_related("partner")


def partner_link_list(*, membership: Membership | None) -> QuerySet[OpportunityPartner]:
    """The active partner links on every deal the member sees (deny by default), for reports
    that group deals by partner and role."""
    if not has_cap(membership, AttributionCap.VIEW):
        return OpportunityPartner.objects.none()
    assert membership is not None  # has_cap is False without a membership
    visible = Opportunity.objects.visible_to(membership)
    return OpportunityPartner.objects.filter(
        organization_id=membership.organization_id, status=LinkStatus.ACTIVE, opportunity__in=visible
    )


def account_partner_list(*, membership: Membership | None, account_id: int) -> QuerySet:
    if not has_cap(membership, AttributionCap.VIEW):
        return AccountPartner.objects.none()
    visible = Account.objects.visible_to(membership).filter(pk=account_id)
    return AccountPartner.objects.filter(account__in=visible).select_related("partner")


@dataclass(frozen=True)
class PartnerPeriodTotal:
    partner_id: int
    partner_name: str
    period_id: int
    total: Decimal


def attributed_totals_by_period(*, membership: Membership | None) -> list[PartnerPeriodTotal]:
    """Attributed amount per partner and posting period, in one query."""
    rows = (
        entry_list(membership=membership)
        .values("partner_id", "partner__name", "period_id")
        .annotate(total=Sum("amount"))
        .order_by("period_id", "partner__name")
    )
    return [PartnerPeriodTotal(r["partner_id"], r["partner__name"], r["period_id"], r["total"]) for r in rows]


def partner_get(*, membership: Membership | None, partner_id: int) -> Partner:
    return Partner.objects.visible_to(membership).get(pk=partner_id)
