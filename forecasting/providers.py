"""Forecasting's implementation of the core's win-probability provider.

Registered in `ForecastingConfig.ready`: commissions' expected pay and marketing's expected
ROAS read calibrated probabilities through `revops.providers.win_probabilities`, which falls
back to the stage win rate for deals this app has not scored.
"""

from __future__ import annotations

from collections.abc import Sequence

from forecasting.models import DealScore, ModelVersion
from revops.providers import WinProbability


def latest_win_probabilities(organization, opportunity_ids: Sequence[int]) -> dict[int, WinProbability]:
    """The current score of each deal (one query), labelled with the model that made it."""
    rows = (
        DealScore.objects.current()
        .filter(organization=organization, opportunity_id__in=list(opportunity_ids))
        .values_list("opportunity_id", "probability", "model_version__kind", "model_version__number")
    )
    labels = dict(ModelVersion._meta.get_field("kind").choices or [])
    return {
        opp: WinProbability(opp, probability, f"{labels.get(kind, kind)} v{number}")
        for opp, probability, kind, number in rows
    }
