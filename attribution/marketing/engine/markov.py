"""Markov removal-effect attribution, solved exactly as an absorbing chain (no simulation).

States are the last ``k`` channels of the path (shorter at the start of a path; repeated
channels are kept, so ``a > a`` is a state of order 2). Transition probabilities are the
maximum-likelihood estimates from the journeys, each path weighted by its conversions plus its
non-conversions. Absorbing states: conversion and null.

* P = probability that a journey from the start state is absorbed in conversion:
  ``P = p_start · (I − Q)⁻¹ r`` with Q the transient block and r the one-step conversion
  probabilities.
* Removing channel c sends every transition into a state that contains c to null; the removal
  effect is ``RE_c = 1 − P₋c / P``.
* Credited conversions: ``total × RE_c / Σ RE``. Value uses the same chain with r replaced by
  the value leaving each state into conversion (per visit), so a channel's value removal effect
  reflects the revenue of the conversions it leads to.

Order selection (`choose_order`) compares orders 1..K by held-out log-likelihood of whole paths
(next channel or end, given the last k channels), k-fold over journeys, with interpolated
back-off smoothing so unseen contexts have a probability; the highest mean wins, ties to the
lower order.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.sparse.linalg import splu
from threadpoolctl import ThreadpoolController

from attribution.marketing.engine.types import FloatArray, IntArray, Journeys

# Up to this many states a dense solve is fastest; above, a sparse LU (a state has at most
# channels + 2 successors, so I − Q is very sparse). Both are exact direct solves.
DENSE_STATES = 400
MAX_STATES = 200_000
# Codes below this many values are compacted with a lookup table (linear) instead of a sort.
TABLE_CODES = 1 << 22
# Inspecting the loaded BLAS libraries takes tens of milliseconds: once per process.
_THREADPOOLS: ThreadpoolController | None = None


def _compact(codes: IntArray, n_codes: int) -> tuple[IntArray, IntArray]:
    """(distinct codes ascending, index of each code among them), like np.unique(return_inverse)."""
    if n_codes <= TABLE_CODES:
        present = np.zeros(n_codes, dtype=bool)
        present[codes] = True
        uniq = np.flatnonzero(present)
        lookup = np.cumsum(present) - 1
        return uniq.astype(np.int64), lookup[codes].astype(np.int64)
    uniq, inverse = np.unique(codes, return_inverse=True)
    return uniq.astype(np.int64), inverse.astype(np.int64)


@dataclass(frozen=True, eq=False)
class MarkovPrepared:
    """The chain's structure for one set of paths and order: reusable across weightings."""

    order: int
    n_states: int
    state_channels: tuple[frozenset[int], ...]  # channels inside each state
    state_has: np.ndarray  # bool (states × channels): state contains the channel
    start_state: IntArray  # per nonempty journey: first state
    step_pair: IntArray  # per within-journey step: index into pairs
    step_journey: IntArray  # per within-journey step: journey index
    end_state: IntArray  # per nonempty journey: last state
    journeys_nonempty: IntArray  # journey indices with ≥ 1 touch
    pairs_from: IntArray
    pairs_to: IntArray


def _state_codes(journeys: Journeys, order: int) -> IntArray:
    base = journeys.n_channels + 1
    if base**order >= 2**62:
        raise ValueError(f"order {order} is too high for {journeys.n_channels} channels")
    jt = journeys.journey_of_touch
    pos = np.arange(journeys.n_touches, dtype=np.int64) - journeys.offsets[jt]
    code = np.zeros(journeys.n_touches, dtype=np.int64)
    for i in range(order):
        prev = np.where(pos >= i, journeys.channels[np.maximum(np.arange(journeys.n_touches) - i, 0)] + 1, 0)
        code += prev * base**i
    return code


