"""Risk score 0–100: a documented composite, higher is worse.

    risk = 100 × (0.45 · (1 − p)
                + 0.20 · stagnation     clip(days in stage ÷ typical days in that stage − 1, 0, 1)
                + 0.15 · slippage       min(close-date pushes, 3) ÷ 3
                + 0.10 · inactivity     clip(days since last touch ÷ 60, 0, 1);
                                        without touch data, clip(days in stage ÷ 90, 0, 1)
                + 0.10 · size)          the deal's amount percentile among the deals scored

Bands: high ≥ 60, medium ≥ 35, low below.
"""

from __future__ import annotations

import numpy as np

WEIGHTS = {"loss": 0.45, "stagnation": 0.20, "slippage": 0.15, "inactivity": 0.10, "size": 0.10}
HIGH, MEDIUM = 60, 35


def risk_scores(
    p: np.ndarray,
    days_in_stage: np.ndarray,
    typical_days: np.ndarray,
    pushes: np.ndarray,
    days_since_touch: np.ndarray,
    amount: np.ndarray,
) -> np.ndarray:
    stagnation = np.clip(days_in_stage / np.maximum(typical_days, 1.0) - 1.0, 0, 1)
    slippage = np.minimum(np.nan_to_num(pushes), 3) / 3
    inactivity = np.where(
        np.isnan(days_since_touch),
        np.clip(days_in_stage / 90.0, 0, 1),
        np.clip(np.nan_to_num(days_since_touch) / 60.0, 0, 1),
    )
    if len(amount) > 1:
        size = (np.argsort(np.argsort(amount, kind="stable"), kind="stable")) / (len(amount) - 1)
    else:
        size = np.zeros(len(amount))
    w = WEIGHTS
    score = (
        w["loss"] * (1 - p)
        + w["stagnation"] * stagnation
        + w["slippage"] * slippage
        + w["inactivity"] * inactivity
        + w["size"] * size
    )
    return np.rint(np.clip(score, 0, 1) * 100).astype(int)


def risk_band(score: int) -> str:
    return "high" if score >= HIGH else "medium" if score >= MEDIUM else "low"
