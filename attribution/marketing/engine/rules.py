"""Rule-based models: each touch's share of its journey's conversion, vectorised over all touches."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from attribution.marketing.engine.types import FloatArray, IntArray, Journeys, ModelKind, ModelSpec


def _positions(journeys: Journeys) -> tuple[IntArray, IntArray, IntArray]:
    jt = journeys.journey_of_touch
    pos = np.arange(journeys.n_touches, dtype=np.int64) - journeys.offsets[jt]
    length = journeys.lengths[jt]
    return jt, pos, length


def normalise_per_journey(journeys: Journeys, weights: FloatArray, jt: IntArray | None = None) -> FloatArray:
    """Scale touch weights so each journey's sum to one (a journey with all zeros: equal shares)."""
    jt = journeys.journey_of_touch if jt is None else jt
    sums = np.bincount(jt, weights=weights, minlength=journeys.n_journeys)
    if np.any(sums[journeys.lengths > 0] <= 0):
        zero = (sums <= 0)[jt]
        weights = np.where(zero, 1.0, weights)
        sums = np.bincount(jt, weights=weights, minlength=journeys.n_journeys)
    return weights / sums[jt]


def first_touch(journeys: Journeys) -> FloatArray:
    _, pos, _ = _positions(journeys)
    return (pos == 0).astype(np.float64)


def last_touch(journeys: Journeys) -> FloatArray:
    _, pos, length = _positions(journeys)
    return (pos == length - 1).astype(np.float64)


def last_non_direct_touch(journeys: Journeys) -> FloatArray:
    """The last touch on a non-direct channel; the last touch when every touch is direct."""
    out = np.zeros(journeys.n_touches, dtype=np.float64)
    if journeys.n_touches == 0:
        return out
    lengths = journeys.lengths
    nonempty = lengths > 0
    idx = np.arange(journeys.n_touches, dtype=np.int64)
    candidate = np.where(journeys.direct[journeys.channels], -1, idx)
    starts = journeys.offsets[:-1][nonempty]
    best = np.maximum.reduceat(candidate, starts)
    last = journeys.offsets[1:][nonempty] - 1
    out[np.where(best >= 0, best, last)] = 1.0
    return out


def linear(journeys: Journeys) -> FloatArray:
    _, _, length = _positions(journeys)
    return 1.0 / length.astype(np.float64)


def time_decay(journeys: Journeys, half_life_days: float) -> FloatArray:
    """Weight ``2 ** (-d / half_life)``, d = days from the touch to the journey's last touch.

    Without timestamps a step between consecutive touches counts as one day.
    """
    if half_life_days <= 0:
        raise ValueError("half_life_days must be > 0")
    jt, pos, length = _positions(journeys)
    if journeys.timestamps is None:
        days = (length - 1 - pos).astype(np.float64)
    else:
        last = journeys.timestamps[journeys.offsets[1:] - 1]
        days = last[jt] - journeys.timestamps
    return normalise_per_journey(journeys, np.exp2(-days / half_life_days), jt)


def anchored(
    journeys: Journeys, first: float, milestones: Sequence[float], last: float, rest: float
) -> FloatArray:
    """Weights on anchor touches (first, each milestone, last), ``rest`` spread over the others.

    Anchors that fall on one touch add up (a single-touch journey takes everything); a missing
    milestone's weight and, with no other touches, the rest weight drop out before the journey's
    weights are scaled to one. Position based is this with no milestones; W-shaped with one.
    """
    if len(milestones) > len(journeys.milestones):
        raise ValueError(
            f"{len(milestones)} milestone weights but journeys carry {len(journeys.milestones)} milestones"
        )
    jt, pos, length = _positions(journeys)
    w = np.zeros(journeys.n_touches, dtype=np.float64)
    anchor = np.zeros(journeys.n_touches, dtype=bool)
    is_first = pos == 0
    is_last = pos == length - 1
    w += first * is_first + last * is_last
    anchor |= is_first | is_last
    for weight, mile in zip(milestones, journeys.milestones, strict=False):
        has = np.flatnonzero((mile >= 0) & (mile < journeys.lengths))
        idx = journeys.offsets[has] + mile[has]
        w[idx] += weight
        anchor[idx] = True
    others = np.bincount(jt, weights=(~anchor).astype(np.float64), minlength=journeys.n_journeys)
    free = ~anchor
    w[free] += rest / others[jt[free]]
    return normalise_per_journey(journeys, w, jt)


def _u_shaped(journeys: Journeys, first: float, middle: float, last: float) -> FloatArray:
    """`anchored` without milestones in closed form (first + last > 0): one pass, no bincount."""
    _, pos, length = _positions(journeys)
    total = first + middle + last
    ends = first + last
    inner = middle / (total * np.maximum(length - 2, 1))
    share = np.where(pos == 0, first / total, np.where(pos == length - 1, last / total, inner))
    share = np.where(length == 2, np.where(pos == 0, first / ends, last / ends), share)
    return np.where(length == 1, 1.0, share)


def touch_shares(journeys: Journeys, spec: ModelSpec) -> FloatArray:
    """Each touch's share of its journey's conversion under a rule-based model."""
    kind = spec.kind
    if kind == ModelKind.FIRST:
        return first_touch(journeys)
    if kind == ModelKind.LAST:
        return last_touch(journeys)
    if kind == ModelKind.LAST_NON_DIRECT:
        return last_non_direct_touch(journeys)
    if kind == ModelKind.LINEAR:
        return linear(journeys)
    if kind == ModelKind.TIME_DECAY:
        return time_decay(journeys, spec.half_life_days)
    if kind == ModelKind.POSITION:
        f, m, la = spec.position_weights
        if f + la > 0:
            return _u_shaped(journeys, f, m, la)
        return anchored(journeys, f, (), la, m)
    if kind == ModelKind.W_SHAPED:
        f, mile, la, rest = spec.w_weights
        return anchored(journeys, f, (mile,) if journeys.milestones else (), la, rest)
    if kind == ModelKind.STAGES:
        weights = spec.stage_weights
        if len(weights) < 3:
            raise ValueError("stage_weights needs at least (first, last, rest)")
        mids = tuple(weights[1:-2])[: len(journeys.milestones)]
        return anchored(journeys, weights[0], mids, weights[-2], weights[-1])
    raise ValueError(f"{kind} is not a rule-based model")