def markov_prepare(journeys: Journeys, order: int) -> MarkovPrepared:
    if order < 1:
        raise ValueError("order must be ≥ 1")
    codes = _state_codes(journeys, order)
    base = journeys.n_channels + 1
    uniq, state = _compact(codes, base**order)
    contents = []
    for code in uniq.tolist():
        chans = set()
        for _ in range(order):
            digit = code % base
            if digit:
                chans.add(digit - 1)
            code //= base
        contents.append(frozenset(chans))
    nonempty = np.flatnonzero(journeys.lengths > 0)
    starts = journeys.offsets[:-1][nonempty]
    ends = journeys.offsets[1:][nonempty] - 1
    # within-journey steps: touch t -> t+1 where both lie in one journey
    is_last = np.zeros(journeys.n_touches, dtype=bool)
    is_last[ends] = True
    step_from = np.flatnonzero(~is_last)
    n_states = int(uniq.shape[0])
    pair_code = state[step_from] * n_states + state[step_from + 1]
    pairs, step_pair = _compact(pair_code, n_states * n_states)
    has = np.zeros((n_states, journeys.n_channels), dtype=bool)
    for i, members in enumerate(contents):
        has[i, list(members)] = True
    return MarkovPrepared(
        order=order,
        n_states=n_states,
        state_channels=tuple(contents),
        state_has=has,
        start_state=state[starts],
        step_pair=step_pair,
        step_journey=journeys.journey_of_touch[step_from],
        end_state=state[ends],
        journeys_nonempty=nonempty,
        pairs_from=pairs // n_states,
        pairs_to=pairs % n_states,
    )


@dataclass(frozen=True, eq=False)
class MarkovSolution:
    removal_effects: FloatArray
    removal_effects_value: FloatArray
    conversion_probability: float
    expected_value: float


def _absorb(q, start: FloatArray, r: FloatArray, keep: IntArray) -> tuple[float, float]:
    """Return ``start_K · (I − Q_KK)⁻¹ r_K`` for both columns of r (conversions, value)."""
    if keep.shape[0] == 0:
        return 0.0, 0.0
    if isinstance(q, np.ndarray):
        x = np.linalg.solve(np.eye(keep.shape[0]) - q[np.ix_(keep, keep)], r[keep])
    else:
        sub = (sp.identity(keep.shape[0], format="csc") - q[keep][:, keep]).tocsc()
        x = splu(sub).solve(np.ascontiguousarray(r[keep]))
    res = start[keep] @ x
    return float(res[0]), float(res[1])


def markov_solve(prep: MarkovPrepared, journeys: Journeys, n_channels: int) -> MarkovSolution:
    """Removal effects for the given weights (journeys' conversions / nulls / value).

    The solves run with one BLAS thread: the systems are small, and on a busy machine a
    multi-threaded BLAS spinning on them was measured 30–60× slower (bench/README.md).
    """
    global _THREADPOOLS
    if _THREADPOOLS is None:
        _THREADPOOLS = ThreadpoolController()
    with _THREADPOOLS.limit(limits=1, user_api="blas"):
        return _markov_solve(prep, journeys, n_channels)


