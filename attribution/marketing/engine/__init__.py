"""Pure multi-touch marketing attribution engine: numpy arrays in and out, no ORM, no request.

Call::

    journeys = journeys_from_touches(...)      # or journeys_from_paths(paths, conv, value, null)
    result = attribute(journeys, ModelSpec(ModelKind.MARKOV, order=0))
    ci = bootstrap_intervals(journeys, spec, resamples=200, seed=7)

`Journeys` holds touches in CSR form (channel ids, offsets, timestamps) with per-journey
conversions, non-conversions and value; `Attribution` holds credited conversions and value per
channel and each touch's share of its journey (for drill-down).

Semantics common to every model:

* A journey's conversions and value are shared among its touches; journeys without touches
  cannot be credited (their conversions are left out of the totals the models share).
* Totals are conserved: credited conversions sum to the conversions of journeys with touches,
  credited value to their value (up to float rounding; the services quantize with
  largest-remainder rounding so cents add up exactly).
* Touch order is by timestamp; equal timestamps keep input order (stable sort).

Rule-based models (`rules.py`): first, last, last non-direct (direct channels skipped unless the
journey has nothing else), linear, time decay (half-life in days before the last touch),
position based (U-shaped, default 40/20/40), W-shaped (first / opportunity creation / last,
default 30/30/30 with 10 spread over the rest) and custom stage weights (e.g. a full-path model
over lead and opportunity creation). Anchor weights on one touch add up; weights of a missing
milestone drop out and each journey's weights are then scaled to one.

Data-driven models: Markov removal effect (`markov.py`, order k ≥ 1, solved exactly as an
absorbing chain, order chosen by held-out likelihood when k = 0) and Shapley values
(`shapley.py`, closed form for the conversions game, exact coalition enumeration for the rate
game up to 15 channels, seeded permutation sampling above).

Uncertainty (`compute.bootstrap_intervals`): seeded journey-level bootstrap, percentile
intervals per channel.
"""

from attribution.marketing.engine.compute import (
    attribute,
    attribute_all,
    bootstrap_intervals,
    channel_totals,
    shares_from_channel_weights,
)
from attribution.marketing.engine.journeys import (
    journeys_from_paths,
    journeys_from_touches,
    journeys_with_weights,
    journeys_without_channels,
)
from attribution.marketing.engine.markov import choose_order, markov_prepare, markov_solve
from attribution.marketing.engine.shapley import shapley_exact
from attribution.marketing.engine.types import (
    RULE_BASED,
    Attribution,
    Intervals,
    InvalidJourneys,
    Journeys,
    ModelKind,
    ModelSpec,
    ShapleyValue,
)

__all__ = [
    "RULE_BASED",
    "Attribution",
    "Intervals",
    "InvalidJourneys",
    "Journeys",
    "ModelKind",
    "ModelSpec",
    "ShapleyValue",
    "attribute",
    "attribute_all",
    "bootstrap_intervals",
    "channel_totals",
    "choose_order",
    "journeys_from_paths",
    "journeys_from_touches",
    "journeys_with_weights",
    "journeys_without_channels",
    "markov_prepare",
    "markov_solve",
    "shapley_exact",
    "shares_from_channel_weights",
]
