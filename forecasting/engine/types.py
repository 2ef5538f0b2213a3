"""The engine's plain data: a table of deals as numpy arrays, and what comes out."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np

EPOCH = dt.date(1970, 1, 1)
OPEN = -1  # `closed` of a deal still open; `won` of a deal still open
NO_CODE = -1  # owner / account of a deal without one


def to_day(value: dt.date | None) -> int:
    """Days since 1970-01-01 (the engine's only date type); -1 for None."""
    if value is None:
        return OPEN
    return (value - EPOCH).days


def from_day(day: int) -> dt.date:
    return EPOCH + dt.timedelta(days=int(day))


@dataclass(frozen=True, eq=False)
class DealTable:
    """Every deal of one organization, column-wise; index ``i`` is one deal.

    ``stages`` are the open stages in pipeline order; stage codes in ``hist_stage`` index it.
    Histories are events sorted by (deal index, day): stage entries, close-date pushes,
    partner involvement. ``categoricals`` are text columns (segment, region, lead source,
    product line and any imported attribute), encoded by the model's vocabularies.
    """

    ids: np.ndarray  # int64
    owner: np.ndarray  # int32, NO_CODE when none
    account: np.ndarray  # int32, NO_CODE when none
    created: np.ndarray  # int32 day
    closed: np.ndarray  # int32 day, OPEN while open
    won: np.ndarray  # int8: 1 won, 0 lost, OPEN
    amount: np.ndarray  # float64
    stages: tuple[str, ...]
    hist_deal: np.ndarray  # int32 deal index
    hist_day: np.ndarray  # int32
    hist_stage: np.ndarray  # int16 code into `stages`
    categoricals: dict[str, np.ndarray] = field(default_factory=dict)  # object arrays of str
    push_deal: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))
    push_day: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))
    partner_deal: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))
    partner_day: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def closed_count(self) -> int:
        return int((self.won >= 0).sum())


@dataclass(frozen=True, eq=False)
class Touches:
    """Journey touches known at each example's day: count and day of the last one (-1: none)."""

    count: np.ndarray  # float64, NaN when unknown
    last_day: np.ndarray  # int32, -1 when none


@dataclass(frozen=True)
class ReliabilityBin:
    lo: float
    hi: float
    count: int
    mean_predicted: float
    fraction_won: float


@dataclass(frozen=True)
class Metrics:
    """Holdout quality of a win model (all on deals it never saw)."""

    examples: int
    auc: float | None
    brier: float
    log_loss: float
    ece: float
    base_rate: float
    reliability: tuple[ReliabilityBin, ...]

    def as_dict(self) -> dict:
        return {
            "examples": self.examples,
            "auc": self.auc,
            "brier": self.brier,
            "log_loss": self.log_loss,
            "ece": self.ece,
            "base_rate": self.base_rate,
            "reliability": [b.__dict__ for b in self.reliability],
        }


@dataclass(frozen=True)
class Driver:
    """One reason behind a probability, in probability points (+ helps, − hurts)."""

    feature: str
    points: float
    text: str


@dataclass(frozen=True)
class DealPrediction:
    """What the model says about one open deal today."""

    deal_id: int
    probability: float
    risk: int
    risk_band: str
    days_to_close: tuple[float, float, float]  # P10, P50, P90 days from the as-of day
    drivers: tuple[Driver, ...]
    features: dict[str, float]
