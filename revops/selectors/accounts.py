"""Account reads: one account with its figures, deals and recent activity, in the member's scope."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum
from django.shortcuts import get_object_or_404

from revops.models import Account, AuditEvent, Membership, Opportunity, OpportunityStageChange
from revops.models.crm import OPEN_STAGES, Stage

ACTIVITY_LIMIT = 20
ZERO = Decimal("0.00")


@dataclass(frozen=True)
class DealTotals:
    open_count: int
    open_amount: Decimal
    won_count: int
    won_amount: Decimal
    lost_count: int

    @property
    def win_rate(self) -> Decimal | None:
        closed = self.won_count + self.lost_count
        return Decimal(self.won_count) / closed if closed else None


def account_get(*, membership: Membership, pk: int) -> Account:
    """One account the member may see, else 404."""
    return get_object_or_404(Account.objects.visible_to(membership).select_related("owner"), pk=pk)


def account_deals(*, membership: Membership, account: Account) -> QuerySet[Opportunity]:
    """The account's deals the member may see, newest first."""
    return (
        Opportunity.objects.visible_to(membership)
        .filter(account=account)
        .select_related("owner", "product_line")
        .order_by("-created_date", "-id")
    )


def deal_totals(deals: QuerySet[Opportunity]) -> DealTotals:
    """Open, won and lost counts and amounts of `deals`, in one query."""
    figures = deals.order_by().aggregate(
        open_count=Count("id", filter=Q(stage__in=OPEN_STAGES)),
        open_amount=Sum("amount", filter=Q(stage__in=OPEN_STAGES)),
        won_count=Count("id", filter=Q(stage=Stage.CLOSED_WON)),
        won_amount=Sum("amount", filter=Q(stage=Stage.CLOSED_WON)),
        lost_count=Count("id", filter=Q(stage=Stage.CLOSED_LOST)),
    )
    return DealTotals(
        open_count=figures["open_count"],
        open_amount=figures["open_amount"] or ZERO,
        won_count=figures["won_count"],
        won_amount=figures["won_amount"] or ZERO,
        lost_count=figures["lost_count"],
    )


@dataclass(frozen=True)
class ActivityItem:
    at: object  # aware datetime
    text: str
    actor: str
    deal_id: int | None = None


def account_activity(
    *, membership: Membership, account: Account, limit: int = ACTIVITY_LIMIT
) -> list[ActivityItem]:
    """The latest stage moves of the account's visible deals and audited edits of the account."""
    changes = (
        OpportunityStageChange.objects.filter(
            organization_id=account.organization_id,
            opportunity__in=Opportunity.objects.visible_to(membership).filter(account=account),
        )
        .select_related("opportunity", "changed_by")
        .order_by("-changed_at", "-id")[:limit]
    )
    edits = (
        AuditEvent.objects.filter(
            organization_id=account.organization_id, object_type="revops.account", object_id=str(account.pk)
        )
        .select_related("actor")
        .order_by("-created_at", "-id")[:limit]
    )
    stage_labels = dict(Stage.choices)
    items = [
        ActivityItem(
            at=c.changed_at,
            text=(
                f"{c.opportunity.name}: "
                + (f"{stage_labels.get(c.from_stage, c.from_stage)} → " if c.from_stage else "created in ")
                + stage_labels.get(c.to_stage, c.to_stage)
            ),
            actor=c.changed_by.email if c.changed_by else "",
            deal_id=c.opportunity_id,
        )
        for c in changes
    ]
    items += [
        ActivityItem(
            at=e.created_at,
            text=f"Account {e.action.rsplit('.', 1)[-1]}d"
            + (f": {', '.join(sorted(e.after))}" if e.after else ""),
            actor=e.actor.email if e.actor else "",
        )
        for e in edits
    ]
    return sorted(items, key=lambda i: i.at, reverse=True)[:limit]
