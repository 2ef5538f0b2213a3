"""Frozen inputs and outputs of the marketing attribution engine (numpy arrays inside)."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


class ModelKind(enum.StrEnum):
    """Every attribution model the engine computes."""

    FIRST = "first"
    LAST = "last"
    LAST_NON_DIRECT = "last_non_direct"
    LINEAR = "linear"
    TIME_DECAY = "time_decay"
    POSITION = "position"
    W_SHAPED = "w_shaped"
    STAGES = "stages"
    MARKOV = "markov"
    SHAPLEY = "shapley"


RULE_BASED = frozenset(
    {
        ModelKind.FIRST,
        ModelKind.LAST,
        ModelKind.LAST_NON_DIRECT,
        ModelKind.LINEAR,
        ModelKind.TIME_DECAY,
        ModelKind.POSITION,
        ModelKind.W_SHAPED,
        ModelKind.STAGES,
    }
)


class ShapleyValue(enum.StrEnum):
    """The coalition value v(S) the Shapley model distributes."""

    CONVERSIONS = "conversions"  # conversions of journeys whose channel set lies inside S
    RATE = "rate"  # conversion rate of those journeys (Zhao et al. 2018), scaled to conversions


class InvalidJourneys(ValueError):
    """The arrays do not describe journeys (lengths, offsets, channel ids, negative counts)."""


@dataclass(frozen=True, eq=False)
class Journeys:
    """Journeys in CSR form: journey ``j`` owns touches ``offsets[j]:offsets[j+1]``.

    * ``channels`` – channel id of each touch (0 .. len(channel_names)-1), in journey order;
    * ``timestamps`` – each touch's time in days (any origin), or None when only order is known;
    * ``conversions`` / ``nulls`` – how many journeys with this path converted / did not (1/0 or
      0/1 for one person's journey; any counts for the aggregated path format);
    * ``value`` – the revenue of the journey's conversions (total over ``conversions``);
    * ``milestones`` – per stage milestone (e.g. lead created, opportunity created) the index,
      inside the journey, of the touch that marks it, or -1 when the journey has none;
    * ``direct`` – per channel, whether it is "direct" (skipped by last non-direct touch).

    Build it with `journeys_from_touches` or `journeys_from_paths`, which sort and validate.
    """

    channels: IntArray
    offsets: IntArray
    conversions: FloatArray
    nulls: FloatArray
    value: FloatArray
    channel_names: tuple[str, ...]
    direct: BoolArray
    timestamps: FloatArray | None = None
    milestones: tuple[IntArray, ...] = ()

    @property
    def n_journeys(self) -> int:
        return int(self.offsets.shape[0] - 1)

    @property
    def n_touches(self) -> int:
        return int(self.channels.shape[0])

    @property
    def n_channels(self) -> int:
        return len(self.channel_names)

    @property
    def lengths(self) -> IntArray:
        return np.diff(self.offsets)

    @property
    def journey_of_touch(self) -> IntArray:
        """Journey index of each touch."""
        return np.repeat(np.arange(self.n_journeys, dtype=np.int64), self.lengths)

    def total_conversions(self) -> float:
        """Conversions of journeys that have at least one touch (the ones a model can credit)."""
        return float(self.conversions[self.lengths > 0].sum())

    def total_value(self) -> float:
        return float(self.value[self.lengths > 0].sum())


@dataclass(frozen=True)
class ModelSpec:
    """Which model, with its parameters. Weights are shares that need not sum to one.

    * time decay: a touch ``d`` days before the conversion (the journey's last touch) weighs
      ``2 ** (-d / half_life_days)``;
    * position (U-shaped): ``position_weights`` = (first, middle, last), default 40/20/40;
    * W-shaped: ``w_weights`` = (first, milestone, last, rest), default 30/30/30/10, the
      milestone being the first entry of ``Journeys.milestones`` (opportunity created);
    * stages: ``stage_weights`` = (first, milestone 1, …, milestone m, last, rest) – a full-path
      model is (22.5, 22.5, 22.5, 22.5, 10) with lead and opportunity creation as milestones;
    * Markov: ``order`` k ≥ 1, or 0 to choose it by held-out likelihood up to ``max_order``;
    * Shapley: ``shapley_value`` and the exact limit ``max_exact_channels``; above it
      ``samples`` random permutations (seeded by ``seed``).
    """

    kind: ModelKind
    half_life_days: float = 7.0
    position_weights: tuple[float, float, float] = (0.4, 0.2, 0.4)
    w_weights: tuple[float, float, float, float] = (0.3, 0.3, 0.3, 0.1)
    stage_weights: tuple[float, ...] = (0.225, 0.225, 0.225, 0.225, 0.1)
    order: int = 1
    max_order: int = 4
    shapley_value: ShapleyValue = ShapleyValue.CONVERSIONS
    max_exact_channels: int = 15
    samples: int = 2000
    seed: int = 0


@dataclass(frozen=True, eq=False)
class Attribution:
    """One model's result: credit per channel, and per touch for drill-down.

    ``touch_share[t]`` is the share of its journey's conversions (and value) credited to touch
    ``t``; shares of one journey sum to one. For rule-based models the channel totals are exactly
    the sums of the touch shares. For Markov and Shapley (rate) the channel totals come from the
    model, and each touch's share is its channel's model weight (removal effect, Shapley value),
    scaled so the journey's shares sum to one (drill-down only: a channel touched twice in a
    journey gets twice the share of a channel touched once).
    """

    model: ModelKind
    conversions: FloatArray  # per channel
    value: FloatArray  # per channel
    touch_share: FloatArray  # per touch
    removal_effects: FloatArray | None = None  # Markov: per channel, conversions
    removal_effects_value: FloatArray | None = None
    order: int | None = None  # Markov: the order used (chosen or given)
    order_scores: tuple[tuple[int, float], ...] = ()  # Markov auto order: (k, held-out log-lik)
    exact: bool = True  # False when Shapley used sampling
    notes: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True, eq=False)
class Intervals:
    """Bootstrap percentile intervals per channel (journey-level resampling)."""

    level: float
    resamples: int
    seed: int
    conversions_low: FloatArray
    conversions_high: FloatArray
    value_low: FloatArray
    value_high: FloatArray
