"""Deal drilldown reads: the deal, its splits with their explanations, ledger lines and history."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q, QuerySet, Sum
from django.http import Http404

from attribution.credits import ShareInput, split_amounts
from attribution.engine import Explanation, explain_text
from attribution.models import AccountPartner, AttributionEntry, LinkStatus, OpportunityPartner
from attribution.recommendations import DealRecord, RecommendationTarget
from attribution.selectors.ledger import ledger_list
from attribution.selectors.splits import deal_split_results
from attribution.selectors.visible import (
    account_partner_list,
    entry_list,
    opportunity_partner_list,
)
from revops.models import AuditEvent, Membership, Opportunity
from revops.models.crm import CLOSED_STAGES, OPEN_STAGES, Region, Stage
from revops.money import quantize_money

LINK_OBJECT_TYPE = "attribution.opportunitypartner"
ZERO = Decimal("0.00")


def deal_get(*, membership: Membership, pk: int) -> Opportunity:
    """The deal, when the member may see it; Http404 otherwise (other team, other organization)."""
    deal = (
        Opportunity.objects.visible_to(membership)
        .select_related("account", "product_line", "owner")
        .filter(pk=pk)
        .first()
    )
    if deal is None:
        raise Http404
    return deal


@dataclass(frozen=True)
class DealSplit:
    """One partner link of a deal with the engine's current answer for it."""

    link: OpportunityPartner
    percent: Decimal
    credit: Decimal
    allowed: bool
    source: str
    explanation: str  # the engine's sentence
    detail: Explanation  # what the sentence says: deciding rule, caps, every rule considered


def deal_links(*, membership: Membership, deal: Opportunity) -> list[OpportunityPartner]:
    return list(
        opportunity_partner_list(membership=membership, opportunity=deal).order_by("partner__name", "role")
    )


def deal_splits(*, deal: Opportunity, links: list[OpportunityPartner]) -> list[DealSplit]:
    """Run the engine on this deal's active links with the organization's current rules."""
    active = [link for link in links if link.status == LinkStatus.ACTIVE]
    if not active:
        return []
    results = deal_split_results(deal=deal)
    credits = split_amounts(
        deal.amount,
        [ShareInput(r.partner_id, str(r.role), r.percent if r.allowed else ZERO) for r in results],
    )
    by_id = {link.pk: link for link in active}
    return [
        DealSplit(
            link=by_id[r.link_id],
            percent=r.percent,
            credit=credit,
            allowed=r.allowed,
            source=str(r.explanation.source),
            explanation=explain_text(r),
            detail=r.explanation,
        )
        for r, credit in zip(results, credits, strict=True)
    ]


def deal_entries(*, membership: Membership, deal: Opportunity) -> QuerySet[AttributionEntry]:
    """The deal's ledger lines, oldest first: the ledger explorer's `opportunity` filter."""
    _filterset, entries = ledger_list(membership=membership, filters={"opportunity": deal.pk})
    return entries.order_by("sequence")


@dataclass(frozen=True)
class SplitChange:
    event: AuditEvent
    partner_name: str
    role: str
    before: str
    after: str


def _percent_text(snapshot: dict) -> str:
    if not snapshot:
        return "—"
    value = snapshot.get("split_percent")
    text = "rules / default" if value is None else f"{Decimal(value):.2f} %"
    if snapshot.get("status") and snapshot["status"] != LinkStatus.ACTIVE:
        text += f" ({snapshot['status']})"
    return text


def deal_split_history(*, deal: Opportunity, links: list[OpportunityPartner]) -> list[SplitChange]:
    """Audited changes of the deal's partner links, newest first."""
    names = {str(link.pk): (link.partner.name, link.get_role_display()) for link in links}
    events = AuditEvent.objects.filter(
        organization_id=deal.organization_id, object_type=LINK_OBJECT_TYPE, object_id__in=list(names)
    ).select_related("actor")
    return [
        SplitChange(e, *names[e.object_id], before=_percent_text(e.before), after=_percent_text(e.after))
        for e in events
    ]


@dataclass(frozen=True)
class DealDetail:
    """What the deal page and its export show: splits, ledger lines, history, the account's partners."""

    deal: Opportunity
    links: list[OpportunityPartner]
    splits: list[DealSplit]
    entries: QuerySet[AttributionEntry]
    history: list[SplitChange]
    relationships: list[AccountPartnerSummary]


