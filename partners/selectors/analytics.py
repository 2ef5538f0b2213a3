"""Partner analytics reads: sourced and influenced revenue and pipeline, the registration funnel,
the leaderboard, and closed deals for the matched comparison (`partners.engine.comparison`).

Definitions (docs/partners.md, "Partner analytics"):

- **Sourced** is the referral role (the partner brought the deal); **influenced** is every other
  role (SI, influence, ISV). The partner type filter is the role the partner plays in the deal.
- **Revenue** is the attribution ledger's credit dated in the period (corrections included, so
  reversals net out), read through attribution's scoped `entry_list`.
- **Pipeline** is the amount of open deals the partner is linked to (active links), expected to
  close in the period (every open deal for "All time"). A deal counts once per partner and
  group; overall, a deal with a referral link is sourced, one with only other links influenced.
- **Funnel**: registrations submitted in the period → approved (decided and not rejected:
  approved, expired after approval, withdrawn after approval) → won (the approved deal is
  closed won). Time to decision is from submission to decision.
- **Region** is the deal's account's region; **tier** the partner's tier today.

Every read is scoped by the permission table through the apps' own list selectors, and runs a
fixed number of aggregate queries whatever the number of partners or deals.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import connection
from django.db.models import Case, Count, Exists, IntegerField, Max, OuterRef, Q, QuerySet, Sum, When

from attribution.selectors.visible import entry_list, partner_link_list
from partners.engine.comparison import ClosedDeal, Comparison, compare
from partners.models import RegistrationStatus
from partners.selectors.program import health_list
from partners.selectors.registrations import registration_list
from revops.models import Membership, Opportunity, Organization, Partner
from revops.models.crm import OPEN_STAGES, PartnerType, Stage
from revops.money import quantize_money
from revops.selectors.periods import DateRange

ZERO = Decimal("0.00")
SOURCED_ROLE = PartnerType.REFERRAL


@dataclass(frozen=True)
class AnalyticsFilter:
    dates: DateRange
    role: str = ""  # the partner type: the role played in the deal
    tier: str = ""
    region: str = ""


@dataclass
class PartnerMoney:
    partner_id: int
    name: str
    tier: str
    sourced: Decimal = ZERO
    influenced: Decimal = ZERO
    sourced_deals: int = 0
    influenced_deals: int = 0

    @property
    def total(self) -> Decimal:
        return self.sourced + self.influenced


@dataclass(frozen=True)
class MoneySplit:
    """Per-partner rows (largest total first) and the overall sourced/influenced figures."""

    partners: list[PartnerMoney]
    sourced: Decimal
    influenced: Decimal
    sourced_deals: int
    influenced_deals: int

    @property
    def total(self) -> Decimal:
        return self.sourced + self.influenced


def _sourced() -> Q:
    return Q(role=SOURCED_ROLE)


def _sorted(rows: dict[int, PartnerMoney]) -> list[PartnerMoney]:
    return sorted(rows.values(), key=lambda r: (-r.total, r.name, r.partner_id))


def revenue_split(*, membership: Membership, filters: AnalyticsFilter) -> MoneySplit:
    """Attributed revenue per partner, sourced vs influenced (two aggregate queries)."""
    entries = entry_list(membership=membership).order_by()
    dates = filters.dates
    if dates.start is not None:
        entries = entries.filter(revenue_event__date__gte=dates.start)
    if dates.end is not None:
        entries = entries.filter(revenue_event__date__lte=dates.end)
    if filters.role:
        entries = entries.filter(role=filters.role)
    if filters.tier:
        entries = entries.filter(partner__tier=filters.tier)
    if filters.region:
        entries = entries.filter(
            Q(revenue_event__opportunity__account__region=filters.region)
            | Q(revenue_event__opportunity__isnull=True, revenue_event__account__region=filters.region)
        )
    deal = "revenue_event__opportunity_id"
    sums = {
        "sourced": Sum("amount", filter=_sourced()),
        "influenced": Sum("amount", filter=~_sourced()),
        "sourced_deals": Count(deal, filter=_sourced(), distinct=True),
        "influenced_deals": Count(deal, filter=~_sourced(), distinct=True),
    }
    rows = {
        r["partner_id"]: PartnerMoney(
            r["partner_id"],
            r["partner__name"],
            r["partner__tier"],
            quantize_money(r["sourced"] or ZERO),
            quantize_money(r["influenced"] or ZERO),
            r["sourced_deals"],
            r["influenced_deals"],
        )
        for r in entries.values("partner_id", "partner__name", "partner__tier").annotate(**sums)
    }
    overall = entries.aggregate(**sums)
    return MoneySplit(
        partners=_sorted(rows),
        sourced=quantize_money(overall["sourced"] or ZERO),
        influenced=quantize_money(overall["influenced"] or ZERO),
        sourced_deals=overall["sourced_deals"],
        influenced_deals=overall["influenced_deals"],
    )


def _links(membership: Membership, filters: AnalyticsFilter) -> QuerySet:
    links = partner_link_list(membership=membership).order_by()
    if filters.role:
        links = links.filter(role=filters.role)
    if filters.tier:
        links = links.filter(partner__tier=filters.tier)
    if filters.region:
        links = links.filter(opportunity__account__region=filters.region)
    return links


def pipeline_split(*, membership: Membership, filters: AnalyticsFilter) -> MoneySplit:
    """Open pipeline per partner, sourced vs influenced (two aggregate queries).

    A partner may hold several non-referral roles on one deal; the per-partner sums group the
    links by (partner, deal) first, in a derived table, so the deal's amount counts once.
    """
    links = _links(membership, filters).filter(opportunity__stage__in=OPEN_STAGES)
    dates = filters.dates
    if dates.start is not None:
        links = links.filter(opportunity__expected_close_date__gte=dates.start)
    if dates.end is not None:
        links = links.filter(opportunity__expected_close_date__lte=dates.end)
    per_deal = _deal_flags(links.values("partner_id", "opportunity_id"))
    rows = {
        pid: PartnerMoney(pid, name, tier, *_sums(sums))
        for pid, name, tier, *sums in _grouped(
            per_deal,
            select=f"d.partner_id, p.name, p.tier, {SUMS}",
            join=f"JOIN {Partner._meta.db_table} p ON p.id = d.partner_id",
            group="GROUP BY d.partner_id, p.name, p.tier",
        )
    }
    # Overall: each open deal once — sourced when any matching link on it is a referral.
    (overall,) = _grouped(_deal_flags(links.values("opportunity_id")), select=SUMS)
    sourced, influenced, n_sourced, n_influenced = _sums(overall)
    return MoneySplit(_sorted(rows), sourced, influenced, n_sourced, n_influenced)


# Per (partner, deal) or per deal: sourced amount, influenced amount, sourced and influenced deals.
SUMS = (
    "SUM(CASE WHEN d.is_sourced = 1 THEN d.deal_amount ELSE 0 END), "
    "SUM(CASE WHEN d.is_sourced = 1 THEN 0 ELSE d.deal_amount END), "
    "SUM(d.is_sourced), SUM(1 - d.is_sourced)"
)


def _deal_flags(grouped: QuerySet) -> QuerySet:
    """Links grouped (by deal, or partner and deal): referral among them, and the deal's amount."""
    return grouped.annotate(
        is_sourced=Max(Case(When(_sourced(), then=1), default=0, output_field=IntegerField())),
        deal_amount=Max("opportunity__amount"),
    )


