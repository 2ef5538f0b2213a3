"""Bootstrap intervals: seeded, journey-level, around the point estimate."""

import numpy as np
import pytest

from attribution.marketing.engine import (
    ModelKind,
    ModelSpec,
    attribute,
    bootstrap_intervals,
    journeys_from_paths,
)


def _journeys():
    rng = np.random.default_rng(2)
    names = ["search", "social", "email", "direct"]
    rows = [
        (
            " > ".join(rng.choice(names, size=rng.integers(1, 5))),
            int(rng.integers(0, 3)),
            int(rng.integers(0, 8)),
        )
        for _ in range(200)
    ]
    return journeys_from_paths(
        [r[0] for r in rows], [r[1] for r in rows], [25.0 * r[1] for r in rows], [r[2] for r in rows]
    )


@pytest.mark.parametrize("kind", [ModelKind.LINEAR, ModelKind.MARKOV, ModelKind.SHAPLEY, ModelKind.FIRST])
def test_intervals_are_seeded_and_bracket_the_estimate(kind):
    j = _journeys()
    spec = ModelSpec(kind)
    point = attribute(j, spec)
    ci = bootstrap_intervals(j, spec, resamples=60, seed=4)
    again = bootstrap_intervals(j, spec, resamples=60, seed=4)
    other = bootstrap_intervals(j, spec, resamples=60, seed=5)
    np.testing.assert_array_equal(ci.conversions_low, again.conversions_low)
    np.testing.assert_array_equal(ci.value_high, again.value_high)
    assert not np.array_equal(ci.conversions_low, other.conversions_low)
    assert np.all(ci.conversions_low <= point.conversions) and np.all(
        point.conversions <= ci.conversions_high
    )
    assert np.all(ci.value_low <= point.value) and np.all(point.value <= ci.value_high)
    assert np.all(ci.conversions_high - ci.conversions_low > 0)
    assert (ci.level, ci.resamples, ci.seed) == (0.95, 60, 4)


def test_progress_is_reported_per_resample():
    seen = []
    bootstrap_intervals(
        _journeys(),
        ModelSpec(ModelKind.LAST),
        resamples=5,
        progress=lambda done, total: seen.append((done, total)),
    )
    assert seen == [(1, 5), (2, 5), (3, 5), (4, 5), (5, 5)]


def test_level_outside_zero_one_is_refused():
    with pytest.raises(ValueError, match="level must lie between 0 and 1"):
        bootstrap_intervals(_journeys(), ModelSpec(ModelKind.LAST), level=1.5)


@pytest.mark.parametrize("resamples", [0, -3], ids=["_case_zero", "_case_negative"])
def test_no_resamples_is_refused_with_a_clear_error(resamples):
    # given a configuration's "0: no confidence intervals" passed through by mistake
    # when / then the engine names the argument instead of failing inside np.percentile
    with pytest.raises(ValueError, match=rf"resamples must be at least 1 \(got {resamples}\)"):
        bootstrap_intervals(_journeys(), ModelSpec(ModelKind.LAST), resamples=resamples)
