"""Rule-based models on hand-computed journeys: ties, single touches, repeats, direct channels."""

import math
import re

import numpy as np
import pytest

from attribution.marketing.engine import (
    InvalidJourneys,
    ModelKind,
    ModelSpec,
    attribute,
    journeys_from_paths,
    journeys_from_touches,
    journeys_without_channels,
)

A, B, C, D = 0, 1, 2, 3  # D is "direct"


def _journeys():
    # given four journeys, touches deliberately out of order:
    # J0: a@0, b@2, c@2 (tie: b was entered first), d@4 (direct) – converts, 100; milestone at c
    # J1: b@10 – converts, 50 (single touch)
    # J2: a@0, a@1 – no conversion (repeated channel)
    # J3: c@0, d@1 – converts, 30 (ends on direct)
    rows = [
        (0, D, 4.0, False),
        (0, A, 0.0, False),
        (0, B, 2.0, False),
        (0, C, 2.0, True),
        (1, B, 10.0, False),
        (2, A, 1.0, False),
        (2, A, 0.0, False),
        (3, D, 1.0, False),
        (3, C, 0.0, False),
    ]
    return journeys_from_touches(
        journey_index=[r[0] for r in rows],
        channels=[r[1] for r in rows],
        timestamps=[r[2] for r in rows],
        milestone_flags=[[r[3] for r in rows]],
        channel_names=["a", "b", "c", "d"],
        direct=[False, False, False, True],
        conversions=[1, 1, 0, 1],
        value=[100, 50, 0, 30],
    )


def test_touches_are_ordered_by_time_and_ties_keep_input_order():
    j = _journeys()
    assert j.channels.tolist() == [A, B, C, D, B, A, A, C, D]
    assert j.offsets.tolist() == [0, 4, 5, 7, 9]
    assert j.milestones[0].tolist() == [2, -1, -1, -1]
    assert j.nulls.tolist() == [0, 0, 1, 0]


@pytest.mark.parametrize(
    ("_case", "spec", "conversions", "value"),
    [
        ("first", ModelSpec(ModelKind.FIRST), [1, 1, 1, 0], [100, 50, 30, 0]),
        ("last", ModelSpec(ModelKind.LAST), [0, 1, 0, 2], [0, 50, 0, 130]),
        ("last_non_direct", ModelSpec(ModelKind.LAST_NON_DIRECT), [0, 1, 2, 0], [0, 50, 130, 0]),
        ("linear", ModelSpec(ModelKind.LINEAR), [0.25, 1.25, 0.75, 0.75], [25, 75, 40, 40]),
        ("position", ModelSpec(ModelKind.POSITION), [0.4, 1.1, 0.6, 0.9], [40, 60, 25, 55]),
        ("w_shaped", ModelSpec(ModelKind.W_SHAPED), [0.3, 1.1, 0.8, 0.8], [30, 60, 45, 45]),
        (
            "u_shaped_30_40_30",
            ModelSpec(ModelKind.POSITION, position_weights=(0.3, 0.4, 0.3)),
            [0.3, 1.2, 0.7, 0.8],
            [30, 70, 35, 45],
        ),
    ],
)
def test_rule_models_match_hand_computed_credit(_case, spec, conversions, value):
    # when
    res = attribute(_journeys(), spec)
    # then
    np.testing.assert_allclose(res.conversions, conversions, rtol=0, atol=1e-12)
    np.testing.assert_allclose(res.value, value, rtol=0, atol=1e-9)


def test_time_decay_halves_the_weight_every_half_life():
    res = attribute(_journeys(), ModelSpec(ModelKind.TIME_DECAY, half_life_days=2.0))
    # J0: a is 4 days before the last touch (weight 1/4), b and c 2 days (1/2), d 0 (1): sum 9/4
    # J3: c one day before d: 2^-0.5 against 1
    r = 2**-0.5
    expected = [1 / 9, 2 / 9 + 1, 2 / 9 + r / (1 + r), 4 / 9 + 1 / (1 + r)]
    np.testing.assert_allclose(res.conversions, expected, rtol=1e-12)
    j0 = res.touch_share[:4]
    np.testing.assert_allclose(j0, [1 / 9, 2 / 9, 2 / 9, 4 / 9], rtol=1e-12)


def test_stage_weights_full_path_on_two_milestones():
    # given one journey a > b > c > d > a with lead created at b and opportunity created at d
    j = journeys_from_touches(
        journey_index=[0] * 5,
        channels=[A, B, C, D, A],
        timestamps=[0, 1, 2, 3, 4],
        milestone_flags=[[False, True, False, False, False], [False, False, False, True, False]],
        channel_names=["a", "b", "c", "d"],
        conversions=[1],
        value=[1000],
    )
    # when the full-path model weighs first, lead, opportunity and last 22.5 % each, 10 % the rest
    res = attribute(j, ModelSpec(ModelKind.STAGES, stage_weights=(0.225, 0.225, 0.225, 0.225, 0.1)))
    # then c (the only other touch) takes the 10 %
    np.testing.assert_allclose(res.touch_share, [0.225, 0.225, 0.1, 0.225, 0.225], rtol=1e-12)
    np.testing.assert_allclose(res.value, [450, 225, 100, 225], rtol=1e-12)


def test_single_touch_journey_gets_everything_in_every_rule_model():
    j = journeys_from_paths(["b"], [3], [90.0], [1], channel_names=["a", "b"])
    for kind in (ModelKind.FIRST, ModelKind.LAST, ModelKind.LINEAR, ModelKind.POSITION, ModelKind.W_SHAPED):
        res = attribute(j, ModelSpec(kind))
        assert res.conversions.tolist() == [0.0, 3.0], kind
        assert res.value.tolist() == [0.0, 90.0], kind


def test_all_direct_journey_falls_back_to_last_touch():
    j = journeys_from_paths(["d > d"], [1], [10.0], [0], direct_channels=["d"])
    res = attribute(j, ModelSpec(ModelKind.LAST_NON_DIRECT))
    assert res.touch_share.tolist() == [0.0, 1.0]


def test_excluding_a_channel_drops_its_touches_and_moves_milestones():
    j = journeys_without_channels(_journeys(), [B])
    assert j.channels.tolist() == [A, C, D, A, A, C, D]
    assert j.offsets.tolist() == [0, 3, 3, 5, 7]
    assert j.milestones[0].tolist() == [1, -1, -1, -1]
    # J1 lost its only touch: its conversion can no longer be credited
    assert j.total_conversions() == 2.0
    assert attribute(j, ModelSpec(ModelKind.LINEAR)).conversions.sum() == pytest.approx(2.0, abs=1e-12)


@pytest.mark.parametrize(
    ("_case", "kwargs", "message"),
    [
        ("unknown_channel", {"channels": [0, 5]}, "touch 1: channel id 5"),
        ("negative_conversions", {"conversions": [-1.0]}, "conversions[0] must be a finite number"),
        ("nan_value", {"value": [math.nan]}, "value[0] must be a finite number"),
    ],
)
def test_invalid_touch_arrays_name_the_bad_entry(_case, kwargs, message):
    args = {
        "journey_index": [0, 0],
        "channels": [0, 1],
        "channel_names": ["a", "b"],
        "conversions": [1.0],
        "value": [1.0],
    } | kwargs
    with pytest.raises(InvalidJourneys, match=re.escape(message)):
        journeys_from_touches(**args)


def test_path_with_an_empty_step_names_the_row():
    with pytest.raises(InvalidJourneys, match=r"row 2: empty channel in path 'a >  > b'"):
        journeys_from_paths(["a", "a >  > b"], [1, 1], [1, 1], [0, 0])
