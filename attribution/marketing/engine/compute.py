"""One entry point per job: `attribute` (one model), `attribute_all`, `bootstrap_intervals`."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from attribution.marketing.engine import markov, rules, shapley
from attribution.marketing.engine.journeys import journeys_with_weights
from attribution.marketing.engine.types import (
    RULE_BASED,
    Attribution,
    FloatArray,
    Intervals,
    Journeys,
    ModelKind,
    ModelSpec,
    ShapleyValue,
)


def channel_totals(journeys: Journeys, share: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Credited conversions and value per channel from per-touch shares."""
    jt = journeys.journey_of_touch
    n = journeys.n_channels
    conv = np.asarray(
        np.bincount(journeys.channels, weights=share * journeys.conversions[jt], minlength=n),
        dtype=np.float64,
    )
    val = np.asarray(
        np.bincount(journeys.channels, weights=share * journeys.value[jt], minlength=n), dtype=np.float64
    )
    return conv, val


def shares_from_channel_weights(journeys: Journeys, weights: FloatArray) -> FloatArray:
    """Drill-down shares: each touch weighted by its channel's (non-negative) model weight,
    scaled to one inside its journey (equal shares when every weight in it is zero)."""
    return rules.normalise_per_journey(journeys, np.maximum(weights, 0.0)[journeys.channels])


def attribute(journeys: Journeys, spec: ModelSpec) -> Attribution:
    """Credit every channel (and touch) with the journeys' conversions and value under ``spec``."""
    kind = ModelKind(spec.kind)
    if kind in RULE_BASED:
        share = rules.touch_shares(journeys, spec)
        conv, val = channel_totals(journeys, share)
        return Attribution(model=kind, conversions=conv, value=val, touch_share=share)
    if kind == ModelKind.MARKOV:
        return _markov(journeys, spec)
    if kind == ModelKind.SHAPLEY:
        return _shapley(journeys, spec)
    raise ValueError(f"unknown model {spec.kind!r}")


def _markov(
    journeys: Journeys, spec: ModelSpec, prepared: markov.MarkovPrepared | None = None
) -> Attribution:
    scores: tuple[tuple[int, float], ...] = ()
    order = spec.order
    if prepared is None:
        if order == 0:
            order, scores = markov.choose_order(journeys, max_order=spec.max_order, seed=spec.seed)
        prepared = markov.markov_prepare(journeys, order)
    sol = markov.markov_solve(prepared, journeys, journeys.n_channels)
    conv = markov.credit_from_effects(sol.removal_effects, journeys.total_conversions())
    val = markov.credit_from_effects(sol.removal_effects_value, journeys.total_value())
    return Attribution(
        model=ModelKind.MARKOV,
        conversions=conv,
        value=val,
        touch_share=shares_from_channel_weights(journeys, sol.removal_effects),
        removal_effects=sol.removal_effects,
        removal_effects_value=sol.removal_effects_value,
        order=prepared.order,
        order_scores=scores,
    )


def _shapley(journeys: Journeys, spec: ModelSpec) -> Attribution:
    if ShapleyValue(spec.shapley_value) == ShapleyValue.CONVERSIONS:
        share = shapley.even_split_shares(journeys)
        conv, val = channel_totals(journeys, share)
        return Attribution(model=ModelKind.SHAPLEY, conversions=conv, value=val, touch_share=share)
    phi, phi_v, exact = shapley.shapley_rate(
        journeys, max_exact_channels=spec.max_exact_channels, samples=spec.samples, seed=spec.seed
    )
    notes = () if exact else (f"sampled: {spec.samples} channel orders, seed {spec.seed}",)
    return Attribution(
        model=ModelKind.SHAPLEY,
        conversions=shapley.scale_to_total(phi, journeys.total_conversions()),
        value=shapley.scale_to_total(phi_v, journeys.total_value()),
        touch_share=shares_from_channel_weights(journeys, phi),
        exact=exact,
        notes=notes,
    )


def attribute_all(journeys: Journeys, specs: Sequence[ModelSpec]) -> dict[ModelKind, Attribution]:
    return {ModelKind(spec.kind): attribute(journeys, spec) for spec in specs}


def _resample(journeys: Journeys, rng: np.random.Generator) -> Journeys:
    """Journey-level bootstrap: draw N individual journeys with replacement.

    A path row stands for ``conversions`` converting and ``nulls`` non-converting journeys;
    each is a cell of the multinomial draw, and a converting cell keeps its mean value.
    """
    conv, nul = journeys.conversions, journeys.nulls
    total = float(conv.sum() + nul.sum())
    n = round(total)
    if n == 0:
        return journeys
    cells = np.concatenate([conv, nul]) / total
    drawn = rng.multinomial(n, cells / cells.sum()).astype(np.float64)
    new_conv, new_null = drawn[: conv.shape[0]], drawn[conv.shape[0] :]
    per_conv = np.divide(journeys.value, conv, out=np.zeros_like(conv), where=conv > 0)
    return journeys_with_weights(journeys, new_conv, new_null, new_conv * per_conv)


def bootstrap_intervals(
    journeys: Journeys,
    spec: ModelSpec,
    *,
    resamples: int = 200,
    seed: int = 0,
    level: float = 0.95,
    progress=None,
) -> Intervals:
    """Percentile intervals of each channel's credit over seeded journey-level resamples.

    Rule-based shares do not depend on the counts and Markov's chain structure does not either,
    so both are prepared once and only re-weighted per resample. A Markov order chosen
    automatically is chosen once on the full data and kept fixed.

    ``resamples`` must be at least 1: a configuration's "0 resamples" means no intervals, so
    callers do not ask for them (percentiles of no resample do not exist).
    """
    if not 0 < level < 1:
        raise ValueError("level must lie between 0 and 1")
    if resamples < 1:
        raise ValueError(
            f"resamples must be at least 1 (got {resamples}); 0 means no intervals: skip the call"
        )
    kind = ModelKind(spec.kind)
    rng = np.random.default_rng(seed)
    n = journeys.n_channels
    convs = np.zeros((resamples, n))
    vals = np.zeros((resamples, n))
    share = rules.touch_shares(journeys, spec) if kind in RULE_BASED else None
    prepared = None
    if kind == ModelKind.MARKOV:
        order = spec.order or markov.choose_order(journeys, max_order=spec.max_order, seed=spec.seed)[0]
        prepared = markov.markov_prepare(journeys, order)
    for i in range(resamples):
        sample = _resample(journeys, rng)
        if share is not None:
            convs[i], vals[i] = channel_totals(sample, share)
        elif prepared is not None:
            # channel totals only: the drill-down shares are not needed per resample
            sol = markov.markov_solve(prepared, sample, n)
            convs[i] = markov.credit_from_effects(sol.removal_effects, sample.total_conversions())
            vals[i] = markov.credit_from_effects(sol.removal_effects_value, sample.total_value())
        else:
            res = attribute(sample, spec)
            convs[i], vals[i] = res.conversions, res.value
        if progress is not None:
            progress(i + 1, resamples)
    lo, hi = 100 * (1 - level) / 2, 100 * (1 - (1 - level) / 2)
    return Intervals(
        level=level,
        resamples=resamples,
        seed=seed,
        conversions_low=np.percentile(convs, lo, axis=0),
        conversions_high=np.percentile(convs, hi, axis=0),
        value_low=np.percentile(vals, lo, axis=0),
        value_high=np.percentile(vals, hi, axis=0),
    )