def _markov_solve(prep: MarkovPrepared, journeys: Journeys, n_channels: int) -> MarkovSolution:
    s = prep.n_states
    if s > MAX_STATES:
        raise ValueError(f"{s} Markov states exceed the exact-solve limit of {MAX_STATES}; lower the order")
    conv = journeys.conversions[prep.journeys_nonempty]
    nul = journeys.nulls[prep.journeys_nonempty]
    val = journeys.value[prep.journeys_nonempty]
    weight = journeys.conversions + journeys.nulls
    total = float(conv.sum() + nul.sum())
    if total <= 0 or conv.sum() <= 0:
        zeros = np.zeros(n_channels)
        return MarkovSolution(zeros, zeros.copy(), 0.0, 0.0)
    pair_w = np.bincount(
        prep.step_pair, weights=weight[prep.step_journey], minlength=prep.pairs_from.shape[0]
    )
    counts = np.zeros((s, s))
    counts[prep.pairs_from, prep.pairs_to] = pair_w  # pairs are unique
    to_conv = np.bincount(prep.end_state, weights=conv, minlength=s)
    to_val = np.bincount(prep.end_state, weights=val, minlength=s)
    to_null = np.bincount(prep.end_state, weights=nul, minlength=s)
    out = counts.sum(axis=1) + to_conv + to_null
    out_safe = np.where(out > 0, out, 1.0)
    q = counts / out_safe[:, None]
    r = np.stack([to_conv / out_safe, to_val / out_safe], axis=1)
    start = np.bincount(prep.start_state, weights=conv + nul, minlength=s) / total
    everything = np.arange(s, dtype=np.int64)
    p_all, v_all = _absorb(q, start, r, everything)
    re = np.zeros(n_channels)
    re_v = np.zeros(n_channels)
    for c in range(n_channels):
        keep = np.asarray(
            [i for i, chans in enumerate(prep.state_channels) if c not in chans], dtype=np.int64
        )
        if keep.shape[0] == s:
            continue  # channel absent from every path: no effect
        p_c, v_c = _absorb(q, start, r, keep)
        re[c] = 1.0 - p_c / p_all if p_all > 0 else 0.0
        re_v[c] = 1.0 - v_c / v_all if v_all > 0 else 0.0
    return MarkovSolution(re, re_v, p_all, v_all)


def credit_from_effects(effects: FloatArray, total: float) -> FloatArray:
    """Share ``total`` in proportion to the removal effects (zeros when they sum to zero)."""
    s = float(effects.sum())
    if s <= 0 or total == 0:
        return np.zeros_like(effects)
    return total * effects / s


# -- order selection ---------------------------------------------------------------------------


def _events(journeys: Journeys, max_order: int) -> tuple[IntArray, IntArray, IntArray, list[IntArray]]:
    """Every prediction event: symbol, journey, kind (0 touch, 1 conversion end, 2 null end), contexts."""
    c = journeys.n_channels
    jt = journeys.journey_of_touch
    pos = np.arange(journeys.n_touches, dtype=np.int64) - journeys.offsets[jt]
    nonempty = np.flatnonzero(journeys.lengths > 0)
    end_abs = journeys.offsets[1:][nonempty]
    end_pos = journeys.lengths[nonempty]
    k = nonempty.shape[0]
    sym = np.concatenate([journeys.channels, np.full(k, c), np.full(k, c + 1)])
    jour = np.concatenate([jt, nonempty, nonempty])
    kind = np.concatenate(
        [np.zeros(journeys.n_touches, dtype=np.int64), np.ones(k, dtype=np.int64), np.full(k, 2)]
    )
    abs_idx = np.concatenate([np.arange(journeys.n_touches, dtype=np.int64), end_abs, end_abs])
    epos = np.concatenate([pos, end_pos, end_pos])
    base = c + 1
    contexts = [np.zeros(sym.shape[0], dtype=np.int64)]
    code = np.zeros(sym.shape[0], dtype=np.int64)
    for i in range(1, max_order + 1):
        prev = (
            np.where(epos >= i, journeys.channels[np.maximum(abs_idx - i, 0)] + 1, 0)
            if journeys.n_touches
            else 0
        )
        code = code + prev * base ** (i - 1)
        contexts.append(code.copy())
    return sym, jour, kind, contexts


def _event_weights(conv: FloatArray, nul: FloatArray, jour: IntArray, kind: IntArray) -> FloatArray:
    per_kind = np.stack([conv + nul, conv, nul])
    return per_kind[kind, jour]