def _grouped(inner: QuerySet, *, select: str, join: str = "", group: str = "") -> list[tuple]:
    """Sum over the grouped links as a derived table: aggregates of aggregates, which the ORM
    cannot write. The inner SQL is the ORM's with its parameters bound; the rest is constant."""
    sql, params = inner.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {select} FROM ({sql}) d {join} {group}", params)  # noqa: S608
        return cursor.fetchall()


def _sums(values) -> tuple[Decimal, Decimal, int, int]:
    sourced, influenced, n_sourced, n_influenced = values
    return _money(sourced), _money(influenced), int(n_sourced or 0), int(n_influenced or 0)


def _money(value) -> Decimal:
    """A sum from raw SQL as money (SQLite may hand back a float or a string)."""
    if value is None:
        return ZERO
    return quantize_money(Decimal(str(value)))


def _day_start(organization: Organization, day: dt.date) -> dt.datetime:
    try:
        zone = ZoneInfo(organization.time_zone)
    except (KeyError, ValueError):
        zone = ZoneInfo("UTC")
    return dt.datetime.combine(day, dt.time.min, tzinfo=zone)


@dataclass
class FunnelRow:
    partner_id: int
    name: str
    tier: str
    submitted: int = 0
    approved: int = 0
    rejected: int = 0
    won: int = 0
    median_hours_to_decision: float | None = None

    @property
    def approval_rate(self) -> Decimal | None:
        decided = self.approved + self.rejected
        return (Decimal(self.approved * 100) / decided).quantize(Decimal("0.1")) if decided else None

    @property
    def win_rate(self) -> Decimal | None:
        return (Decimal(self.won * 100) / self.approved).quantize(Decimal("0.1")) if self.approved else None


