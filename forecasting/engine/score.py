"""Score open deals: probability, risk, time-to-close band and drivers, as of one day."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from forecasting.engine.explain import drivers
from forecasting.engine.features import ClosedHistory, Examples, FeatureMatrix, build_features, open_examples
from forecasting.engine.risk import risk_band, risk_scores
from forecasting.engine.types import DealPrediction, DealTable, Touches
from forecasting.engine.winmodel import WinModel


@dataclass(frozen=True, eq=False)
class ScoreBatch:
    """Column-wise scores of ``examples`` (index i ↔ ``deal_ids[i]``)."""

    deal_ids: np.ndarray
    probability: np.ndarray
    risk: np.ndarray
    days_to_close: np.ndarray  # (n, 3)
    points: np.ndarray  # (n, features)
    features: FeatureMatrix

    def prediction(self, i: int, model: WinModel) -> DealPrediction:
        values = self.features.values[i]
        return DealPrediction(
            deal_id=int(self.deal_ids[i]),
            probability=float(self.probability[i]),
            risk=int(self.risk[i]),
            risk_band=risk_band(int(self.risk[i])),
            days_to_close=(
                float(self.days_to_close[i, 0]),
                float(self.days_to_close[i, 1]),
                float(self.days_to_close[i, 2]),
            ),
            drivers=drivers(
                self.points[i],
                values,
                names=self.features.names,
                stages=model.stages,
                typical=model.typical_stage_days,
                vocab=model.vocab,
            ),
            features={n: float(v) for n, v in zip(self.features.names, values, strict=True)},
        )


def score(
    model: WinModel,
    table: DealTable,
    examples: Examples,
    *,
    touches: Touches | None = None,
    history: ClosedHistory | None = None,
) -> ScoreBatch:
    fm = build_features(table, examples, vocab=model.vocab, touches=touches, history=history)
    p = model.probability(fm)
    points = model.contributions(fm)
    stage = np.clip(np.nan_to_num(fm.values[:, 0]).astype(int), 0, len(model.typical_stage_days) - 1)
    typical = np.asarray(model.typical_stage_days)[stage]
    col = fm.names.index
    risk = risk_scores(
        p,
        fm.values[:, col("days_in_stage")],
        typical,
        fm.values[:, col("close_date_pushes")],
        fm.values[:, col("days_since_last_touch")],
        table.amount[examples.deal],
    )
    ttc = model.timing.predict(fm.values)
    return ScoreBatch(table.ids[examples.deal], p, risk, ttc, points, fm)


def score_open(
    model: WinModel, table: DealTable, day: int, *, touches_for=None, history: ClosedHistory | None = None
) -> ScoreBatch:
    """Every deal open on ``day``. ``history``: the closed deals' counts as of ``day`` when
    ``table`` holds only the open deals (``features.ClosedHistory``)."""
    ex = open_examples(table, day)
    return score(model, table, ex, touches=touches_for(ex) if touches_for else None, history=history)
