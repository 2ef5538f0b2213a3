"""Win probability: LightGBM with held-out calibration, or a small-data Beta model.

Training (``train_win_model``) takes examples as of past days (``training_examples``), splits
the *deals* by created day — the oldest 70 % train, the next 15 % calibrate (and stop the
boosting early), the newest 15 % test — so no deal is on both sides. On the calibration deals
it picks isotonic or sigmoid calibration by cross-fitted log loss; every metric reported is on
the test deals only.

Small-data mode: with fewer than ``SMALL_DATA_THRESHOLD`` closed deals (or fewer than
``MIN_PER_CLASS`` won or lost) the model is a hierarchical win rate: the organization's rate,
a stage rate with a Beta prior centred on it (``PRIOR_STRENGTH`` pseudo-deals), and a
stage × segment rate with a Beta prior centred on its stage's rate. Its label says so.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property

import lightgbm as lgb
import numpy as np

from forecasting.engine.calibration import Calibrator, choose_calibrator
from forecasting.engine.features import (
    Examples,
    FeatureMatrix,
    build_features,
    training_examples,
    vocabulary,
)
from forecasting.engine.metrics import evaluate
from forecasting.engine.timing import PREDICT_THREADS, TimingModel, coverage, fit_timing
from forecasting.engine.treeshap import Forest, forest
from forecasting.engine.treeshap import compiled as compiled_shap
from forecasting.engine.treeshap import contributions as tree_contributions
from forecasting.engine.types import DealTable, Metrics, Touches

SMALL_DATA_THRESHOLD = 300  # closed deals; below it the Beta model is used
MIN_PER_CLASS = 30  # won and lost deals each
PRIOR_STRENGTH = 10.0  # pseudo-deals of each Beta prior
LIGHTGBM = "lightgbm"
BETA = "stage_segment_beta"
SEGMENT = "segment"
_PARAMS = {
    "objective": "binary",
    # 0.1 rather than 0.05: the same holdout Brier and AUC with half the trees (measured on the
    # synthetic world), and TreeSHAP drivers cost time in proportion to the trees.
    "learning_rate": 0.1,
    "num_leaves": 31,
    "min_data_in_leaf": 20,
    "feature_fraction": 0.9,
    "bagging_fraction": 0.8,
    "bagging_freq": 1,
    "lambda_l2": 1.0,
    "cat_smooth": 10,
    "verbose": -1,
    "num_threads": 1,
    "deterministic": True,
    "force_row_wise": True,
}


@dataclass(frozen=True, eq=False)
class WinModel:
    """A trained model and everything needed to use and explain it; JSON-serialisable."""

    kind: str
    stages: tuple[str, ...]
    vocab: dict[str, tuple[str, ...]]
    feature_names: tuple[str, ...]
    calibrator: Calibrator
    timing: TimingModel
    typical_stage_days: tuple[float, ...]
    closed_deals: int
    booster: str = ""
    beta: dict = field(default_factory=dict)
    importance: dict[str, float] = field(default_factory=dict)

    @property
    def label(self) -> str:
        if self.kind == LIGHTGBM:
            return f"LightGBM, {self.calibrator.method} calibration, {self.closed_deals} closed deals"
        return f"Stage × segment win rate (small data: {self.closed_deals} closed deals)"

    @cached_property
    def _booster(self) -> lgb.Booster:
        return lgb.Booster(model_str=self.booster)

    @cached_property
    def _forest(self) -> Forest | None:
        """The booster compiled for TreeSHAP (None: LightGBM's own ``pred_contrib`` is used)."""
        if not compiled_shap():
            return None
        return forest(self._booster.dump_model(), len(self.feature_names))

    def raw(self, fm: FeatureMatrix) -> np.ndarray:
        return np.asarray(self._booster.predict(fm.values, raw_score=True, num_threads=PREDICT_THREADS))

    def probability(self, fm: FeatureMatrix) -> np.ndarray:
        if len(fm.values) == 0:
            return np.zeros(0)
        if self.kind == LIGHTGBM:
            return self.calibrator(self.raw(fm))
        return _beta_predict(self.beta, fm)

    def contributions(self, fm: FeatureMatrix) -> np.ndarray:
        """(n, features) probability points each feature adds (TreeSHAP on the raw score,
        mapped through the calibrator: p(all) − p(all but this feature's contribution))."""
        if self.kind != LIGHTGBM:
            return _beta_contributions(self.beta, fm)
        if len(fm.values) == 0:
            return np.zeros((0, len(fm.names)))
        compiled = self._forest
        if compiled is not None:
            contrib = tree_contributions(compiled, fm.values)
        else:
            contrib = np.asarray(
                self._booster.predict(fm.values, pred_contrib=True, num_threads=PREDICT_THREADS)
            )
        raw = contrib.sum(axis=1)
        p = self.calibrator(raw)
        feats = contrib[:, :-1]
        return (p[:, None] - self.calibrator((raw[:, None] - feats).ravel()).reshape(feats.shape)) * 100

    def as_dict(self) -> dict:
        return {
            "kind": self.kind,
            "stages": list(self.stages),
            "vocab": {k: list(v) for k, v in self.vocab.items()},
            "feature_names": list(self.feature_names),
            "calibrator": self.calibrator.as_dict(),
            "timing": self.timing.as_dict(),
            "typical_stage_days": list(self.typical_stage_days),
            "closed_deals": self.closed_deals,
            "booster": self.booster,
            "beta": self.beta,
            "importance": self.importance,
        }

    def to_json(self) -> str:
        return json.dumps(self.as_dict())

    @classmethod
    def from_json(cls, text: str) -> WinModel:
        d = json.loads(text)
        return cls(
            kind=d["kind"],
            stages=tuple(d["stages"]),
            vocab={k: tuple(v) for k, v in d["vocab"].items()},
            feature_names=tuple(d["feature_names"]),
            calibrator=Calibrator.from_dict(d["calibrator"]),
            timing=TimingModel.from_dict(d["timing"]),
            typical_stage_days=tuple(d["typical_stage_days"]),
            closed_deals=d["closed_deals"],
            booster=d["booster"],
            beta=d["beta"],
            importance=d["importance"],
        )


@dataclass(frozen=True, eq=False)
class TrainResult:
    model: WinModel
    metrics: Metrics | None  # None when the test deals hold only one outcome
    calibration_losses: dict[str, float]
    timing_coverage: float
    counts: dict[str, int]
    holdout: Examples  # the test examples, to compare another model on the same deals


def _beta_fit(stage: np.ndarray, segment: np.ndarray, y: np.ndarray, w: np.ndarray, stages: int) -> dict:
    overall = float(np.average(y, weights=w)) if len(y) else 0.5
    k = PRIOR_STRENGTH
    stage_rate = []
    for s in range(stages):
        sel = stage == s
        wins, n = float((w[sel] * y[sel]).sum()), float(w[sel].sum())
        stage_rate.append((wins + k * overall) / (n + k))
    cells = {}
    for s in range(stages):
        for g in np.unique(segment[~np.isnan(segment)]):
            sel = (stage == s) & (segment == g)
            if sel.any():
                wins, n = float((w[sel] * y[sel]).sum()), float(w[sel].sum())
                cells[f"{s}|{int(g)}"] = (wins + k * stage_rate[s]) / (n + k)
    return {"overall": overall, "stage": stage_rate, "cells": cells}


def _beta_parts(beta: dict, fm: FeatureMatrix) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    stage = np.clip(np.nan_to_num(fm.values[:, 0]).astype(int), 0, len(beta["stage"]) - 1)
    stage_p = np.asarray(beta["stage"])[stage]
    if SEGMENT in fm.names:
        seg = fm.values[:, fm.names.index(SEGMENT)]
        keys = [f"{s}|{int(g)}" if not np.isnan(g) else "" for s, g in zip(stage, seg, strict=True)]
        cell_p = np.array([beta["cells"].get(key, sp) for key, sp in zip(keys, stage_p, strict=True)])
    else:
        cell_p = stage_p
    return np.full(len(stage), beta["overall"]), stage_p, cell_p


def _beta_predict(beta: dict, fm: FeatureMatrix) -> np.ndarray:
    return np.clip(_beta_parts(beta, fm)[2], 1e-4, 1 - 1e-4)


def _beta_contributions(beta: dict, fm: FeatureMatrix) -> np.ndarray:
    overall, stage_p, cell_p = _beta_parts(beta, fm)
    out = np.zeros((len(overall), len(fm.names)))
    out[:, 0] = (stage_p - overall) * 100
    if SEGMENT in fm.names:
        out[:, fm.names.index(SEGMENT)] = (cell_p - stage_p) * 100
    return out


def _deal_weights(deal: np.ndarray) -> np.ndarray:
    """1 / (examples of the deal): each deal counts once in the Beta model's rates."""
    _, inverse, counts = np.unique(deal, return_inverse=True, return_counts=True)
    return 1.0 / counts[inverse]


def _split(table: DealTable, ex: Examples) -> np.ndarray:
    """0 train / 1 calibrate / 2 test per example, by its deal's rank in created order."""
    deals = np.unique(ex.deal)
    order = deals[np.lexsort((table.ids[deals], table.created[deals]))]
    rank = np.empty(len(table), np.float64)
    rank[order] = np.arange(len(order)) / max(len(order), 1)
    r = rank[ex.deal]
    return np.where(r < 0.70, 0, np.where(r < 0.85, 1, 2))


def _typical_days(fm: FeatureMatrix, y: np.ndarray, stages: int) -> tuple[float, ...]:
    stage = np.nan_to_num(fm.values[:, 0]).astype(int)
    days = fm.values[:, 1]
    won = y == 1
    out = []
    for s in range(stages):
        sel = (stage == s) & won
        out.append(
            float(np.median(days[sel])) if sel.sum() >= 5 else float(np.median(days)) if len(days) else 30.0
        )
    return tuple(out)


def train_win_model(
    table: DealTable,
    *,
    touches_for=None,
    until_day: int | None = None,
    seed: int = 0,
    step_days: int = 14,
    small_data_threshold: int = SMALL_DATA_THRESHOLD,
    threads: int = 1,
) -> TrainResult:
    """Train on the deals closed before ``until_day`` (all closed deals when None).

    ``touches_for(examples) -> Touches | None`` supplies journey touches as of each example.
    ``threads``: LightGBM threads; one by default, since OpenMP threads on a busy machine
    spin against each other (ten times slower measured on a loaded 2-core machine)."""
    ex = training_examples(table, step_days=step_days, until_day=until_day, seed=seed)
    if len(ex) == 0:
        raise ValueError("No closed deal was open on any snapshot day: nothing to learn from.")
    closed_deals = np.unique(ex.deal)
    vocab = vocabulary(_subset(table, closed_deals))
    touches: Touches | None = touches_for(ex) if touches_for else None
    fm = build_features(table, ex, vocab=vocab, touches=touches)
    y = ex.label.astype(np.float64) if ex.label is not None else np.zeros(len(ex))
    part = _split(table, ex)
    won_deals = int(table.won[closed_deals].sum())
    n_closed = len(closed_deals)
    small = n_closed < small_data_threshold or min(won_deals, n_closed - won_deals) < MIN_PER_CLASS
    stages = len(table.stages)
    cat_idx = [fm.names.index(c) for c in fm.categorical]
    typical = _typical_days(fm, y, stages)
    counts = {
        "closed_deals": n_closed,
        "won_deals": won_deals,
        "examples": len(ex),
        "train_examples": int((part == 0).sum()),
        "calibration_examples": int((part == 1).sum()),
        "test_examples": int((part == 2).sum()),
    }
    # Time to close: learnt on won examples only (the close of a deal that wins).
    days_left = (table.closed[ex.deal] - ex.day).astype(np.float64)
    won = y == 1
    timing = fit_timing(
        fm.values[won & (part == 0)],
        days_left[won & (part == 0)],
        fm.values[won & (part == 1)],
        days_left[won & (part == 1)],
        stages=stages,
        categorical=cat_idx,
        seed=seed,
        threads=threads,
    )
    test_won = won & (part == 2)
    timing_cov = coverage(timing.predict(fm.values[test_won]), days_left[test_won])
    test = part == 2
    if small:
        fit = part < 2 if test.any() else np.ones(len(y), bool)
        seg = fm.values[:, fm.names.index(SEGMENT)] if SEGMENT in fm.names else np.full(len(y), np.nan)
        stage = np.nan_to_num(fm.values[:, 0]).astype(int)
        beta = _beta_fit(stage[fit], seg[fit], y[fit], _deal_weights(ex.deal[fit]), stages)
        model = WinModel(
            BETA, table.stages, vocab, fm.names, Calibrator("none"), timing, typical, n_closed, beta=beta
        )
        losses: dict[str, float] = {}
    else:
        train_set = lgb.Dataset(
            fm.values[part == 0], y[part == 0], categorical_feature=cat_idx, free_raw_data=True
        )
        valid = lgb.Dataset(
            fm.values[part == 1], y[part == 1], categorical_feature=cat_idx, reference=train_set
        )
        booster = lgb.train(
            {**_PARAMS, "seed": seed, "num_threads": threads},
            train_set,
            num_boost_round=500,
            valid_sets=[valid],
            callbacks=[lgb.early_stopping(30, verbose=False)],
        )
        cal_raw = booster.predict(fm.values[part == 1], raw_score=True)
        calibrator, losses = choose_calibrator(np.asarray(cal_raw), y[part == 1], seed=seed)
        gain = booster.feature_importance(importance_type="gain")
        total = float(gain.sum()) or 1.0
        importance = {name: float(g) / total for name, g in zip(fm.names, gain, strict=True)}
        model = WinModel(
            LIGHTGBM,
            table.stages,
            vocab,
            fm.names,
            calibrator,
            timing,
            typical,
            n_closed,
            booster=booster.model_to_string(num_iteration=booster.best_iteration or None),
            importance=importance,
        )
    metrics = None
    if test.any() and 0 < y[test].sum() < test.sum():
        sub = FeatureMatrix(fm.names, fm.values[test], fm.categorical)
        metrics = evaluate(model.probability(sub), y[test])
    holdout = Examples(ex.deal[test], ex.day[test], ex.label[test] if ex.label is not None else None)
    return TrainResult(model, metrics, losses, timing_cov, counts, holdout)


def _subset(table: DealTable, idx: np.ndarray) -> DealTable:
    """Only what ``vocabulary`` reads: the categoricals of the given deals."""
    return DealTable(
        ids=table.ids[idx],
        owner=table.owner[idx],
        account=table.account[idx],
        created=table.created[idx],
        closed=table.closed[idx],
        won=table.won[idx],
        amount=table.amount[idx],
        stages=table.stages,
        hist_deal=np.zeros(0, np.int32),
        hist_day=np.zeros(0, np.int32),
        hist_stage=np.zeros(0, np.int16),
        categoricals={k: v[idx] for k, v in table.categoricals.items()},
    )
