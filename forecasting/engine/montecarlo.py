"""Monte Carlo revenue per period from open deals, plus new deals not yet created.

Each open deal wins with its calibrated probability ``p`` and, if it wins, closes ``T`` days
after the as-of day, where ``T`` follows a piecewise-linear quantile function through its
time-to-close knots (0: P10 − ¼·(P50 − P10) floored at 0, 0.1: P10, 0.5: P50, 0.9: P90,
1: P90 + ½·(P90 − P50)). Periods are consecutive half-open day ranges [start, end) counted
from the as-of day.

**One uniform draw per deal and simulation** decides whether the deal wins and in which period
it closes: with ``F_j`` the probability that a won deal closes before bound ``j``, the deal
lands in period ``j`` when ``p'·F_j ≤ u < p'·F_{j+1}`` (and in none otherwise), so
P(period j) = p'·(F_{j+1} − F_j).

**Shared calibration shock** (``shock_mean`` = μ, ``shock_sd`` = σ; 0 and 0 = independent
deals exactly as the model says): every simulation draws one z ~ N(0, 1) shared by all its
deals and moves every deal's odds by the same factor k = exp(μ + σ·z): p' = p·k ÷ (1 − p + p·k).
Deals are then dependent through k — a quarter where the whole pipeline converts better or
worse than the model said, which is what a backtest's quarter-to-quarter errors show and
independent coin flips cannot. p = 0 and p = 1 stay exact. μ and σ come from replaying the
model on past windows (``replay.pipeline_shock``).

**New deals** (``runrate``): a Gamma draw per period with the run-rate's mean and standard
deviation, independent of the shock.

**Seeded and reproducible independently of the thread count**: the draw of deal i in
simulation s is a counter-based hash (SplitMix64) of (seed, s, i), not a position in a shared
stream, so simulations can run in any order on any number of threads (the compiled kernel runs
them in parallel with numba's ``prange``). Revenue is summed in integer cents, so the sums are
exact and do not depend on the order of addition either. The pure-numpy ``simulate(...,
kernel="numpy")`` computes the same hash and the same comparisons: both give identical totals
(tested); it is the reference, and the fallback where numba is not installed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

try:  # numba is a pinned dependency; the numpy reference keeps the engine usable without it
    import numba
except ImportError:  # pragma: no cover - exercised only where numba is absent
    numba = None  # type: ignore[assignment]

_U = np.array([0.0, 0.1, 0.5, 0.9, 1.0])
# numpy reference only: (sims × deals) draws per chunk, so memory stays bounded.
CHUNK_CELLS = 4_000_000
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_TO_UNIT = 2.0**-32


@dataclass(frozen=True)
class PeriodForecast:
    start: int  # day offset from the as-of day, inclusive
    end: int  # exclusive
    mean: float
    p10: float
    p50: float
    p90: float
    open_pipeline_mean: float  # expected revenue from the open deals alone
    runrate_mean: float
    target: float | None
    probability_of_target: float | None


def knots(ttc: np.ndarray) -> np.ndarray:
    """(n, 5) quantile-function knots from (n, 3) P10/P50/P90 days."""
    q10, q50, q90 = ttc[:, 0], ttc[:, 1], ttc[:, 2]
    q0 = np.maximum(0.0, q10 - 0.25 * (q50 - q10))
    q100 = q90 + 0.5 * (q90 - q50)
    return np.column_stack([q0, q10, q50, q90, q100])


def cdf_before(k: np.ndarray, x: float) -> np.ndarray:
    """P(T < x) per deal for the piecewise-linear quantile function with knots ``k``."""
    out = np.zeros(len(k))
    for j in range(4):
        lo, hi = k[:, j], k[:, j + 1]
        width = hi - lo
        part = np.where(width > 0, np.clip((x - lo) / np.where(width > 0, width, 1.0), 0, 1), (x > lo) * 1.0)
        out += part * (_U[j + 1] - _U[j])
    return out


def _seed_key(seed: int) -> np.uint64:
    """The 64-bit key every draw of this seed is hashed with."""
    return np.random.SeedSequence(seed).generate_state(1, np.uint64)[0]


# -- the numpy reference --------------------------------------------------------------------


def _mix(x: np.ndarray) -> np.ndarray:
    """SplitMix64's finaliser on uint64 arrays (wrapping arithmetic)."""
    x = (x ^ (x >> np.uint64(30))) * _M1
    x = (x ^ (x >> np.uint64(27))) * _M2
    return x ^ (x >> np.uint64(31))