@dataclass(frozen=True)
class Funnel:
    partners: list[FunnelRow]
    overall: FunnelRow


def registration_funnel(*, membership: Membership, filters: AnalyticsFilter) -> Funnel:
    """Submitted → approved → won per partner and overall, with the median hours to decision
    (two queries: the counts, and the decision times of the decided ones)."""
    qs = registration_list(membership=membership).order_by()
    organization = membership.organization
    if filters.dates.start is not None:
        qs = qs.filter(created_at__gte=_day_start(organization, filters.dates.start))
    if filters.dates.end is not None:
        qs = qs.filter(created_at__lt=_day_start(organization, filters.dates.end + dt.timedelta(days=1)))
    if filters.role:
        qs = qs.filter(role=filters.role)
    if filters.tier:
        qs = qs.filter(partner__tier=filters.tier)
    if filters.region:
        qs = qs.filter(account__region=filters.region)
    approved = Q(decided_at__isnull=False) & ~Q(status=RegistrationStatus.REJECTED)
    counts = {
        "submitted": Count("id"),
        "approved": Count("id", filter=approved),
        "rejected": Count("id", filter=Q(status=RegistrationStatus.REJECTED)),
        "won": Count("id", filter=approved & Q(opportunity__stage=Stage.CLOSED_WON)),
    }
    rows = {
        r["partner_id"]: FunnelRow(
            r["partner_id"],
            r["partner__name"],
            r["partner__tier"],
            r["submitted"],
            r["approved"],
            r["rejected"],
            r["won"],
        )
        for r in qs.values("partner_id", "partner__name", "partner__tier").annotate(**counts)
    }
    hours: dict[int, list[float]] = defaultdict(list)
    for partner_id, created, decided in qs.filter(decided_at__isnull=False).values_list(
        "partner_id", "created_at", "decided_at"
    ):
        hours[partner_id].append((decided - created).total_seconds() / 3600)
    for partner_id, row in rows.items():
        if hours[partner_id]:
            row.median_hours_to_decision = round(statistics.median(hours[partner_id]), 1)
    every = [h for values in hours.values() for h in values]
    overall = FunnelRow(
        0,
        "All partners",
        "",
        sum(r.submitted for r in rows.values()),
        sum(r.approved for r in rows.values()),
        sum(r.rejected for r in rows.values()),
        sum(r.won for r in rows.values()),
        round(statistics.median(every), 1) if every else None,
    )
    ordered = sorted(rows.values(), key=lambda r: (-r.submitted, r.name, r.partner_id))
    return Funnel(partners=ordered, overall=overall)


@dataclass
class LeaderRow:
    partner_id: int
    name: str
    tier: str
    revenue: Decimal = ZERO
    registrations_won: int = 0
    deals_closed: int = 0
    deals_won: int = 0
    health: int | None = None

    @property
    def win_rate(self) -> Decimal | None:
        if not self.deals_closed:
            return None
        return (Decimal(self.deals_won * 100) / self.deals_closed).quantize(Decimal("0.1"))


@dataclass(frozen=True)
class Leaderboard:
    rows: list[LeaderRow] = field(default_factory=list)


