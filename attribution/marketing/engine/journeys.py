"""Build validated, ordered `Journeys` from touches (long format) or from aggregated paths."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from attribution.marketing.engine.types import BoolArray, FloatArray, IntArray, InvalidJourneys, Journeys


def _as_float(values: Sequence[float] | FloatArray, name: str, n: int) -> FloatArray:
    arr = np.asarray(values, dtype=np.float64)
    if arr.shape != (n,):
        raise InvalidJourneys(f"{name} has {arr.shape[0] if arr.ndim else 0} entries, expected {n}")
    if not np.all(np.isfinite(arr)) or np.any(arr < 0):
        bad = int(np.flatnonzero(~np.isfinite(arr) | (arr < 0))[0])
        raise InvalidJourneys(f"{name}[{bad}] must be a finite number ≥ 0, got {float(arr[bad])}")
    return arr


def journeys_from_touches(
    *,
    journey_index: Sequence[int] | IntArray,
    channels: Sequence[int] | IntArray,
    channel_names: Sequence[str],
    conversions: Sequence[float] | FloatArray,
    value: Sequence[float] | FloatArray,
    nulls: Sequence[float] | FloatArray | None = None,
    timestamps: Sequence[float] | FloatArray | None = None,
    direct: Sequence[bool] | BoolArray | None = None,
    milestone_flags: Sequence[Sequence[bool] | BoolArray] = (),
) -> Journeys:
    """Group touches (one row each) into journeys ``0 .. len(conversions)-1``.

    Touches are ordered by timestamp inside each journey; touches with equal timestamps (and all
    touches when ``timestamps`` is None) keep their input order. ``nulls`` defaults to one
    non-converting journey where ``conversions`` is 0. ``milestone_flags[m][t]`` marks touch
    ``t`` as the milestone ``m`` touch (the first flagged touch of a journey counts).
    """
    jidx = np.asarray(journey_index, dtype=np.int64)
    ch = np.asarray(channels, dtype=np.int64)
    n_touch = jidx.shape[0]
    if ch.shape != (n_touch,):
        raise InvalidJourneys("channels and journey_index differ in length")
    conv = np.asarray(conversions, dtype=np.float64)
    n = conv.shape[0]
    conv = _as_float(conv, "conversions", n)
    val = _as_float(value, "value", n)
    nul = _as_float((conv == 0).astype(np.float64) if nulls is None else nulls, "nulls", n)
    n_ch = len(channel_names)
    if n_touch and (jidx.min() < 0 or jidx.max() >= n):
        raise InvalidJourneys(f"journey_index must lie in 0..{n - 1}")
    if n_touch and (ch.min() < 0 or ch.max() >= n_ch):
        bad = int(np.flatnonzero((ch < 0) | (ch >= n_ch))[0])
        raise InvalidJourneys(f"touch {bad}: channel id {ch[bad]} is not one of the {n_ch} channels")
    ts = None if timestamps is None else np.asarray(timestamps, dtype=np.float64)
    if ts is not None:
        if ts.shape != (n_touch,) or not np.all(np.isfinite(ts)):
            raise InvalidJourneys("timestamps must be one finite number per touch")
        order = np.lexsort((ts, jidx))  # stable: ties keep input order
    else:
        order = np.argsort(jidx, kind="stable")
    ch = ch[order]
    jsorted = jidx[order]
    counts = np.bincount(jsorted, minlength=n)
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    milestones = []
    for m, flags in enumerate(milestone_flags):
        f = np.asarray(flags, dtype=bool)
        if f.shape != (n_touch,):
            raise InvalidJourneys(f"milestone_flags[{m}] must have one flag per touch")
        f = f[order]
        mile = np.full(n, -1, dtype=np.int64)
        hit = np.flatnonzero(f)
        # first flagged touch per journey: reverse assignment keeps the earliest
        mile[jsorted[hit][::-1]] = (hit - offsets[jsorted[hit]])[::-1]
        milestones.append(mile)
    return Journeys(
        channels=ch,
        offsets=offsets,
        conversions=conv,
        nulls=nul,
        value=val,
        channel_names=tuple(channel_names),
        direct=_direct(direct, n_ch),
        timestamps=None if ts is None else ts[order],
        milestones=tuple(milestones),
    )


def _direct(direct: Sequence[bool] | BoolArray | None, n_ch: int) -> BoolArray:
    if direct is None:
        return np.zeros(n_ch, dtype=bool)
    arr = np.asarray(direct, dtype=bool)
    if arr.shape != (n_ch,):
        raise InvalidJourneys("direct must have one flag per channel")
    return arr


def journeys_from_paths(
    paths: Sequence[str],
    conversions: Sequence[float],
    value: Sequence[float],
    nulls: Sequence[float],
    *,
    sep: str = ">",
    direct_channels: Sequence[str] = (),
    channel_names: Sequence[str] | None = None,
) -> Journeys:
    """Parse the ChannelAttribution path format: one row per distinct path with its counts.

    Channel names are stripped of spaces; an empty step (``a >  > b``) is an error naming the row.
    Channels are numbered in sorted order unless ``channel_names`` fixes the numbering.
    """
    split = []
    for row, path in enumerate(paths):
        steps = [s.strip() for s in path.split(sep)] if path.strip() else []
        if any(not s for s in steps):
            raise InvalidJourneys(f"row {row + 1}: empty channel in path {path!r}")
        split.append(steps)
    names = (
        list(channel_names) if channel_names is not None else sorted({s for steps in split for s in steps})
    )
    index = {name: i for i, name in enumerate(names)}
    flat: list[int] = []
    lengths = []
    for row, steps in enumerate(split):
        for s in steps:
            if s not in index:
                raise InvalidJourneys(f"row {row + 1}: unknown channel {s!r}")
            flat.append(index[s])
        lengths.append(len(steps))
    n = len(split)
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.asarray(lengths, dtype=np.int64), out=offsets[1:])
    return Journeys(
        channels=np.asarray(flat, dtype=np.int64),
        offsets=offsets,
        conversions=_as_float(conversions, "total_conversions", n),
        nulls=_as_float(nulls, "total_null", n),
        value=_as_float(value, "total_conversion_value", n),
        channel_names=tuple(names),
        direct=np.asarray([name in set(direct_channels) for name in names], dtype=bool),
    )


def journeys_without_channels(journeys: Journeys, excluded: Sequence[int]) -> Journeys:
    """Drop every touch on the excluded channels (a milestone on a dropped touch is lost)."""
    if not len(excluded):
        return journeys
    keep = ~np.isin(journeys.channels, np.asarray(excluded, dtype=np.int64))
    jt = journeys.journey_of_touch
    counts = np.bincount(jt[keep], minlength=journeys.n_journeys)
    offsets = np.zeros(journeys.n_journeys + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    new_pos = np.cumsum(keep) - 1 - offsets[jt]  # position among kept touches, per kept touch
    milestones = []
    for mile in journeys.milestones:
        out = np.full(journeys.n_journeys, -1, dtype=np.int64)
        has = np.flatnonzero(mile >= 0)
        abs_idx = journeys.offsets[has] + mile[has]
        kept = keep[abs_idx]
        out[has[kept]] = new_pos[abs_idx[kept]]
        milestones.append(out)
    return Journeys(
        channels=journeys.channels[keep],
        offsets=offsets,
        conversions=journeys.conversions,
        nulls=journeys.nulls,
        value=journeys.value,
        channel_names=journeys.channel_names,
        direct=journeys.direct,
        timestamps=None if journeys.timestamps is None else journeys.timestamps[keep],
        milestones=tuple(milestones),
    )


def journeys_with_weights(
    journeys: Journeys, conversions: FloatArray, nulls: FloatArray, value: FloatArray
) -> Journeys:
    """The same paths with other counts (bootstrap resamples)."""
    return Journeys(
        channels=journeys.channels,
        offsets=journeys.offsets,
        conversions=conversions,
        nulls=nulls,
        value=value,
        channel_names=journeys.channel_names,
        direct=journeys.direct,
        timestamps=journeys.timestamps,
        milestones=journeys.milestones,
    )
