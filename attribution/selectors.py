"""Reads of partner attribution for pages, API and reports (org- and role-scoped)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import QuerySet, Sum

from attribution.engine import AccountFacts, DealFacts, LinkFacts, Role, Scope, SplitResult, compute_splits
from attribution.models import AccountPartner, AttributionEntry, OpportunityPartner, RevenueEvent
from attribution.permissions import AttributionCap, AttributionKind
from attribution.services.rules import active_rule_specs
from attribution.services.split_inputs import engine_settings
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


def deal_split_results(
    *, deal: Opportunity, account: Account, links: Sequence[OpportunityPartner]
) -> list[SplitResult]:
    """The split engine's current answer for a deal's active `links` (with their partners
    loaded), under the organization's active rules: two queries, the rules and the settings.
    The caller has scoped the deal to the member; the deal's segment and region fall back to
    the account's inside the engine."""
    facts = DealFacts(
        id=deal.pk,
        account_id=account.pk,
        stage=deal.stage,
        amount=deal.amount,
        product_line=deal.product_line.code if deal.product_line_id else None,
    )
    link_facts = [
        LinkFacts(
            scope=Scope.OPPORTUNITY,
            target_id=deal.pk,
            partner_id=link.partner_id,
            role=Role(link.role),
            partner_types=frozenset(link.partner.types or ()),
            partner_tier=link.partner.tier,
            manual_percent=link.split_percent,
            source=link.source,
            partner_name=link.partner.name,
            link_id=link.pk,
        )
        for link in links
    ]
    specs, _ = active_rule_specs(organization=deal.organization)
    return compute_splits(
        [facts],
        [AccountFacts(id=account.pk, segment=account.segment, region=account.region)],
        link_facts,
        specs,
        engine_settings(deal.organization),
    )


def partner_get(*, membership: Membership | None, partner_id: int) -> Partner:
    return Partner.objects.visible_to(membership).get(pk=partner_id)
