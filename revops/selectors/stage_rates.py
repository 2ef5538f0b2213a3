"""Historical win rate per open stage: the fallback win probability when no model is registered.

A closed deal counts for stage S when its stage history shows it was in S (moved into or out of
it). The rate is smoothed toward the organization's overall win rate with a prior of
``PRIOR_DEALS`` deals, so a stage with little history does not read 0 % or 100 %; a deal with no
stage history still counts toward the overall rate.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

from django.db.models import Count, Exists, OuterRef, Q

from revops.models import Opportunity, OpportunityStageChange
from revops.models.crm import CLOSED_STAGES, OPEN_STAGES, Stage

PRIOR_DEALS = 4
_FOUR = Decimal("0.0001")


def stage_win_rates(organization) -> dict[str, Decimal]:
    """``{stage: probability}`` for every open stage, plus 1 for won and 0 for lost."""
    closed = Opportunity.objects.filter(organization=organization, stage__in=CLOSED_STAGES)
    totals = closed.aggregate(n=Count("pk"), won=Count("pk", filter=Q(stage=Stage.CLOSED_WON)))
    overall = Decimal(totals["won"]) / Decimal(totals["n"]) if totals["n"] else Decimal("0.5")
    rates: dict[str, Decimal] = {Stage.CLOSED_WON: Decimal("1"), Stage.CLOSED_LOST: Decimal("0")}
    for stage in OPEN_STAGES:
        passed = OpportunityStageChange.objects.filter(opportunity=OuterRef("pk")).filter(
            Q(to_stage=stage) | Q(from_stage=stage)
        )
        agg = closed.filter(Exists(passed)).aggregate(
            n=Count("pk"), won=Count("pk", filter=Q(stage=Stage.CLOSED_WON))
        )
        rate = (Decimal(agg["won"]) + PRIOR_DEALS * overall) / (Decimal(agg["n"]) + PRIOR_DEALS)
        rates[stage] = rate.quantize(_FOUR, rounding=ROUND_HALF_EVEN)
    return rates
