"""What a partner sees in the portal: their attributed revenue, the deals they are linked to
(with only their own split), and their ledger lines per period with each line's evidence.

Every read starts from the member's partner (`membership.partner_id`) and goes through
partner attribution's public selectors (`entry_list`, scoped to the partner by the permission
table). Nothing here reads another partner's link, an internal note or a forecast.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q, Sum

from attribution.selectors.ledger import explanation_summary
from attribution.selectors.visible import entry_list
from partners.models import DealRegistration, RegistrationStatus
from revops.models import FiscalPeriod, Membership, Opportunity
from revops.models.crm import OPEN_STAGES

ZERO = Decimal("0.00")
TREND_PERIODS = 6


@dataclass(frozen=True)
class PeriodAmount:
    period: FiscalPeriod
    amount: Decimal


@dataclass(frozen=True)
class PortalHome:
    current: FiscalPeriod | None
    attributed_this_period: Decimal
    trend: list[PeriodAmount]
    open_pipeline: Decimal
    open_deals: int


def _current_period(membership: Membership, today: dt.date) -> FiscalPeriod | None:
    return FiscalPeriod.objects.filter(
        organization_id=membership.organization_id, start_date__lte=today, end_date__gte=today
    ).first()


def _linked_deals(membership: Membership):
    """Deals the member's partner has an active link on (the link row is the partner's own)."""
    return Opportunity.objects.filter(
        organization_id=membership.organization_id,
        partner_links__partner_id=membership.partner_id,
        partner_links__status="active",
    )


def portal_home(*, membership: Membership, today: dt.date) -> PortalHome:
    """Attributed revenue this period and the last six, open pipeline linked to the partner."""
    current = _current_period(membership, today)
    start = (current.start_date if current else today).replace(day=1)
    earliest = (start - dt.timedelta(days=31 * (TREND_PERIODS - 1))).replace(day=1)
    periods = list(
        FiscalPeriod.objects.filter(
            organization_id=membership.organization_id, start_date__gte=earliest, start_date__lte=start
        ).order_by("start_date")
    )
    totals = dict(
        entry_list(membership=membership)
        .filter(period__in=periods)
        .values_list("period_id")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    trend = [PeriodAmount(p, totals.get(p.pk) or ZERO) for p in periods]
    pipeline = (
        _linked_deals(membership).filter(stage__in=OPEN_STAGES).aggregate(total=Sum("amount"), n=Count("id"))
    )
    return PortalHome(
        current=current,
        attributed_this_period=(totals.get(current.pk) or ZERO) if current else ZERO,
        trend=trend,
        open_pipeline=pipeline["total"] or ZERO,
        open_deals=pipeline["n"] or 0,
    )


@dataclass(frozen=True)
class PortalDeal:
    pk: int
    name: str
    account_name: str
    stage: str
    amount: Decimal
    close_date: dt.date | None
    role: str
    split_percent: Decimal | None
    attributed: Decimal


def portal_deals(*, membership: Membership) -> list[PortalDeal]:
    """The partner's deals with its own role and split (never another partner's link)."""
    rows = (
        Opportunity.objects.filter(organization_id=membership.organization_id)
        .filter(Q(partner_links__partner_id=membership.partner_id))
        .values(
            "pk",
            "name",
            "account__name",
            "stage",
            "amount",
            "close_date",
            "expected_close_date",
            "partner_links__role",
            "partner_links__split_percent",
            "partner_links__partner_id",
        )
        .order_by("-created_date", "-pk")[:500]
    )
    attributed = dict(
        entry_list(membership=membership)
        .values_list("revenue_event__opportunity_id")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    deals = []
    for row in rows:
        if row["partner_links__partner_id"] != membership.partner_id:
            continue  # belt and braces: the join is the filter's, but never show another's link
        deals.append(
            PortalDeal(
                pk=row["pk"],
                name=row["name"],
                account_name=row["account__name"],
                stage=row["stage"],
                amount=row["amount"],
                close_date=row["close_date"] or row["expected_close_date"],
                role=row["partner_links__role"],
                split_percent=row["partner_links__split_percent"],
                attributed=attributed.get(row["pk"]) or ZERO,
            )
        )
    return deals


@dataclass(frozen=True)
class StatementLine:
    sequence: int
    posted_at: dt.datetime
    revenue_date: dt.date
    deal: str
    account: str
    role: str
    kind: str
    split_percent: Decimal
    amount: Decimal
    rule: str
    explanation: str
    registration_id: int | None
    registration_approved_at: dt.datetime | None
    entry_id: int = 0
    opportunity_id: int | None = None


def statement_periods(*, membership: Membership) -> list[FiscalPeriod]:
    """Periods in which the partner has ledger lines, newest first."""
    ids = entry_list(membership=membership).values("period_id")
    return list(FiscalPeriod.objects.filter(pk__in=ids).order_by("-start_date"))


def statement_lines(*, membership: Membership, period: FiscalPeriod) -> list[StatementLine]:
    """The partner's ledger lines of one period, each with its rule, explanation and registration."""
    entries = (
        entry_list(membership=membership)
        .filter(period=period)
        .select_related(
            "revenue_event__opportunity__account",
            "revenue_event__account",
            "rule_version__rule",
            "explanation_ref",
        )
        .order_by("sequence")
    )
    entries = list(entries)
    deal_ids = {e.revenue_event.opportunity_id for e in entries if e.revenue_event.opportunity_id}
    registrations = {
        r.opportunity_id: r
        for r in DealRegistration.objects.filter(
            organization_id=membership.organization_id,
            partner_id=membership.partner_id,
            opportunity_id__in=deal_ids,
            status__in=(RegistrationStatus.APPROVED, RegistrationStatus.EXPIRED),
        ).order_by("decided_at")
    }
    lines = []
    for e in entries:
        event = e.revenue_event
        deal = event.opportunity
        account = event.account or (deal.account if deal else None)
        registration = registrations.get(deal.pk) if deal else None
        version = e.rule_version
        lines.append(
            StatementLine(
                sequence=e.sequence,
                posted_at=e.created_at,
                revenue_date=event.date,
                deal=deal.name if deal else "",
                account=account.name if account else "",
                role=e.get_role_display(),
                kind=e.get_kind_display(),
                split_percent=e.split_percent,
                amount=e.amount,
                rule=f"{version.rule.name} v{version.number}" if version else "",
                explanation=explanation_summary(e.explanation),
                registration_id=registration.pk if registration else None,
                registration_approved_at=registration.decided_at if registration else None,
                entry_id=e.pk,
                opportunity_id=deal.pk if deal else None,
            )
        )
    return lines
