"""Holdout metrics of probabilities: AUC, Brier, log loss, expected calibration error."""

from __future__ import annotations

import numpy as np
from sklearn.metrics import roc_auc_score

from forecasting.engine.types import Metrics, ReliabilityBin

BINS = 10  # equal-width probability bins for ECE and the reliability diagram


def reliability_bins(p: np.ndarray, y: np.ndarray, bins: int = BINS) -> tuple[ReliabilityBin, ...]:
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(p, edges[1:-1], right=False), 0, bins - 1)
    out = []
    for b in range(bins):
        sel = which == b
        n = int(sel.sum())
        out.append(
            ReliabilityBin(
                lo=float(edges[b]),
                hi=float(edges[b + 1]),
                count=n,
                mean_predicted=float(p[sel].mean()) if n else 0.0,
                fraction_won=float(y[sel].mean()) if n else 0.0,
            )
        )
    return tuple(out)


def expected_calibration_error(p: np.ndarray, y: np.ndarray, bins: int = BINS) -> float:
    """Σ over bins of (share of examples) × |mean predicted − fraction won|."""
    total = len(p)
    if total == 0:
        return 0.0
    return float(
        sum(b.count / total * abs(b.mean_predicted - b.fraction_won) for b in reliability_bins(p, y, bins))
    )


def evaluate(p: np.ndarray, y: np.ndarray) -> Metrics:
    p = np.clip(np.asarray(p, dtype=np.float64), 1e-6, 1 - 1e-6)
    y = np.asarray(y, dtype=np.float64)
    auc = float(roc_auc_score(y, p)) if 0 < y.sum() < len(y) else None
    return Metrics(
        examples=len(y),
        auc=auc,
        brier=float(np.mean((p - y) ** 2)) if len(y) else 0.0,
        log_loss=float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))) if len(y) else 0.0,
        ece=expected_calibration_error(p, y),
        base_rate=float(y.mean()) if len(y) else 0.0,
        reliability=reliability_bins(p, y),
    )
