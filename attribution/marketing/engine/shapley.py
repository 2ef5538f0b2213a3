"""Shapley value attribution over channel coalitions.

Players are channels; a journey "belongs" to coalition S when every channel it touched is in S.

* ``conversions``: v(S) = conversions of journeys inside S. This game is a sum of unanimity
  games, so the Shapley value is exact in closed form for any number of channels: each
  journey's conversions split evenly over its distinct channels.
* ``rate``: v(S) = conversions ÷ journeys inside S (the incremental conversion rate of Zhao
  et al., 2018). Exact by enumerating all 2^n coalitions up to ``max_exact_channels`` channels
  (default 15, a 32,768-entry table; 20 channels still take well under a second); above it,
  the mean marginal contribution over ``samples`` random channel orders (seeded), which is
  unbiased but not exact (`Attribution.exact` is False). Values are scaled so the credits sum
  to the total conversions (and value); with a rate, a channel whose presence lowers the rate
  gets a negative credit rather than being hidden.

`shapley_exact(v)` is the generic exact solver on a coalition table v[mask].
"""

from __future__ import annotations

import math

import numpy as np

from attribution.marketing.engine.types import FloatArray, IntArray, Journeys

MAX_CHANNELS = 62  # coalitions are int64 bit masks


def journey_masks(journeys: Journeys) -> IntArray:
    """The set of channels each journey touched, as a bit mask (0 for an empty journey)."""
    if journeys.n_channels > MAX_CHANNELS:
        raise ValueError(f"Shapley supports at most {MAX_CHANNELS} channels")
    masks = np.zeros(journeys.n_journeys, dtype=np.int64)
    nonempty = journeys.lengths > 0
    if journeys.n_touches:
        bits = np.left_shift(np.int64(1), journeys.channels)
        masks[nonempty] = np.bitwise_or.reduceat(bits, journeys.offsets[:-1][nonempty])
    return masks


def popcount(masks: IntArray) -> IntArray:
    m = masks.astype(np.uint64)
    count = np.zeros(m.shape, dtype=np.int64)
    while np.any(m):
        count += (m & np.uint64(1)).astype(np.int64)
        m = m >> np.uint64(1)
    return count


def subset_sums(table: FloatArray, n: int) -> FloatArray:
    """Zeta transform: out[S] = Σ_{T ⊆ S} table[T]."""
    out = table.copy()
    for i in range(n):
        view = out.reshape(-1, 2, 2**i)
        view[:, 1, :] += view[:, 0, :]
    return out


def shapley_exact(v: FloatArray, n: int) -> FloatArray:
    """Exact Shapley values of the game with coalition values v[mask] (v has 2**n entries)."""
    if v.shape != (2**n,):
        raise ValueError("v must have 2**n entries")
    sizes = popcount(np.arange(2**n, dtype=np.int64))
    weight = np.array([math.factorial(s) * math.factorial(n - s - 1) / math.factorial(n) for s in range(n)])
    phi = np.zeros(n)
    for i in range(n):
        vv = v.reshape(-1, 2, 2**i)
        ss = sizes.reshape(-1, 2, 2**i)[:, 0, :]
        phi[i] = float(np.sum(weight[ss] * (vv[:, 1, :] - vv[:, 0, :])))
    return phi


def _rate_table(masks: IntArray, numer: FloatArray, denom: FloatArray, n: int) -> FloatArray:
    num = subset_sums(np.asarray(np.bincount(masks, weights=numer, minlength=2**n), dtype=np.float64), n)
    den = subset_sums(np.asarray(np.bincount(masks, weights=denom, minlength=2**n), dtype=np.float64), n)
    return np.divide(num, den, out=np.zeros_like(num), where=den > 0)


# Permutations are sampled in batches; a batch holds batch × unique masks × channels booleans,
# kept near 4 million (a few tens of MB) whatever the data.
_BATCH_CELLS = 4_000_000


def _rate_sampled(
    masks: IntArray, numer: FloatArray, denom: FloatArray, n: int, samples: int, seed: int
) -> FloatArray:
    uniq, inv = np.unique(masks, return_inverse=True)
    num = np.bincount(inv, weights=numer)
    den = np.bincount(inv, weights=denom)
    m = uniq.shape[0]
    bits = ((uniq[:, None] >> np.arange(n, dtype=np.int64)[None, :]) & 1).astype(bool)
    rng = np.random.default_rng(seed)
    phi = np.zeros(n)
    batch = max(1, _BATCH_CELLS // max(1, m * n))
    done = 0
    while done < samples:
        b = min(batch, samples - done)
        perms = np.argsort(rng.random((b, n)), axis=1)  # b uniform random channel orders
        rank = np.empty_like(perms)
        np.put_along_axis(rank, perms, np.arange(1, n + 1)[None, :].repeat(b, axis=0), axis=1)
        # a journey joins the growing coalition at the step its last channel arrives
        joins = np.max(np.where(bits[None, :, :], rank[:, None, :], 0), axis=2)  # (b, m)
        flat = (joins + (n + 1) * np.arange(b)[:, None]).ravel()
        cum_num = np.cumsum(
            np.bincount(flat, weights=np.tile(num, b), minlength=b * (n + 1)).reshape(b, n + 1), axis=1
        )
        cum_den = np.cumsum(
            np.bincount(flat, weights=np.tile(den, b), minlength=b * (n + 1)).reshape(b, n + 1), axis=1
        )
        v = np.divide(cum_num, cum_den, out=np.zeros_like(cum_num), where=cum_den > 0)
        phi += np.bincount(perms.ravel(), weights=np.diff(v, axis=1).ravel(), minlength=n)
        done += b
    return phi / samples


def shapley_rate(
    journeys: Journeys, *, max_exact_channels: int, samples: int, seed: int
) -> tuple[FloatArray, FloatArray, bool]:
    """Rate-game Shapley values for conversions and value (unscaled), and whether exact."""
    n = journeys.n_channels
    masks = journey_masks(journeys)
    keep = masks > 0
    m = masks[keep]
    size = (journeys.conversions + journeys.nulls)[keep]
    conv = journeys.conversions[keep]
    val = journeys.value[keep]
    if n <= max_exact_channels:
        phi = shapley_exact(_rate_table(m, conv, size, n), n)
        phi_v = shapley_exact(_rate_table(m, val, size, n), n)
        return phi, phi_v, True
    return (
        _rate_sampled(m, conv, size, n, samples, seed),
        _rate_sampled(m, val, size, n, samples, seed),
        False,
    )


# Journeys × channels up to this many cells are counted with one table (linear, a few hundred
# MB at most) instead of a sort.
TABLE_CELLS = 1 << 25


def even_split_shares(journeys: Journeys) -> FloatArray:
    """Per touch: 1 / (distinct channels of the journey) / (touches of its channel in the journey)."""
    jt = journeys.journey_of_touch
    n, c = journeys.n_journeys, journeys.n_channels
    key = jt * c + journeys.channels
    if n * c <= TABLE_CELLS:
        per = np.bincount(key, minlength=n * c)
        repeats = per[key]
        distinct = np.count_nonzero(per.reshape(n, c), axis=1)
    else:
        uniq, inv, per_key = np.unique(key, return_inverse=True, return_counts=True)
        repeats = per_key[inv]
        distinct = np.bincount(uniq // c, minlength=n)
    return 1.0 / (distinct[jt] * repeats).astype(np.float64)


def scale_to_total(phi: FloatArray, total: float) -> FloatArray:
    s = float(phi.sum())
    if s == 0 or total == 0:
        return np.zeros_like(phi)
    return phi * (total / s)
