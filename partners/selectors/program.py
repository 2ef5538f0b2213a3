"""Reads of the partner program's standing: the figures tiers and health are computed from
(a fixed number of set-based queries for all partners of an organization), the channel-manager
page, a partner's "what you need for the next tier", and the API's rows.

The health's dispute rate counts the partner disputes opened in the window (`dispute_counts`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Max, Q, QuerySet
from django.utils import timezone

from attribution.selectors.partner_figures import partner_ledger_figures
from partners import engine
from partners.models import (
    AlertStatus,
    DealRegistration,
    OnboardingCompletion,
    OnboardingStep,
    PartnerAlert,
    PartnerCertification,
    PartnerDispute,
    PartnerHealth,
    PartnerLifecycleChange,
    PartnerTierChange,
    ProgramTier,
    RegistrationStatus,
    TierChangeStatus,
)
from partners.permissions import PartnerKind
from revops.models import JobRun, Membership, Organization, Partner
from revops.models.crm import Stage
from revops.permissions import scoped

PROGRAM_KIND = "partners.program_recompute"  # the JobRun kind of the recompute

DECIDED = (RegistrationStatus.APPROVED, RegistrationStatus.EXPIRED, RegistrationStatus.REJECTED)
WON_STATUSES = (RegistrationStatus.APPROVED, RegistrationStatus.EXPIRED)


def dispute_counts(*, organization: Organization, start: dt.date, end: dt.date) -> dict[int, int]:
    """Partner disputes opened per partner between `start` and `end` (inclusive dates)."""
    rows = (
        PartnerDispute.objects.filter(
            organization=organization, created_at__date__gte=start, created_at__date__lte=end
        )
        .values("partner_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {r["partner_id"]: r["n"] for r in rows}


def tier_specs(*, organization: Organization) -> list[engine.TierSpec]:
    return [
        engine.TierSpec(
            tier=t.tier,
            rank=t.rank,
            window_days=t.window_days,
            min_revenue=t.min_attributed_revenue,
            min_won=t.min_registrations_won,
            min_certifications=t.min_certifications,
        )
        for t in ProgramTier.objects.filter(organization=organization).order_by("rank")
    ]


@dataclass(frozen=True)
class ProgramFigures:
    """Every figure tiers and health need, for all partners of an organization."""

    today: dt.date
    partners: dict[int, tuple[str, str, str]]  # id → (name, tier, lifecycle stage)
    tiers: dict[int, engine.PartnerFigures]
    health: dict[int, engine.HealthInputs]


def program_figures(
    *,
    organization: Organization,
    today: dt.date,
    specs: list[engine.TierSpec],
    partner_ids: list[int] | None = None,
) -> ProgramFigures:
    """Five aggregate queries (plus one per dispute counter), whatever the number of partners:
    partners, ledger, registrations, certifications, tier changes. All partners of the
    organization, or only `partner_ids`."""
    only = {"partner_id__in": partner_ids} if partner_ids is not None else {}
    windows = {s.window_days for s in specs}
    trend = engine.TREND_DAYS
    ledger = partner_ledger_figures(
        organization=organization,
        today=today,
        windows=windows | {trend, 2 * trend},
        deals_window=engine.DISPUTE_DAYS,
        partner_ids=partner_ids,
    )
    partners = {
        pk: (name, tier, stage)
        for pk, name, tier, stage in Partner.objects.filter(organization=organization)
        .filter(**({"pk__in": partner_ids} if partner_ids is not None else {}))
        .order_by()
        .values_list("pk", "name", "tier", "lifecycle_stage")
    }
    win_start = today - dt.timedelta(days=engine.WIN_RATE_DAYS - 1)
    is_won = Q(opportunity__stage=Stage.CLOSED_WON, status__in=WON_STATUSES)
    window_counts = {
        f"won{d}": Count(
            "id",
            filter=is_won
            & Q(
                opportunity__close_date__gte=today - dt.timedelta(days=d - 1),
                opportunity__close_date__lte=today,
            ),
        )
        for d in windows
    }
    registrations = {
        row["partner_id"]: row
        for row in DealRegistration.objects.filter(organization=organization, **only)
        .order_by()
        .values("partner_id")
        .annotate(
            decided=Count("id", filter=Q(status__in=DECIDED, created_at__date__gte=win_start)),
            decided_won=Count("id", filter=is_won & Q(created_at__date__gte=win_start)),
            last=Max("created_at"),
            **window_counts,
        )
    }
    certifications = dict(
        PartnerCertification.objects.filter(organization=organization, issued_on__lte=today, **only)
        .filter(Q(expires_on__isnull=True) | Q(expires_on__gte=today))
        .order_by()
        .values("partner_id")
        .annotate(n=Count("id"))
        .values_list("partner_id", "n")
    )
    trajectory: dict[int, int] = {}
    for partner_id, downgrade in (
        PartnerTierChange.objects.filter(
            organization=organization,
            **only,
            status=TierChangeStatus.APPLIED,
            created_at__date__gte=today - dt.timedelta(days=engine.TRAJECTORY_DAYS - 1),
        )
        .order_by("partner_id", "-created_at", "-id")
        .values_list("partner_id", "is_downgrade")
    ):
        trajectory.setdefault(partner_id, -1 if downgrade else 1)
    disputes = dispute_counts(
        organization=organization, start=today - dt.timedelta(days=engine.DISPUTE_DAYS - 1), end=today
    )
    zero = Decimal("0.00")
    tiers: dict[int, engine.PartnerFigures] = {}
    health: dict[int, engine.HealthInputs] = {}
    for pk in partners:
        figures = ledger.get(pk)
        reg = registrations.get(pk, {})
        revenue = figures.revenue if figures else {}
        tiers[pk] = engine.PartnerFigures(
            revenue={d: revenue.get(d, zero) for d in windows},
            won={d: reg.get(f"won{d}", 0) for d in windows},
            certifications=certifications.get(pk, 0),
        )
        last_dates = [
            d
            for d in (
                figures.last_revenue_date if figures else None,
                timezone.localtime(reg["last"]).date() if reg.get("last") else None,
            )
            if d is not None
        ]
        current = revenue.get(trend, zero)
        health[pk] = engine.HealthInputs(
            revenue_current=current,
            revenue_previous=revenue.get(2 * trend, zero) - current,
            decided=reg.get("decided", 0),
            won=reg.get("decided_won", 0),
            last_activity=max(last_dates) if last_dates else None,
            disputes=disputes.get(pk, 0),
            credited_deals=figures.deals if figures else 0,
            trajectory=trajectory.get(pk, 0),
        )
    return ProgramFigures(today=today, partners=partners, tiers=tiers, health=health)


# --- Pages and API --------------------------------------------------------------------------------


@dataclass(frozen=True)
class NextTier:
    """What a partner needs for the tier above its own: the thresholds it misses and by how much."""

    current: str
    current_label: str
    next_label: str | None
    missing: list[engine.Criterion]
    met: list[engine.Criterion]


def next_tier_needs(*, partner: Partner, today: dt.date) -> NextTier | None:
    """The partner's current tier and, for the next one up, each criterion with its shortfall."""
    organization = partner.organization
    specs = tier_specs(organization=organization)
    if not specs:
        return None
    labels = dict(Partner.Tier.choices)
    following = engine.next_tier(specs, partner.tier)
    if following is None:
        return NextTier(partner.tier, labels.get(partner.tier, partner.tier), None, [], [])
    figures = program_figures(
        organization=organization, today=today, specs=[following], partner_ids=[partner.pk]
    )
    rows = engine.criteria(following, figures.tiers.get(partner.pk, engine.PartnerFigures()))
    return NextTier(
        current=partner.tier,
        current_label=labels.get(partner.tier, partner.tier),
        next_label=labels.get(following.tier, following.tier),
        missing=[c for c in rows if not c.met],
        met=[c for c in rows if c.met],
    )


