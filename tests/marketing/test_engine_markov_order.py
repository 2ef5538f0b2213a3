"""Order selection's held-out scoring: the linear scoring (ids encoded once per order, reused
across folds and orders) gives exactly what the earlier sort-per-fold scoring gave."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from attribution.marketing.engine import journeys_from_touches
from attribution.marketing.engine.markov import (
    _encode_levels,
    _event_weights,
    _events,
    _heldout_logliks,
    _split_counts,
)


def _lookup(keys_sorted, values, query):
    if keys_sorted.shape[0] == 0:
        return np.zeros(query.shape[0])
    idx = np.minimum(np.searchsorted(keys_sorted, query), keys_sorted.shape[0] - 1)
    return np.where(keys_sorted[idx] == query, values[idx], 0.0)


def _reference_loglik(sym, w_train, w_test, contexts, order, vocab, smoothing):
    """The earlier scoring: every level's keys sorted again for each order and fold."""
    tr = w_train > 0
    te = w_test > 0
    uni = np.bincount(sym[tr], weights=w_train[tr], minlength=vocab) + 1.0
    prob = (uni / uni.sum())[sym[te]]
    for m in range(1, order + 1):
        ctx = contexts[m]
        key = ctx * vocab + sym
        k_tr, inv = np.unique(key[tr], return_inverse=True)
        cnt = np.asarray(np.bincount(inv, weights=w_train[tr]), dtype=np.float64)
        c_tr, cinv = np.unique(ctx[tr], return_inverse=True)
        ccnt = np.asarray(np.bincount(cinv, weights=w_train[tr]), dtype=np.float64)
        prob = (_lookup(k_tr, cnt, key[te]) + smoothing * prob) / (_lookup(c_tr, ccnt, ctx[te]) + smoothing)
    return float(np.sum(w_test[te] * np.log(prob)))


def _journeys(seed: int, n_journeys: int, n_channels: int):
    rng = np.random.default_rng(seed)
    lengths = rng.integers(0, 7, size=n_journeys)
    journey_index = np.repeat(np.arange(n_journeys), lengths)
    channels = rng.integers(0, n_channels, size=journey_index.shape[0])
    return journeys_from_touches(
        journey_index=journey_index.tolist(),
        channels=channels.tolist(),
        timestamps=np.arange(journey_index.shape[0], dtype=float).tolist(),
        channel_names=[f"c{i}" for i in range(n_channels)],
        conversions=rng.integers(0, 2, size=n_journeys).astype(float).tolist(),
        value=rng.random(n_journeys).tolist(),
        nulls=rng.integers(0, 4, size=n_journeys).astype(float).tolist(),
    )


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n_journeys=st.integers(1, 60),
    n_channels=st.integers(1, 6),
    max_order=st.integers(1, 4),
    folds=st.integers(2, 5),
    smoothing=st.sampled_from([0.5, 1.0, 3.0]),
)
def test_linear_scoring_equals_the_sorting_scoring(seed, n_journeys, n_channels, max_order, folds, smoothing):
    journeys = _journeys(seed, n_journeys, n_channels)
    sym, jour, kind, contexts = _events(journeys, max_order)
    rng = np.random.default_rng(seed)
    conv_f = _split_counts(journeys.conversions, folds, rng)
    null_f = _split_counts(journeys.nulls, folds, rng)
    w_all = _event_weights(conv_f.sum(axis=0), null_f.sum(axis=0), jour, kind)
    vocab = journeys.n_channels + 2
    levels = _encode_levels(sym, contexts, vocab)
    for f in range(folds):
        w_test = _event_weights(conv_f[f], null_f[f], jour, kind)
        fast = _heldout_logliks(sym, w_all - w_test, w_test, levels, vocab, smoothing)
        slow = [
            _reference_loglik(sym, w_all - w_test, w_test, contexts, k, vocab, smoothing)
            for k in range(1, max_order + 1)
        ]
        assert fast == slow  # bit for bit: the same sums in the same order
