"""Time to close: P10/P50/P90 days from the as-of day until a deal that wins closes.

LightGBM quantile regressions (α = 0.1, 0.5, 0.9) on won examples, with a conformal
adjustment (CQR) fitted on held-out deals so the P10–P90 band covers ~80 % of them; below
``MIN_WON_EXAMPLES`` won examples, the empirical quantiles of the remaining days per stage.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property

import lightgbm as lgb
import numpy as np

QUANTILES = (0.1, 0.5, 0.9)
MIN_WON_EXAMPLES = 300
# One thread: OpenMP threads on a busy shared machine spin against each other (measured
# several times slower than one thread under load).
PREDICT_THREADS = 1
_PARAMS = {
    "learning_rate": 0.05,
    "num_leaves": 31,
    "min_data_in_leaf": 40,
    "feature_fraction": 0.9,
    "verbose": -1,
    "num_threads": 1,
    "deterministic": True,
    "force_row_wise": True,
}


@dataclass(frozen=True, eq=False)
class TimingModel:
    kind: str  # "lightgbm quantile" | "stage quantiles"
    boosters: tuple[str, ...] = ()
    widen: float = 0.0  # conformal adjustment, days added on each side
    per_stage: tuple[tuple[float, float, float], ...] = ()
    overall: tuple[float, float, float] = (30.0, 60.0, 120.0)
    categorical: tuple[int, ...] = field(default=())

    @cached_property
    def _models(self) -> list[lgb.Booster]:
        return [lgb.Booster(model_str=text) for text in self.boosters]

    def predict(self, x: np.ndarray) -> np.ndarray:
        """(n, 3) days to close, sorted P10 ≤ P50 ≤ P90, never below 0."""
        if len(x) == 0:
            return np.zeros((0, 3))
        if self.kind == "lightgbm quantile":
            q = np.column_stack([m.predict(x, num_threads=PREDICT_THREADS) for m in self._models])
            q.sort(axis=1)
            q[:, 0] -= self.widen
            q[:, 2] += self.widen
        else:
            table = np.array(self.per_stage or (self.overall,))
            stage = np.clip(np.nan_to_num(x[:, 0]).astype(int), 0, len(table) - 1)
            q = table[stage].copy()
        return np.maximum(q, 0.0)

    def as_dict(self) -> dict:
        return {
            "kind": self.kind,
            "boosters": list(self.boosters),
            "widen": self.widen,
            "per_stage": [list(r) for r in self.per_stage],
            "overall": list(self.overall),
            "categorical": list(self.categorical),
        }

    @classmethod
    def from_dict(cls, data: dict) -> TimingModel:
        return cls(
            data["kind"],
            tuple(data["boosters"]),
            data["widen"],
            tuple(tuple(r) for r in data["per_stage"]),
            tuple(data["overall"]),
            tuple(data["categorical"]),
        )


def _three(values: np.ndarray) -> tuple[float, float, float]:
    return float(values[0]), float(values[1]), float(values[2])


def coverage(q: np.ndarray, y: np.ndarray) -> float:
    """Share of actual days inside [P10, P90]."""
    if len(y) == 0:
        return float("nan")
    return float(np.mean((y >= q[:, 0]) & (y <= q[:, 2])))


def fit_timing(
    x_train: np.ndarray,
    y_train: np.ndarray,
    x_cal: np.ndarray,
    y_cal: np.ndarray,
    *,
    stages: int,
    categorical: list[int],
    seed: int = 0,
    threads: int = 1,
) -> TimingModel:
    """Fit on won training examples (``y`` = days until close), adjust on held-out ones."""
    all_y = np.concatenate([y_train, y_cal])
    overall = _three(np.quantile(all_y, QUANTILES)) if len(all_y) else (30.0, 60.0, 120.0)
    if len(y_train) < MIN_WON_EXAMPLES or len(y_cal) < 30:
        all_x = np.concatenate([x_train, x_cal])
        rows = []
        for s in range(stages):
            ys = all_y[np.nan_to_num(all_x[:, 0], nan=-1).astype(int) == s]
            rows.append(_three(np.quantile(ys, QUANTILES)) if len(ys) >= 10 else overall)
        return TimingModel("stage quantiles", per_stage=tuple(rows), overall=overall)
    boosters = []
    for alpha in QUANTILES:
        params = {**_PARAMS, "objective": "quantile", "alpha": alpha, "seed": seed, "num_threads": threads}
        data = lgb.Dataset(x_train, y_train, categorical_feature=categorical, free_raw_data=True)
        boosters.append(lgb.train(params, data, num_boost_round=120).model_to_string())
    model = TimingModel("lightgbm quantile", tuple(boosters), categorical=tuple(categorical))
    q = model.predict(x_cal)
    # CQR: the smallest widening that puts ⌈(n+1)·0.8⌉ of the held-out deals inside the band.
    scores = np.maximum(q[:, 0] - y_cal, y_cal - q[:, 2])
    level = min(1.0, np.ceil((len(y_cal) + 1) * 0.8) / len(y_cal))
    widen = float(np.quantile(scores, level))
    return TimingModel(
        "lightgbm quantile", tuple(boosters), widen, categorical=tuple(categorical), overall=overall
    )


def timing_to_json(model: TimingModel) -> str:
    return json.dumps(model.as_dict())