def health_list(*, membership: Membership | None) -> QuerySet[PartnerHealth]:
    """The latest health snapshot of each partner the member may see (a partner user: their own)."""
    partners = scoped(Partner.objects.all(), membership, kind=PartnerKind.PROGRAM_PARTNER)
    return (
        PartnerHealth.objects.filter(is_latest=True, partner__in=partners)
        .select_related("partner")
        .order_by("score", "partner__name", "partner_id")
    )


def program_partner_list(*, membership: Membership | None) -> QuerySet[Partner]:
    """Partners whose standing the member may read (a partner user: their own partner)."""
    return scoped(Partner.objects.all(), membership, kind=PartnerKind.PROGRAM_PARTNER).order_by("name", "id")


def program_partner_get(*, membership: Membership | None, pk: int) -> Partner:
    return program_partner_list(membership=membership).get(pk=pk)


def tier_list(*, organization: Organization) -> QuerySet[ProgramTier]:
    return ProgramTier.objects.filter(organization=organization).order_by("rank")


@dataclass(frozen=True)
class ProgramPage:
    tiers: list[tuple[ProgramTier, int]]  # each configured tier with its number of partners
    pending: list[PartnerTierChange]
    recent_changes: list[PartnerTierChange]
    health: list[PartnerHealth]
    lifecycle_counts: dict[str, int]
    alerts: list[PartnerAlert]
    open_alerts: int


