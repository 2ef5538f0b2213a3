"""Time the marketing attribution engine against a plain numpy baseline (and ChannelAttribution).

Run (no database; the engine imports no Django):

    .venv/bin/python bench/mta.py [--sizes 10000 100000 1000000] [--bootstrap 200] [--seed 7]

A seeded generator draws journeys over 12 channels (popularity falling off like 1/rank), with a
geometric number of touches (mean 4) and a conversion chance that depends on the channels
touched. For each size and model it prints the engine's time and peak memory (tracemalloc,
which sees numpy's buffers) next to a plain numpy implementation of the same model written
below, their ratio, and the largest difference between the two results (they must agree).
Then: exact Shapley of the rate game over 12 channels, bootstrap intervals of Markov
(journey-level resampling) and, when the package is importable in this environment,
ChannelAttribution's simulated Markov on the same paths.
"""

from __future__ import annotations

import argparse
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from attribution.marketing.engine import (
    Journeys,
    ModelKind,
    ModelSpec,
    ShapleyValue,
    attribute,
    bootstrap_intervals,
    choose_order,
)
from attribution.marketing.engine.markov import _event_weights, _events, _split_counts

CHANNELS = 12


def generate(n: int, seed: int) -> Journeys:
    """n journeys, mean 4 touches, 12 channels; conversion more likely with channels 3, 5 and 8."""
    rng = np.random.default_rng(seed)
    lengths = rng.geometric(1 / 4, size=n).astype(np.int64)
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    popularity = 1 / np.arange(1, CHANNELS + 1)
    channels = rng.choice(CHANNELS, size=int(offsets[-1]), p=popularity / popularity.sum()).astype(np.int64)
    timestamps = np.sort(rng.uniform(0, 60, size=channels.shape[0]))  # only order inside a journey matters
    jt = np.repeat(np.arange(n), lengths)
    timestamps = timestamps + jt * 100.0
    lift = np.zeros(CHANNELS)
    lift[[3, 5, 8]] = 0.6
    score = np.bincount(jt, weights=lift[channels], minlength=n)
    converted = (rng.random(n) < 1 / (1 + np.exp(2.5 - score))).astype(np.float64)
    value = converted * rng.lognormal(8, 1, size=n)
    direct = np.zeros(CHANNELS, dtype=bool)
    direct[11] = True
    return Journeys(
        channels=channels,
        offsets=offsets,
        conversions=converted,
        nulls=1 - converted,
        value=value,
        channel_names=tuple(f"ch{i}" for i in range(CHANNELS)),
        direct=direct,
        timestamps=timestamps,
    )


# -- the plain numpy baseline: straightforward, independent of the engine -------------------------


def _base(j: Journeys):
    lengths = np.diff(j.offsets)
    jt = np.repeat(np.arange(lengths.shape[0]), lengths)
    pos = np.arange(j.channels.shape[0]) - j.offsets[jt]
    return lengths, jt, pos


def _totals(j: Journeys, jt, share):
    c = np.bincount(j.channels, weights=share * j.conversions[jt], minlength=CHANNELS)
    v = np.bincount(j.channels, weights=share * j.value[jt], minlength=CHANNELS)
    return c, v


def np_first(j):
    _lengths, jt, pos = _base(j)
    return _totals(j, jt, (pos == 0).astype(float))


def np_last(j):
    lengths, jt, pos = _base(j)
    return _totals(j, jt, (pos == lengths[jt] - 1).astype(float))


def np_last_non_direct(j):
    lengths, jt, _pos = _base(j)
    idx = np.where(j.direct[j.channels], -1, np.arange(j.channels.shape[0]))
    best = np.full(lengths.shape[0], -1)
    np.maximum.at(best, jt, idx)
    chosen = np.where(best >= 0, best, j.offsets[1:] - 1)
    share = np.zeros(j.channels.shape[0])
    share[chosen[lengths > 0]] = 1
    return _totals(j, jt, share)


def np_linear(j):
    lengths, jt, _pos = _base(j)
    return _totals(j, jt, 1 / lengths[jt])


def np_time_decay(j, half_life=7.0):
    _lengths, jt, _pos = _base(j)
    last = j.timestamps[j.offsets[1:] - 1]
    w = 0.5 ** ((last[jt] - j.timestamps) / half_life)
    return _totals(j, jt, w / np.bincount(jt, w)[jt])


def np_position(j):
    lengths, jt, pos = _base(j)
    n = lengths[jt]
    share = np.where(
        n == 1,
        1.0,
        np.where(n == 2, 0.5, np.where((pos == 0) | (pos == n - 1), 0.4, 0.2 / np.maximum(n - 2, 1))),
    )
    return _totals(j, jt, share)


