"""Reads of deal scores for the risk dashboard, the deal page, the API and the exports.

Every read is scoped through the permission table (`ForecastKind.SCORE`: a rep their own
deals, a manager their team's, admin and finance the organization's); a deal outside scope is
a 404 on its page.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import DecimalField, Exists, ExpressionWrapper, F, OuterRef, QuerySet, Sum
from django.shortcuts import get_object_or_404

from forecasting.models import DealScore, ModelVersion
from forecasting.permissions import ForecastKind
from revops.models import Membership, Opportunity
from revops.permissions import Kind, scoped

SORTS = {"risk_value", "risk", "probability", "amount"}
# A model's artifact (the engine's JSON, about 1 MB) is read only to score; pages and the API
# show its number and metrics. Loaded with each score row it cost a megabyte per row shown.
ARTIFACT = ("artifact",)
ARTIFACT_VIA_SCORE = ("model_version__artifact",)


def score_scope(*, membership: Membership | None) -> QuerySet[DealScore]:
    """Current scores of open deals the member may see."""
    return scoped(
        DealScore.objects.current(),
        membership,
        kind=ForecastKind.SCORE,
    )


def risk_list(*, membership: Membership | None, sort: str = "-risk_value") -> QuerySet[DealScore]:
    """Scores ordered by risk × value (the dashboard's default), owners and models loaded."""
    key = sort.lstrip("-")
    order = sort if key in SORTS else "-risk_value"
    return (
        score_scope(membership=membership)
        .annotate(
            risk_value=ExpressionWrapper(
                F("amount") * F("risk") / 100, output_field=DecimalField(max_digits=20, decimal_places=2)
            )
        )
        .select_related("opportunity", "opportunity__owner", "model_version")
        .defer(*ARTIFACT_VIA_SCORE)
        .order_by(order, "-id")
    )


@dataclass(frozen=True)
class RiskSummary:
    deals: int
    high: int
    value: Decimal
    value_at_risk: Decimal  # Σ amount × (1 − p) over the deals shown
    model: ModelVersion | None


def risk_summary(*, scores: QuerySet[DealScore], membership: Membership) -> RiskSummary:
    totals = scores.order_by().aggregate(
        value=Sum("amount"),
        at_risk=Sum(
            ExpressionWrapper(
                F("amount") * (1 - F("probability")),
                output_field=DecimalField(max_digits=20, decimal_places=2),
            )
        ),
    )
    return RiskSummary(
        deals=scores.count(),
        high=scores.filter(risk_band="high").count(),
        value=(totals["value"] or Decimal("0")).quantize(Decimal("0.01")),
        value_at_risk=(totals["at_risk"] or Decimal("0")).quantize(Decimal("0.01")),
        model=ModelVersion.objects.filter(
            organization_id=membership.organization_id, status=ModelVersion.Status.ACTIVE
        )
        .defer(*ARTIFACT)
        .first(),
    )


@dataclass(frozen=True)
class DealIntel:
    opportunity: Opportunity
    current: DealScore | None
    history: list[DealScore]


def deal_intel(*, membership: Membership, opportunity_id: int) -> DealIntel:
    """The deal (404 outside the member's scope), its current score and its score history."""
    opportunity = get_object_or_404(
        scoped(Opportunity.objects.select_related("owner", "account"), membership, kind=Kind.OPPORTUNITY),
        pk=opportunity_id,
    )
    scores = scoped(DealScore.objects.filter(opportunity=opportunity), membership, kind=ForecastKind.SCORE)
    history = list(
        scores.annotate(is_current=Exists(scores.current().filter(pk=OuterRef("pk"))))
        .select_related("model_version")
        .defer(*ARTIFACT_VIA_SCORE)
        .order_by("as_of", "id")
    )
    current = next((s for s in reversed(history) if s.is_current), None)
    return DealIntel(opportunity, current, history)


def model_versions(*, membership: Membership) -> QuerySet[ModelVersion]:
    return (
        ModelVersion.objects.filter(organization_id=membership.organization_id)
        .defer(*ARTIFACT)
        .order_by("-number")
    )
