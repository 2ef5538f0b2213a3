"""Time the forecasting engine alone (no database): training, scoring, Monte Carlo.

Run: .venv/bin/python bench/forecasting.py [--closed 200000] [--score 100000] [--sims 10000]
     [--deals 50000] [--threads 1]

On the engine's seeded synthetic world (known probabilities), prints for each figure the wall
time, the peak resident memory so far (LightGBM allocates outside Python, so tracemalloc would
miss it) and a baseline measured in the same run:

- train on ``--closed`` closed deals (as-of features on a 14-day grid, LightGBM with early
  stopping, isotonic/sigmoid chosen on held-out deals, three quantile models for time to
  close): target ≤ 120 s. Baseline: a logistic regression on the same feature matrix;
- score ``--score`` open deals (features as of the day, calibrated probability, TreeSHAP
  contributions, risk, time-to-close band; the drivers' text is built on the deal page): target
  ≤ 10 s. Baseline: the calibrated probability alone;
- Monte Carlo of ``--sims`` simulations over ``--deals`` open deals for 4 quarters: target
  ≤ 3 s. Baseline: the same simulation written the obvious way (a Bernoulli draw and a close
  day per deal and simulation, then a histogram per period), at 1/20 of the simulations and
  scaled up.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from sklearn.linear_model import LogisticRegression

from forecasting.engine import Examples, build_features, score, simulate, train_win_model, training_examples
from forecasting.engine.montecarlo import knots
from forecasting.engine.synthetic import synthetic_world


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(label: str, func):
    start = time.perf_counter()
    out = func()
    seconds = time.perf_counter() - start
    print(f"{label:<58} {seconds:8.2f} s   peak RSS {peak_mb():7.0f} MB", flush=True)
    return out, seconds


def naive_monte_carlo(amount, p, ttc, periods, sims, seed):
    rng = np.random.default_rng(seed)
    k = knots(ttc)
    totals = np.zeros((sims, len(periods)))
    for s in range(sims):
        won = rng.random(len(amount)) < p
        u = rng.random(len(amount))
        # piecewise-linear quantile function per deal
        days = np.empty(len(amount))
        for j, (lo, hi) in enumerate(((0.0, 0.1), (0.1, 0.5), (0.5, 0.9), (0.9, 1.0))):
            sel = (u >= lo) & (u < hi)
            days[sel] = k[sel, j] + (u[sel] - lo) / (hi - lo) * (k[sel, j + 1] - k[sel, j])
        for j, (start, end) in enumerate(periods):
            totals[s, j] = amount[won & (days >= start) & (days < end)].sum()
    return totals


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--closed", type=int, default=200_000)
    parser.add_argument("--score", type=int, default=100_000)
    parser.add_argument("--sims", type=int, default=10_000)
    parser.add_argument("--deals", type=int, default=50_000)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    print(f"cores {os.cpu_count()}, load average {os.getloadavg()[0]:.1f}, LightGBM threads {args.threads}")

    # -- training ---------------------------------------------------------------------------
    world_n = int(args.closed * 1.03)  # the newest ~3 % are still open
    (table, _), _ = timed(
        f"synthetic world of {world_n:,} deals", lambda: synthetic_world(world_n, seed=1, span_days=1500)
    )
    print(f"  closed deals: {table.closed_count:,}")
    result, train_s = timed(
        "train (features, LightGBM, calibration, time to close)",
        lambda: train_win_model(table, seed=0, threads=args.threads),
    )
    m = result.metrics
    print(
        f"  {result.model.label}; {result.counts['examples']:,} examples; holdout AUC {m.auc:.3f}, "
        f"Brier {m.brier:.4f}, ECE {m.ece:.4f}; time-to-close coverage {result.timing_coverage:.1%}"
    )
    ex = training_examples(table, seed=0)
    vocab = result.model.vocab
    fm, feat_s = timed(
        "  baseline part 1: the feature matrix alone", lambda: build_features(table, ex, vocab=vocab)
    )
    x = np.nan_to_num(fm.values)
    _, lr_s = timed(
        "  baseline part 2: logistic regression on it",
        lambda: LogisticRegression(max_iter=200).fit(x, ex.label),
    )
    print(f"  ratio train ÷ (features + logistic regression): {train_s / (feat_s + lr_s):.1f}×")

    # -- scoring ----------------------------------------------------------------------------
    pick = np.flatnonzero(table.won >= 0)[: args.score]
    # each deal as of the day after it was created: open then
    examples = Examples(pick.astype(np.int64), (table.created[pick] + 1).astype(np.int32))
    batch, score_s = timed(
        f"score {len(pick):,} open deals (p, SHAP, risk, time to close)",
        lambda: score(result.model, table, examples),
    )
    _, p_s = timed(
        "  baseline: calibrated probability alone",
        lambda: result.model.probability(build_features(table, examples, vocab=vocab)),
    )
    print(f"  ratio: {score_s / p_s:.1f}×; mean probability {batch.probability.mean():.3f}")

    # -- Monte Carlo ------------------------------------------------------------------------
    rng = np.random.default_rng(2)
    amount = rng.lognormal(9.5, 1.0, args.deals)
    p = rng.random(args.deals)
    q50 = rng.uniform(10, 300, args.deals)
    ttc = np.column_stack([q50 * 0.4, q50, q50 * 2.0])
    quarters = [(0, 91), (91, 182), (182, 273), (273, 365)]
    (forecast, _), mc_s = timed(
        f"Monte Carlo {args.sims:,} sims × {args.deals:,} deals × 4 quarters",
        lambda: simulate(amount, p, ttc, quarters, sims=args.sims, seed=0),
    )
    print(
        "  "
        + "; ".join(
            f"Q{j + 1} P10 {f.p10:,.0f} P50 {f.p50:,.0f} P90 {f.p90:,.0f}" for j, f in enumerate(forecast)
        )
    )
    small = max(1, args.sims // 20)
    _, naive_s = timed(
        f"  baseline: naive loop, {small:,} sims",
        lambda: naive_monte_carlo(amount, p, ttc, quarters, small, 0),
    )
    print(
        f"  naive scaled to {args.sims:,} sims: {naive_s * args.sims / small:.1f} s; ratio {naive_s * args.sims / small / mc_s:.1f}× faster"
    )


if __name__ == "__main__":
    main()