def np_markov(j):
    lengths, jt, pos = _base(j)
    s = CHANNELS
    w = j.conversions + j.nulls
    nxt = np.r_[j.channels[1:], 0]
    inside = pos < lengths[jt] - 1
    counts = np.zeros((s, s))
    np.add.at(counts, (j.channels[inside], nxt[inside]), w[jt[inside]])
    last = j.channels[j.offsets[1:][lengths > 0] - 1]
    conv = np.bincount(last, j.conversions[lengths > 0], minlength=s)
    val = np.bincount(last, j.value[lengths > 0], minlength=s)
    out = counts.sum(1) + conv + np.bincount(last, j.nulls[lengths > 0], minlength=s)
    q = counts / out[:, None]
    r = np.stack([conv / out, val / out], 1)
    start = np.bincount(j.channels[j.offsets[:-1][lengths > 0]], w[lengths > 0], minlength=s) / w.sum()

    def absorb(keep):
        return start[keep] @ np.linalg.solve(np.eye(keep.sum()) - q[np.ix_(keep, keep)], r[keep])

    full = absorb(np.ones(s, bool))
    effects = np.array([1 - absorb(np.arange(s) != c) / full for c in range(s)])
    return j.conversions.sum() * effects[:, 0] / effects[:, 0].sum(), j.value.sum() * effects[:, 1] / effects[
        :, 1
    ].sum()