def _encode_levels(
    sym: IntArray, contexts: list[IntArray], vocab: int
) -> list[tuple[IntArray, int, IntArray, int]]:
    """Per context length m ≥ 1: (dense id of each event's (context, symbol), how many ids,
    dense id of each event's context, how many ids), computed once for every fold and order.

    Ids are over all events, so a held-out event whose context or pair never occurs in training
    finds a zero count, as a lookup among the training keys alone would."""
    levels = []
    for ctx in contexts[1:]:
        n_ctx = int(ctx.max()) + 1 if ctx.shape[0] else 1
        c_uniq, c_id = _compact(ctx, n_ctx)
        # the pair code over the compacted contexts stays small enough for the linear table
        k_uniq, k_id = _compact(c_id * vocab + sym, max(c_uniq.shape[0], 1) * vocab)
        levels.append((k_id, k_uniq.shape[0], c_id, c_uniq.shape[0]))
    return levels


def _heldout_logliks(
    sym: IntArray,
    w_train: FloatArray,
    w_test: FloatArray,
    levels: list[tuple[IntArray, int, IntArray, int]],
    vocab: int,
    smoothing: float,
) -> list[float]:
    """Held-out log-likelihood of one fold under every order 1..len(levels) in one pass.

    Order k interpolates the back-off levels 0..k, so each order's probabilities extend the
    previous order's: counting is a bincount over precomputed ids (no sort per fold or order).
    """
    tr = w_train > 0
    te = w_test > 0
    wt = w_train[tr]
    uni = np.bincount(sym[tr], weights=wt, minlength=vocab) + 1.0  # order 0: add-one
    prob = (uni / uni.sum())[sym[te]]
    out = []
    for k_id, n_keys, c_id, n_ctx in levels:
        cnt = np.bincount(k_id[tr], weights=wt, minlength=n_keys)
        ccnt = np.bincount(c_id[tr], weights=wt, minlength=n_ctx)
        prob = (cnt[k_id[te]] + smoothing * prob) / (ccnt[c_id[te]] + smoothing)
        out.append(float(np.sum(w_test[te] * np.log(prob))))
    return out


def _split_counts(counts: FloatArray, folds: int, rng: np.random.Generator) -> FloatArray:
    """Deal each path's individual journeys (rounded counts) to folds at random: shape (folds, n)."""
    remaining = np.rint(counts).astype(np.int64)
    out = np.zeros((folds, counts.shape[0]))
    for f in range(folds - 1):
        drawn = rng.binomial(remaining, 1.0 / (folds - f))
        out[f] = drawn
        remaining = remaining - drawn
    out[folds - 1] = remaining
    return out


def choose_order(
    journeys: Journeys, *, max_order: int = 4, folds: int = 5, seed: int = 0, smoothing: float = 1.0
) -> tuple[int, tuple[tuple[int, float], ...]]:
    """The order 1..max_order with the best held-out log-likelihood per journey.

    Folds are drawn over individual journeys (a path row's conversions and non-conversions are
    dealt to folds one journey at a time), so a held-out journey's path usually also occurs in
    training, as it would for new journeys.
    """
    if max_order < 1:
        raise ValueError("max_order must be ≥ 1")
    sym, jour, kind, contexts = _events(journeys, max_order)
    rng = np.random.default_rng(seed)
    conv_f = _split_counts(journeys.conversions, folds, rng)
    null_f = _split_counts(journeys.nulls, folds, rng)
    w_all = _event_weights(conv_f.sum(axis=0), null_f.sum(axis=0), jour, kind)
    vocab = journeys.n_channels + 2
    total = float((conv_f.sum(axis=0) + null_f.sum(axis=0))[journeys.lengths > 0].sum()) or 1.0
    levels = _encode_levels(sym, contexts, vocab)
    per_fold = []
    for f in range(folds):
        w_test = _event_weights(conv_f[f], null_f[f], jour, kind)
        per_fold.append(_heldout_logliks(sym, w_all - w_test, w_test, levels, vocab, smoothing))
    scores = []
    for k in range(1, max_order + 1):
        ll = 0.0
        for f in range(folds):
            ll += per_fold[f][k - 1]
        scores.append((k, ll / total))
    best = max(scores, key=lambda kv: (kv[1], -kv[0]))[0]
    return best, tuple(scores)
