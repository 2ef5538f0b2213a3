"""Calibrators mapping a model's raw score to a probability: isotonic or sigmoid (Platt)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression


@dataclass(frozen=True)
class Calibrator:
    """``isotonic``: piecewise-linear through (x, y) knots; ``sigmoid``: 1/(1+exp(-(a·x+b)))."""

    method: str
    x: tuple[float, ...] = ()
    y: tuple[float, ...] = ()
    a: float = 1.0
    b: float = 0.0

    def __call__(self, raw: np.ndarray) -> np.ndarray:
        raw = np.asarray(raw, dtype=np.float64)
        if self.method == "isotonic":
            return np.clip(np.interp(raw, self.x, self.y), 1e-4, 1 - 1e-4)
        if self.method == "sigmoid":
            return 1.0 / (1.0 + np.exp(-(self.a * raw + self.b)))
        return 1.0 / (1.0 + np.exp(-raw))  # "none": the model's own probability

    def as_dict(self) -> dict:
        return {"method": self.method, "x": list(self.x), "y": list(self.y), "a": self.a, "b": self.b}

    @classmethod
    def from_dict(cls, data: dict) -> Calibrator:
        return cls(data["method"], tuple(data["x"]), tuple(data["y"]), data["a"], data["b"])


def fit_isotonic(raw: np.ndarray, y: np.ndarray) -> Calibrator:
    iso = IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0).fit(raw, y)
    return Calibrator("isotonic", tuple(map(float, iso.X_thresholds_)), tuple(map(float, iso.y_thresholds_)))


def fit_sigmoid(raw: np.ndarray, y: np.ndarray) -> Calibrator:
    lr = LogisticRegression(C=1e6, max_iter=1000).fit(raw.reshape(-1, 1), y)
    return Calibrator("sigmoid", a=float(lr.coef_[0, 0]), b=float(lr.intercept_[0]))


def _log_loss(p: np.ndarray, y: np.ndarray) -> float:
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


def choose_calibrator(
    raw: np.ndarray, y: np.ndarray, *, seed: int = 0
) -> tuple[Calibrator, dict[str, float]]:
    """Pick isotonic or sigmoid by two-fold cross-fitted log loss on the held-out set, then
    refit the winner on all of it. Returns the calibrator and each method's held-out loss."""
    rng = np.random.default_rng(seed)
    fold = rng.random(len(y)) < 0.5
    losses = {}
    for name, fit in (("isotonic", fit_isotonic), ("sigmoid", fit_sigmoid)):
        total = 0.0
        for train in (fold, ~fold):
            test = ~train
            if len(np.unique(y[train])) < 2 or test.sum() == 0:
                total = float("inf")
                break
            total += _log_loss(fit(raw[train], y[train])(raw[test]), y[test]) * test.sum()
        losses[name] = total / len(y)
    best = min(losses, key=lambda k: losses[k])
    return (fit_isotonic if best == "isotonic" else fit_sigmoid)(raw, y), losses
