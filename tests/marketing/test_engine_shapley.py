"""Shapley: the axioms (efficiency, symmetry, null player) with hypothesis, closed form against
full coalition enumeration, a hand-computed rate game, and sampling above the exact limit."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from attribution.marketing.engine import (
    ModelKind,
    ModelSpec,
    ShapleyValue,
    attribute,
    journeys_from_paths,
    shapley_exact,
)
from attribution.marketing.engine.shapley import journey_masks, subset_sums


@st.composite
def games(draw, min_players=1, max_players=7):
    n = draw(st.integers(min_players, max_players))
    values = draw(st.lists(st.floats(-100, 100, allow_nan=False), min_size=2**n, max_size=2**n))
    v = np.asarray(values)
    v[0] = 0.0
    return n, v


@settings(deadline=None)
@given(games())
def test_efficiency_credits_sum_to_the_grand_coalition(game):
    n, v = game
    assert shapley_exact(v, n).sum() == pytest.approx(v[-1], rel=1e-12, abs=1e-9)


@settings(deadline=None)
@given(games(min_players=2), st.data())
def test_symmetric_players_get_equal_credit(game, data):
    n, v = game
    i = data.draw(st.integers(0, n - 1))
    j = data.draw(st.integers(0, n - 1).filter(lambda x: x != i))
    masks = np.arange(2**n)
    bi, bj = (masks >> i) & 1, (masks >> j) & 1
    swapped = masks & ~((1 << i) | (1 << j)) | (bi << j) | (bj << i)
    symmetric = (v + v[swapped]) / 2  # v(S) = v(S with i and j exchanged)
    phi = shapley_exact(symmetric, n)
    assert phi[i] == pytest.approx(phi[j], abs=1e-9)


@settings(deadline=None)
@given(games(min_players=2), st.data())
def test_null_player_gets_nothing(game, data):
    n, v = game
    i = data.draw(st.integers(0, n - 1))
    masks = np.arange(2**n)
    ignoring_i = v[masks & ~(1 << i)]  # adding i never changes the value
    phi = shapley_exact(ignoring_i, n)
    assert phi[i] == pytest.approx(0.0, abs=1e-9)


paths = st.lists(
    st.tuples(
        st.lists(st.sampled_from("abcdef"), min_size=1, max_size=6),
        st.integers(0, 5),
        st.integers(0, 5),
        st.integers(0, 1000),
    ),
    min_size=1,
    max_size=30,
)


def _journeys(rows):
    return journeys_from_paths(
        [" > ".join(p) for p, *_ in rows],
        [float(c) for _, c, _, _ in rows],
        [float(c * v) for _, c, _, v in rows],
        [float(n) for _, _, n, _ in rows],
        channel_names=list("abcdef"),
    )


@settings(max_examples=60, deadline=None)
@given(paths)
def test_closed_form_equals_coalition_enumeration_of_the_conversions_game(rows):
    # given the game v(S) = conversions of journeys whose channels all lie in S
    j = _journeys(rows)
    n = j.n_channels
    v = subset_sums(np.bincount(journey_masks(j), weights=j.conversions, minlength=2**n), n)
    # when / then: the model's closed form (even split per journey) is the exact Shapley value
    res = attribute(j, ModelSpec(ModelKind.SHAPLEY))
    np.testing.assert_allclose(res.conversions, shapley_exact(v, n), atol=1e-9)
    # and a channel nobody touched (a null player) gets nothing
    touched = set(j.channels.tolist())
    assert all(res.conversions[c] == 0 for c in range(n) if c not in touched)


@settings(max_examples=60, deadline=None)
@given(paths, st.sampled_from(list(ModelKind)))
def test_every_model_conserves_conversions_and_value(rows, kind):
    j = _journeys(rows)
    res = attribute(
        j, ModelSpec(kind, shapley_value=ShapleyValue.RATE if kind == ModelKind.SHAPLEY else "conversions")
    )
    assert res.conversions.sum() == pytest.approx(j.total_conversions(), abs=1e-6)
    assert res.value.sum() == pytest.approx(j.total_value(), abs=1e-6)
    jt = j.journey_of_touch
    np.testing.assert_allclose(
        np.bincount(jt, weights=res.touch_share, minlength=j.n_journeys)[j.lengths > 0], 1.0
    )


def test_rate_game_by_hand():
    # given {a}: 1 of 10 convert, {b}: 2 of 10, {a, b}: 6 of 10
    j = journeys_from_paths(["a", "b", "a > b"], [1, 2, 6], [10, 20, 60], [9, 8, 4])
    # v(a) = .1, v(b) = .2, v(ab) = 9/30 = .3: φa = ½(.1) + ½(.3 − .2) = .1, φb = .2
    res = attribute(j, ModelSpec(ModelKind.SHAPLEY, shapley_value=ShapleyValue.RATE))
    np.testing.assert_allclose(res.conversions, [3.0, 6.0], rtol=1e-12)  # scaled to 9 conversions
    np.testing.assert_allclose(res.value, [30.0, 60.0], rtol=1e-12)
    assert res.exact


def test_sampling_above_the_exact_limit_is_seeded_and_close():
    rng = np.random.default_rng(5)
    names = [f"c{i}" for i in range(8)]
    rows = [
        (
            " > ".join(rng.choice(names, size=rng.integers(1, 5))),
            int(rng.integers(0, 4)),
            int(rng.integers(0, 6)),
        )
        for _ in range(300)
    ]
    j = journeys_from_paths(
        [r[0] for r in rows], [r[1] for r in rows], [10.0 * r[1] for r in rows], [r[2] for r in rows]
    )
    exact = attribute(j, ModelSpec(ModelKind.SHAPLEY, shapley_value=ShapleyValue.RATE))
    spec = ModelSpec(
        ModelKind.SHAPLEY, shapley_value=ShapleyValue.RATE, max_exact_channels=4, samples=40_000, seed=9
    )
    sampled = attribute(j, spec)
    again = attribute(j, spec)
    assert not sampled.exact
    assert sampled.notes == ("sampled: 40000 channel orders, seed 9",)
    np.testing.assert_array_equal(sampled.conversions, again.conversions)
    np.testing.assert_allclose(sampled.conversions, exact.conversions, atol=0.05 * j.total_conversions() / 8)
    assert sampled.conversions.sum() == pytest.approx(j.total_conversions(), rel=1e-12)