def leaderboard(
    *, membership: Membership, filters: AnalyticsFilter, revenue: MoneySplit, funnel: Funnel
) -> Leaderboard:
    """Partners by attributed revenue, with registrations won, the win rate of the closed deals
    they are linked to (closed in the period) and their latest health score (two queries on
    top of the revenue and funnel already read)."""
    rows: dict[int, LeaderRow] = {
        r.partner_id: LeaderRow(r.partner_id, r.name, r.tier, revenue=r.total) for r in revenue.partners
    }
    closed = _links(membership, filters).filter(opportunity__stage__in=(Stage.CLOSED_WON, Stage.CLOSED_LOST))
    if filters.dates.start is not None:
        closed = closed.filter(opportunity__close_date__gte=filters.dates.start)
    if filters.dates.end is not None:
        closed = closed.filter(opportunity__close_date__lte=filters.dates.end)
    for r in closed.values("partner_id", "partner__name", "partner__tier").annotate(
        closed=Count("opportunity_id", distinct=True),
        won=Count("opportunity_id", filter=Q(opportunity__stage=Stage.CLOSED_WON), distinct=True),
    ):
        row = rows.setdefault(
            r["partner_id"], LeaderRow(r["partner_id"], r["partner__name"], r["partner__tier"])
        )
        row.deals_closed, row.deals_won = r["closed"], r["won"]
    for f in funnel.partners:
        if f.won:
            rows.setdefault(f.partner_id, LeaderRow(f.partner_id, f.name, f.tier)).registrations_won = f.won
    if rows:
        # Every visible partner's latest score (one row each): cheaper than naming thousands of ids.
        for partner_id, score in health_list(membership=membership).values_list("partner_id", "score"):
            if partner_id in rows:
                rows[partner_id].health = score
    ordered = sorted(
        rows.values(), key=lambda r: (-r.revenue, -r.registrations_won, -r.deals_won, r.name, r.partner_id)
    )
    return Leaderboard(rows=ordered)


def closed_deals(*, membership: Membership, filters: AnalyticsFilter) -> list[ClosedDeal]:
    """The member's deals closed in the period, each marked partnered (a link matching the
    role and tier filters) or not (no active partner link at all); deals linked only to
    partners outside the filters are left out of both sides. One query."""
    deals = Opportunity.objects.visible_to(membership).filter(stage__in=(Stage.CLOSED_WON, Stage.CLOSED_LOST))
    deals = deals.filter(close_date__isnull=False)
    if filters.dates.start is not None:
        deals = deals.filter(close_date__gte=filters.dates.start)
    if filters.dates.end is not None:
        deals = deals.filter(close_date__lte=filters.dates.end)
    if filters.region:
        deals = deals.filter(account__region=filters.region)
    any_link = partner_link_list(membership=membership).filter(opportunity_id=OuterRef("pk"))
    matching = _links(membership, filters).filter(opportunity_id=OuterRef("pk"))
    deals = deals.annotate(linked=Exists(any_link), partnered=Exists(matching)).filter(
        Q(partnered=True) | Q(linked=False)
    )
    return [
        ClosedDeal(
            deal_id=pk,
            partnered=partnered,
            segment=segment or "",
            product_line_id=line,
            amount=amount,
            won=stage == Stage.CLOSED_WON,
            cycle_days=max(0, (closed - created).days),
        )
        for pk, partnered, segment, line, amount, stage, created, closed in deals.order_by().values_list(
            "pk",
            "partnered",
            "account__segment",
            "product_line_id",
            "amount",
            "stage",
            "created_date",
            "close_date",
        )
    ]


def deal_comparison(*, membership: Membership, filters: AnalyticsFilter) -> Comparison:
    """Win rate and cycle time of partner deals against matched deals without a partner."""
    return compare(closed_deals(membership=membership, filters=filters))


@dataclass(frozen=True)
class PartnerAnalytics:
    revenue: MoneySplit
    pipeline: MoneySplit
    funnel: Funnel
    leaders: Leaderboard
    comparison: Comparison


def partner_analytics(*, membership: Membership, filters: AnalyticsFilter) -> PartnerAnalytics:
    """Everything the analytics page shows, in a fixed number of queries."""
    revenue = revenue_split(membership=membership, filters=filters)
    funnel = registration_funnel(membership=membership, filters=filters)
    return PartnerAnalytics(
        revenue=revenue,
        pipeline=pipeline_split(membership=membership, filters=filters),
        funnel=funnel,
        leaders=leaderboard(membership=membership, filters=filters, revenue=revenue, funnel=funnel),
        comparison=deal_comparison(membership=membership, filters=filters),
    )