def np_shapley(j):
    lengths, jt, _pos = _base(j)
    key = np.unique(jt * CHANNELS + j.channels)
    distinct = np.bincount(key // CHANNELS, minlength=lengths.shape[0])
    jj, cc = key // CHANNELS, key % CHANNELS
    c = np.bincount(cc, weights=j.conversions[jj] / distinct[jj], minlength=CHANNELS)
    v = np.bincount(cc, weights=j.value[jj] / distinct[jj], minlength=CHANNELS)
    return c, v


MODELS: list[tuple[str, ModelSpec, Callable]] = [
    ("first", ModelSpec(ModelKind.FIRST), np_first),
    ("last", ModelSpec(ModelKind.LAST), np_last),
    ("last_non_direct", ModelSpec(ModelKind.LAST_NON_DIRECT), np_last_non_direct),
    ("linear", ModelSpec(ModelKind.LINEAR), np_linear),
    ("time_decay", ModelSpec(ModelKind.TIME_DECAY), np_time_decay),
    ("position", ModelSpec(ModelKind.POSITION), np_position),
    ("markov", ModelSpec(ModelKind.MARKOV), np_markov),
    ("shapley", ModelSpec(ModelKind.SHAPLEY), np_shapley),
]


def measure(func: Callable, repeat: int = 3):
    """Best-of-`repeat` wall time, and the peak traced memory of one call."""
    best = float("inf")
    result = None
    for _ in range(repeat):
        t = time.perf_counter()
        result = func()
        best = min(best, time.perf_counter() - t)
    tracemalloc.start()
    func()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return best, peak / 2**20, result


def _sorting_loglik(sym, w_train, w_test, contexts, order, vocab, smoothing) -> float:
    """The earlier held-out scoring, as the baseline: each level's keys sorted (np.unique) per
    order and fold, looked up by binary search."""
    tr = w_train > 0
    te = w_test > 0
    uni = np.bincount(sym[tr], weights=w_train[tr], minlength=vocab) + 1.0
    prob = (uni / uni.sum())[sym[te]]

    def lookup(keys, values, query):
        if keys.shape[0] == 0:
            return np.zeros(query.shape[0])
        idx = np.minimum(np.searchsorted(keys, query), keys.shape[0] - 1)
        return np.where(keys[idx] == query, values[idx], 0.0)

    for m in range(1, order + 1):
        ctx = contexts[m]
        key = ctx * vocab + sym
        k_tr, inv = np.unique(key[tr], return_inverse=True)
        cnt = np.asarray(np.bincount(inv, weights=w_train[tr]), dtype=np.float64)
        c_tr, cinv = np.unique(ctx[tr], return_inverse=True)
        ccnt = np.asarray(np.bincount(cinv, weights=w_train[tr]), dtype=np.float64)
        prob = (lookup(k_tr, cnt, key[te]) + smoothing * prob) / (lookup(c_tr, ccnt, ctx[te]) + smoothing)
    return float(np.sum(w_test[te] * np.log(prob)))


def sorting_choose_order(j: Journeys, *, max_order: int = 3, folds: int = 5, seed: int = 0) -> tuple:
    """`choose_order` with the earlier scoring (same folds, same formula)."""
    sym, jour, kind, contexts = _events(j, max_order)
    rng = np.random.default_rng(seed)
    conv_f = _split_counts(j.conversions, folds, rng)
    null_f = _split_counts(j.nulls, folds, rng)
    w_all = _event_weights(conv_f.sum(axis=0), null_f.sum(axis=0), jour, kind)
    vocab = j.n_channels + 2
    total = float((conv_f.sum(axis=0) + null_f.sum(axis=0))[j.lengths > 0].sum()) or 1.0
    scores = []
    for k in range(1, max_order + 1):
        ll = 0.0
        for f in range(folds):
            w_test = _event_weights(conv_f[f], null_f[f], jour, kind)
            ll += _sorting_loglik(sym, w_all - w_test, w_test, contexts, k, vocab, 1.0)
        scores.append((k, ll / total))
    return max(scores, key=lambda kv: (kv[1], -kv[0]))[0], tuple(scores)


def order_selection(n: int, seed: int, baseline: bool) -> None:
    j = generate(n, seed)
    t = time.perf_counter()
    order, scores = choose_order(j, max_order=3)
    fast = time.perf_counter() - t
    line = f"Markov order selection (1..3, 5 folds) at {n:,} journeys: order {order} in {fast:.2f} s"
    if baseline:
        t = time.perf_counter()
        ref_order, ref_scores = sorting_choose_order(j, max_order=3)
        slow = time.perf_counter() - t
        same = ref_scores == scores and ref_order == order
        line += f"; sorting scoring {slow:.2f} s ({slow / fast:.1f}× slower), scores identical: {same}"
    print(line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--bootstrap", type=int, default=200)
    parser.add_argument("--bootstrap-size", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--order-selection",
        type=int,
        nargs="*",
        help="Only time Markov order selection at these sizes (against the earlier sorting scoring)",
    )
    parser.add_argument(
        "--no-order-baseline", action="store_true", help="With --order-selection: skip the sorting baseline"
    )
    args = parser.parse_args()
    if args.order_selection:
        for n in args.order_selection:
            order_selection(n, args.seed, baseline=not args.no_order_baseline)
        return
    for n in args.sizes:
        t = time.perf_counter()
        j = generate(n, args.seed)
        print(
            f"\n{n:,} journeys, {j.n_touches:,} touches, {int(j.conversions.sum()):,} conversions (generated in {time.perf_counter() - t:.2f} s)"
        )
        print(
            f"{'model':<16}{'engine s':>10}{'numpy s':>10}{'ratio':>8}{'engine MB':>11}{'numpy MB':>10}{'max |diff|':>12}"
        )
        total_engine = total_numpy = 0.0
        for name, spec, baseline in MODELS:
            te, me, res = measure(lambda spec=spec, j=j: attribute(j, spec))
            tn, mn, (bc, bv) = measure(lambda baseline=baseline, j=j: baseline(j))
            diff = max(
                np.abs(res.conversions - bc).max(),
                np.abs(res.value - bv).max() / max(1.0, j.value.sum()) * j.conversions.sum(),
            )
            total_engine += te
            total_numpy += tn
            print(f"{name:<16}{te:>10.4f}{tn:>10.4f}{te / tn:>8.2f}{me:>11.1f}{mn:>10.1f}{diff:>12.2e}")
        print(
            f"{'all models':<16}{total_engine:>10.4f}{total_numpy:>10.4f}{total_engine / total_numpy:>8.2f}"
        )
        if n == args.sizes[-1]:
            t = time.perf_counter()
            res = attribute(j, ModelSpec(ModelKind.SHAPLEY, shapley_value=ShapleyValue.RATE))
            print(
                f"exact Shapley, rate game, {CHANNELS} channels ({2**CHANNELS:,} coalitions): {time.perf_counter() - t:.3f} s, exact={res.exact}"
            )
            t = time.perf_counter()
            res = attribute(j, ModelSpec(ModelKind.MARKOV, order=0, max_order=3))
            print(
                f"Markov with order selection (1..3, 5 folds): order {res.order} in {time.perf_counter() - t:.2f} s"
            )
    jb = generate(args.bootstrap_size, args.seed)
    t = time.perf_counter()
    bootstrap_intervals(jb, ModelSpec(ModelKind.MARKOV), resamples=args.bootstrap, seed=1)
    print(
        f"\nbootstrap, Markov, {args.bootstrap} resamples of {args.bootstrap_size:,} journeys: {time.perf_counter() - t:.2f} s"
    )
    try:
        import pandas as pd
        from ChannelAttribution import markov_model
    except ImportError:
        print("ChannelAttribution is not installed here: no comparison with it")
        return
    for n in args.sizes:
        j = generate(n, args.seed)
        names = np.array(j.channel_names)
        paths = [
            " > ".join(names[j.channels[a:b]]) for a, b in zip(j.offsets[:-1], j.offsets[1:], strict=True)
        ]
        frame = pd.DataFrame({"path": paths, "conv": j.conversions, "value": j.value, "null": j.nulls})
        frame = frame.groupby("path", as_index=False).sum()
        t = time.perf_counter()
        ca = markov_model(
            frame,
            "path",
            "conv",
            var_value="value",
            var_null="null",
            order=1,
            sep=">",
            verbose=False,
            flg_pro=False,
        )
        tca = time.perf_counter() - t
        ours, _, res = measure(lambda j=j: attribute(j, ModelSpec(ModelKind.MARKOV)))
        got = dict(zip(ca["channel_name"], ca["total_conversions"], strict=True))
        worst = max(
            abs(got[c] - res.conversions[i]) / max(res.conversions[i], 1)
            for i, c in enumerate(j.channel_names)
        )
        print(
            f"ChannelAttribution Markov at {n:,} journeys ({len(frame):,} paths): {tca:.3f} s; ours {ours:.4f} s ({tca / ours:.1f}× faster); its largest relative deviation from the exact figures {worst:.2%}"
        )


if __name__ == "__main__":
    main()
