"""The forecast's calibration shock, estimated by replaying the model on past windows.

Deal-level calibration (ECE on the holdout) does not make the *sum* honest: the deals of one
quarter share what the features do not see — the quarter's conversion, deals that stay open
past their band or forever — so their errors do not cancel. For each of the last ``origins``
windows that ended before the as-of day (origins o = as_of − window, − 2·window, …, not before
the first deal), the model scores the deals open on o with their features as of o (no later
event is read) and their expected revenue in [o, o + window) — Σ p·P(close in the window)·amount
— is compared with what those deals actually won in it. Each window gives the odds factor
m_o that would have made the expectation match (solved on the same deals); the forecast then
draws one shared factor per simulation, k = exp(μ + σ·z) with μ the mean and σ the standard
deviation of log m_o (one window: σ = max(|μ|/2, ``MIN_SD``); none: no shock). Windows with
fewer than ``MIN_DEALS`` open deals or no expected revenue are not used.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from forecasting.engine.features import build_features, open_examples
from forecasting.engine.montecarlo import cdf_before, knots
from forecasting.engine.types import DealTable
from forecasting.engine.winmodel import WinModel

MIN_DEALS = 20
MIN_SD = 0.1  # with a single window, at least this much spread on the log-odds factor
_LIMIT = 8.0  # |log m| searched within ±8 (odds × 3,000 either way)


@dataclass(frozen=True)
class Shock:
    """The shared odds shock of a forecast: log k ~ N(mean, sd²) per simulation."""

    mean: float = 0.0
    sd: float = 0.0
    windows: tuple[tuple[int, float, float], ...] = ()  # (origin day, expected, actual)

    def as_dict(self) -> dict:
        return {"mean": self.mean, "sd": self.sd, "windows": [list(w) for w in self.windows]}


def _odds_factor(p: np.ndarray, weight: np.ndarray, target: float) -> float:
    """log m such that Σ weight · p·m ÷ (1 − p + p·m) = target (bisection; monotone in m)."""
    lo, hi = -_LIMIT, _LIMIT
    for _ in range(60):
        mid = (lo + hi) / 2
        m = np.exp(mid)
        value = float((weight * p * m / (1 - p + p * m)).sum())
        if value < target:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def pipeline_shock(
    model: WinModel, table: DealTable, as_of: int, *, window: int = 91, origins: int = 4, touches_for=None
) -> Shock:
    """Replay the last ``origins`` windows of ``window`` days before ``as_of`` (see the module)."""
    first = int(table.created.min()) if len(table) else as_of
    logs, windows = [], []
    for k in range(1, origins + 1):
        origin = as_of - window * k
        if origin < first:
            break
        ex = open_examples(table, origin)
        if len(ex) < MIN_DEALS:
            continue
        fm = build_features(table, ex, vocab=model.vocab, touches=touches_for(ex) if touches_for else None)
        p = np.clip(model.probability(fm), 1e-6, 1 - 1e-6)
        kn = knots(model.timing.predict(fm.values))
        in_window = cdf_before(kn, float(window)) - cdf_before(kn, 0.0)
        amount = table.amount[ex.deal]
        weight = in_window * amount
        expected = float((p * weight).sum())
        closed = table.closed[ex.deal]
        actual = float(
            amount[(table.won[ex.deal] == 1) & (closed >= origin) & (closed < origin + window)].sum()
        )
        if expected <= 0:
            continue
        windows.append((origin, expected, actual))
        reachable = float(weight.sum())  # every deal won: the most the odds can give
        target = min(max(actual, 1e-9 * expected), reachable * (1 - 1e-9))
        logs.append(_odds_factor(p, weight, target))
    if not logs:
        return Shock()
    mean = float(np.mean(logs))
    sd = float(np.std(logs, ddof=1)) if len(logs) > 1 else max(abs(mean) / 2, MIN_SD)
    return Shock(mean, max(sd, MIN_SD), tuple(windows))
