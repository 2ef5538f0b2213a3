"""Reads of partner attribution for pages, API and reports (org- and role-scoped)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q, QuerySet, Sum

from attribution.models import AccountPartner, AttributionEntry, OpportunityPartner, RevenueEvent
from revops.models import Account, Membership, Opportunity, Partner
from revops.permissions import Cap, has_cap
from revops.querysets import team_user_ids


def _deal_scope(membership: Membership, prefix: str = "") -> Q | None:
    """Revenue of the deals and accounts the member may see; None when they see the whole
    organization (admin, finance, org-wide manager). `prefix` reaches the revenue event
    through a relation, e.g. "revenue_event__" from a ledger entry."""
    if team_user_ids(membership) is None:
        return None
    deals = Opportunity.objects.visible_to(membership).values("id")
    accounts = Account.objects.visible_to(membership).values("id")
    return Q(**{f"{prefix}opportunity_id__in": deals}) | Q(
        **{f"{prefix}opportunity__isnull": True, f"{prefix}account_id__in": accounts}
    )


def entry_list(*, membership: Membership | None) -> QuerySet[AttributionEntry]:
    """Ledger entries the member may see, for pages, API and reports alike.

    A partner user sees only their partner's entries; an internal role with the view
    capability sees the organization's, narrowed for reps and team managers to the revenue
    of their own deals and accounts; anyone else sees nothing."""
    if membership is None:
        return AttributionEntry.objects.none()
    qs = AttributionEntry.objects.filter(organization_id=membership.organization_id).select_related(
        "partner", "period", "revenue_period"
    )
    if membership.role == "partner" and membership.is_active:
        return qs.filter(partner_id=membership.partner_id)
    if membership.role == "partner" or not has_cap(membership, Cap.ATTRIBUTION_VIEW):
        return qs.none()
    scope = _deal_scope(membership, prefix="revenue_event__")
    return qs if scope is None else qs.filter(scope)


def revenue_event_list(*, membership: Membership | None) -> QuerySet[RevenueEvent]:
    """Revenue events an internal member may see, scoped like `entry_list`."""
    if membership is None or membership.role == "partner" or not has_cap(membership, Cap.ATTRIBUTION_VIEW):
        return RevenueEvent.objects.none()
    qs = RevenueEvent.objects.filter(organization_id=membership.organization_id)
    scope = _deal_scope(membership)
    return qs if scope is None else qs.filter(scope)


def opportunity_partner_list(*, membership: Membership | None, opportunity: Opportunity) -> QuerySet:
    """The partner links of a deal the member can see (404-style empty when out of scope)."""
    if not has_cap(membership, Cap.ATTRIBUTION_VIEW):
        return OpportunityPartner.objects.none()
    visible = Opportunity.objects.visible_to(membership).filter(pk=opportunity.pk)
    return OpportunityPartner.objects.filter(opportunity__in=visible).select_related("partner")


def account_partner_list(*, membership: Membership | None, account_id: int) -> QuerySet:
    if not has_cap(membership, Cap.ATTRIBUTION_VIEW):
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