PAGE_ROWS = 200


def program_page(*, membership: Membership) -> ProgramPage:
    """The channel-manager page: a fixed number of queries (lists capped at PAGE_ROWS)."""
    org_id = membership.organization_id
    partners = Partner.objects.filter(organization_id=org_id).order_by()
    tier_counts = dict(partners.values("tier").annotate(n=Count("id")).values_list("tier", "n"))
    lifecycle_counts = dict(
        partners.values("lifecycle_stage").annotate(n=Count("id")).values_list("lifecycle_stage", "n")
    )
    changes = PartnerTierChange.objects.filter(organization_id=org_id).select_related("partner", "decided_by")
    alerts = PartnerAlert.objects.filter(organization_id=org_id).select_related("partner")
    return ProgramPage(
        tiers=[
            (t, tier_counts.get(t.tier, 0))
            for t in ProgramTier.objects.filter(organization_id=org_id).order_by("-rank")
        ],
        pending=list(
            changes.filter(status=TierChangeStatus.PENDING).order_by("created_at", "id")[:PAGE_ROWS]
        ),
        recent_changes=list(changes.exclude(status=TierChangeStatus.PENDING)[:20]),
        health=list(health_list(membership=membership)[:PAGE_ROWS]),
        lifecycle_counts=lifecycle_counts,
        alerts=list(alerts.filter(status=AlertStatus.OPEN)[:PAGE_ROWS]),
        open_alerts=alerts.filter(status=AlertStatus.OPEN).count(),
    )


@dataclass(frozen=True)
class PartnerStanding:
    partner: Partner
    health: PartnerHealth | None
    health_history: list[PartnerHealth]
    tier_changes: list[PartnerTierChange]
    lifecycle: list[PartnerLifecycleChange]
    steps: list[tuple[OnboardingStep, OnboardingCompletion | None]]
    alerts: list[PartnerAlert]


def partner_standing(*, partner: Partner) -> PartnerStanding:
    snapshots = list(PartnerHealth.objects.filter(partner=partner).order_by("-created_at", "-id")[:12])
    done = {
        c.step_id: c
        for c in OnboardingCompletion.objects.filter(partner=partner).select_related("completed_by")
    }
    return PartnerStanding(
        partner=partner,
        health=next((s for s in snapshots if s.is_latest), None),
        health_history=snapshots,
        tier_changes=list(
            PartnerTierChange.objects.filter(partner=partner).select_related("decided_by")[:20]
        ),
        lifecycle=list(
            PartnerLifecycleChange.objects.filter(partner=partner).select_related("changed_by")[:20]
        ),
        steps=[
            (step, done.get(step.pk))
            for step in OnboardingStep.objects.filter(organization_id=partner.organization_id).order_by(
                "order", "id"
            )
        ],
        alerts=list(PartnerAlert.objects.filter(partner=partner)[:20]),
    )


def latest_recompute(*, organization: Organization) -> JobRun | None:
    """The organization's newest program recompute run (for its progress on the page)."""
    return (
        JobRun.objects.filter(organization=organization, kind=PROGRAM_KIND)
        .order_by("-created_at", "-id")
        .first()
    )