def _draws_numpy(key: np.uint64, s0: int, m: int, n: int) -> np.ndarray:
    """(m, n) uniforms in (0, 1) of simulations s0 … s0 + m − 1: the same numbers as the kernel.

    Deal i of simulation s takes the low (even i) or high (odd i) 32 bits of
    mix(key + (s·⌈n/2⌉ + i // 2 + 1)·golden)."""
    half = (n + 1) // 2
    counter = (np.arange(s0, s0 + m, dtype=np.uint64)[:, None] * np.uint64(half)) + np.arange(
        half, dtype=np.uint64
    )[None, :]
    with np.errstate(over="ignore"):
        h = _mix(key + (counter + np.uint64(1)) * _GOLDEN)
    bits = np.empty((m, 2 * half), dtype=np.uint64)
    bits[:, 0::2] = h & np.uint64(0xFFFFFFFF)
    bits[:, 1::2] = h >> np.uint64(32)
    return (bits[:, :n].astype(np.float64) + 0.5) * _TO_UNIT


def _totals_numpy(
    cents: np.ndarray, p: np.ndarray, f: np.ndarray, k: np.ndarray, key: np.uint64
) -> np.ndarray:
    """(sims, periods) revenue in cents, in plain numpy."""
    n, bounds = f.shape
    sims, periods = len(k), bounds - 1
    totals = np.zeros((sims, periods), dtype=np.int64)
    if n == 0:
        return totals
    chunk = max(1, CHUNK_CELLS // n)
    for s0 in range(0, sims, chunk):
        m = min(chunk, sims - s0)
        u = _draws_numpy(key, s0, m, n)
        pk = p[None, :] * k[s0 : s0 + m, None]
        w = u * ((1.0 - p)[None, :] + pk)
        # Bounds the draw has passed: the deal lands in period (passed − 1) when 1 ≤ passed ≤ P.
        passed = np.zeros((m, n), dtype=np.int64)
        for j in range(bounds):
            passed += w >= pk * f[None, :, j]
        for j in range(periods):
            totals[s0 : s0 + m, j] = (passed == j + 1).astype(np.int64) @ cents
    return totals


# -- the compiled kernel --------------------------------------------------------------------

if numba is not None:

    @numba.njit(cache=True, inline="always")
    def _mix_one(x):  # pragma: no cover - compiled
        x = (x ^ (x >> numba.uint64(30))) * numba.uint64(0xBF58476D1CE4E5B9)
        x = (x ^ (x >> numba.uint64(27))) * numba.uint64(0x94D049BB133111EB)
        return x ^ (x >> numba.uint64(31))

    @numba.njit(parallel=True, cache=True)
    def _totals_kernel(cents, p, f, k, key):  # pragma: no cover - compiled
        n, bounds = f.shape
        sims = k.shape[0]
        half = (n + 1) // 2
        # Slot b of a simulation: the deals whose draw passed b bounds (0: before the first
        # period; bounds: lost or after the last); the periods are slots 1 … bounds − 1.
        totals = np.zeros((sims, bounds + 1), dtype=np.int64)
        for s in numba.prange(sims):
            ks = k[s]
            base = numba.uint64(s) * numba.uint64(half)
            slot = np.zeros(bounds + 1, dtype=np.int64)
            for pair in range(half):
                h = _mix_one(
                    key + (base + numba.uint64(pair) + numba.uint64(1)) * numba.uint64(0x9E3779B97F4A7C15)
                )
                for half_word in range(2):
                    i = 2 * pair + half_word
                    if i >= n:
                        break
                    bits = (h >> numba.uint64(32 * half_word)) & numba.uint64(0xFFFFFFFF)
                    u = (np.float64(np.int64(bits)) + 0.5) * 2.3283064365386963e-10
                    pi = p[i]
                    pk = pi * ks
                    w = u * ((1.0 - pi) + pk)
                    passed = 0
                    for j in range(bounds):  # branch-free: a branch on a random draw mispredicts
                        passed += w >= pk * f[i, j]
                    slot[passed] += cents[i]
            for b in range(bounds + 1):
                totals[s, b] = slot[b]
        return totals[:, 1:bounds]


def compiled() -> bool:
    """Whether the compiled kernel is available (numba installed)."""
    return numba is not None


def simulate(
    amount: np.ndarray,
    p: np.ndarray,
    ttc: np.ndarray,
    periods: list[tuple[int, int]],
    *,
    sims: int = 10_000,
    seed: int = 0,
    runrate: list[tuple[float, float]] | None = None,
    targets: list[float | None] | None = None,
    shock_mean: float = 0.0,
    shock_sd: float = 0.0,
    kernel: str = "compiled",
) -> tuple[list[PeriodForecast], np.ndarray]:
    """Per-period forecasts and the (sims, periods) matrix of simulated revenue.

    ``kernel``: "compiled" (numba, parallel; the numpy reference when numba is missing) or
    "numpy" (the reference). Both give identical results for the same inputs and seed."""
    amount = np.asarray(amount, dtype=np.float64)
    p = np.clip(np.asarray(p, dtype=np.float64), 0.0, 1.0)
    k = knots(np.asarray(ttc, dtype=np.float64).reshape(len(amount), 3))
    # F[i, j]: probability that deal i, if it wins, closes before bound j.
    bounds = [periods[0][0], *[e for _, e in periods]]
    f = np.empty((len(amount), len(bounds)))
    for j, b in enumerate(bounds):
        f[:, j] = cdf_before(k, float(b))
    cents = np.rint(amount * 100).astype(np.int64)
    rng = np.random.default_rng(seed)
    if shock_sd > 0:
        factor = np.exp(shock_mean + shock_sd * rng.standard_normal(sims))
    else:
        factor = np.full(sims, np.exp(shock_mean))
    key = _seed_key(seed)
    if kernel == "compiled" and numba is not None:
        cents_totals = _totals_kernel(cents, p, f, factor, key)
    elif kernel in ("compiled", "numpy"):
        cents_totals = _totals_numpy(cents, p, f, factor, key)
    else:
        raise ValueError(f"Unknown Monte Carlo kernel {kernel!r}: use 'compiled' or 'numpy'.")
    totals = cents_totals / 100.0
    # Exact means of the open pipeline (without the shock's second-order pull toward 0.5).
    open_mean = (np.diff(f * p[:, None], axis=1) * amount[:, None]).sum(axis=0)
    rr = runrate or [(0.0, 0.0)] * len(periods)
    for j, (mu, sd) in enumerate(rr):
        if mu > 0:
            if sd > 0:
                shape = (mu / sd) ** 2
                totals[:, j] += rng.gamma(shape, mu / shape, size=sims)
            else:
                totals[:, j] += mu
    out = []
    for j, (start, end) in enumerate(periods):
        col = totals[:, j]
        target = targets[j] if targets else None
        out.append(
            PeriodForecast(
                start=start,
                end=end,
                mean=float(col.mean()),
                p10=float(np.quantile(col, 0.1)),
                p50=float(np.quantile(col, 0.5)),
                p90=float(np.quantile(col, 0.9)),
                open_pipeline_mean=float(open_mean[j]),
                runrate_mean=float(rr[j][0]),
                target=target,
                probability_of_target=float((col >= target).mean()) if target is not None else None,
            )
        )
    return out, totals