def deal_detail(*, membership: Membership, deal: Opportunity) -> DealDetail:
    """The deal's reads for a member who may see it (`deal_get`)."""
    links = deal_links(membership=membership, deal=deal)
    return DealDetail(
        deal=deal,
        links=links,
        splits=deal_splits(deal=deal, links=links),
        entries=deal_entries(membership=membership, deal=deal),
        history=deal_split_history(deal=deal, links=links),
        relationships=account_relationships(membership=membership, deal=deal),
    )


# --- Recommendations input and the account summary ---------------------------------------------


def recommendation_target(*, deal: Opportunity, links: list[OpportunityPartner]) -> RecommendationTarget:
    return RecommendationTarget(
        product_line=deal.product_line.name if deal.product_line else None,
        industry=deal.account.industry,
        region=deal.account.region,
        region_label=Region(deal.account.region).label if deal.account.region else "",
        exclude_partner_ids=frozenset(link.partner_id for link in links),
    )


def partner_deal_history(*, deal: Opportunity) -> list[DealRecord]:
    """Every closed deal of the organization (but this one) with each partner that was on it."""
    rows = (
        OpportunityPartner.objects.filter(
            organization_id=deal.organization_id, opportunity__stage__in=CLOSED_STAGES
        )
        .exclude(opportunity_id=deal.pk)
        .values(
            "partner_id",
            "partner__name",
            "opportunity_id",
            "opportunity__stage",
            "opportunity__product_line__name",
            "opportunity__account__industry",
            "opportunity__account__region",
        )
        .order_by("partner_id", "opportunity_id")
        .distinct()
    )
    return [
        DealRecord(
            partner_id=r["partner_id"],
            partner_name=r["partner__name"],
            opportunity_id=r["opportunity_id"],
            won=r["opportunity__stage"] == Stage.CLOSED_WON,
            product_line=r["opportunity__product_line__name"],
            industry=r["opportunity__account__industry"] or "",
            region=r["opportunity__account__region"] or "",
        )
        for r in rows
    ]


@dataclass(frozen=True)
class AccountPartnerSummary:
    partner_id: int
    partner_name: str
    roles: tuple[str, ...]
    attributed: Decimal
    open_deals: int


def account_relationships(*, membership: Membership, deal: Opportunity) -> list[AccountPartnerSummary]:
    """Partners on the deal's account (account links and links on its deals), in three queries."""
    account_id = deal.account_id
    roles: dict[int, set[str]] = defaultdict(set)
    names: dict[int, str] = {}
    for link in account_partner_list(membership=membership, account_id=account_id).filter(
        status=LinkStatus.ACTIVE
    ):
        roles[link.partner_id].add(f"{link.get_role_display()} (account {link.split_percent} %)")
        names[link.partner_id] = link.partner.name
    deal_links = OpportunityPartner.objects.filter(
        opportunity__in=Opportunity.objects.visible_to(membership).filter(account_id=account_id),
        status=LinkStatus.ACTIVE,
    ).values_list("partner_id", "partner__name", "role", "opportunity_id", "opportunity__stage")
    open_deals: dict[int, set[int]] = defaultdict(set)
    role_labels = dict(AccountPartner._meta.get_field("role").choices)
    for partner_id, name, role, opportunity_id, stage in deal_links:
        roles[partner_id].add(role_labels[role])
        names[partner_id] = name
        if stage in OPEN_STAGES:
            open_deals[partner_id].add(opportunity_id)
    totals = dict(
        entry_list(membership=membership)
        .filter(
            Q(revenue_event__account_id=account_id) | Q(revenue_event__opportunity__account_id=account_id)
        )
        .values_list("partner_id")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    for partner_id, name in (
        entry_list(membership=membership)
        .filter(partner_id__in=set(totals) - set(names))
        .values_list("partner_id", "partner__name")
        .distinct()
    ):
        names[partner_id] = name
    summaries = [
        AccountPartnerSummary(
            pid,
            names[pid],
            tuple(sorted(roles[pid])),
            quantize_money(totals.get(pid) or ZERO),
            len(open_deals[pid]),
        )
        for pid in names
    ]
    return sorted(summaries, key=lambda s: (-s.attributed, s.partner_name, s.partner_id))
