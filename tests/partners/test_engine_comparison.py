"""The matched-pair comparison engine: strata, pairs, intervals — hand-checked and by properties."""

import math
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from partners.engine.comparison import (
    ClosedDeal,
    PairCounts,
    compare,
    match_pairs,
    mean_difference_interval,
    paired_difference_interval,
    size_band,
    wilson,
)


def deal(deal_id, partnered, amount, won, days, segment="smb", line=1):
    return ClosedDeal(deal_id, partnered, segment, line, Decimal(amount), won, days)


@pytest.mark.parametrize(
    ("_case", "amount", "band"),
    [
        ("zero", "0", "under 10k"),
        ("just under 10k", "9999.99", "under 10k"),
        ("10k exactly", "10000", "10k–50k"),
        ("50k exactly", "50000", "50k–250k"),
        ("250k exactly", "250000", "250k and over"),
    ],
)
def test_size_band_bounds_are_inclusive_below(_case, amount, band):
    assert size_band(Decimal(amount)) == band


def test_pairs_form_only_inside_a_stratum_nearest_amount_without_replacement():
    # given: SMB/line 1/under 10k has partner deals of 1,000 and 5,000 and others of 900, 4,000
    # and 6,000; an enterprise partner deal has no comparable deal; a mid-market other deal
    # has no partner deal beside it
    deals = [
        deal(1, True, "1000", True, 30),
        deal(2, True, "5000", False, 50),
        deal(10, False, "900", False, 40),
        deal(11, False, "4000", True, 45),
        deal(12, False, "6000", False, 70),
        deal(3, True, "1000", True, 20, segment="enterprise"),
        deal(13, False, "1000", True, 20, segment="mid_market"),
    ]
    # when
    pairs, strata, unmatched_partner, unmatched_other = match_pairs(deals)
    # then: 1,000 takes 900 (100 away); 5,000 is 1,000 from both 4,000 and 6,000 → the smaller
    assert [(p.deal_id, o.deal_id) for p, o in pairs] == [(1, 10), (2, 11)]
    assert (strata, unmatched_partner, unmatched_other) == (1, 1, 2)


def test_same_amount_picks_the_lowest_id():
    deals = [
        deal(1, True, "500", True, 10),
        deal(9, False, "500", True, 10),
        deal(8, False, "500", False, 10),
    ]
    pairs, *_ = match_pairs(deals)
    assert [(p.deal_id, o.deal_id) for p, o in pairs] == [(1, 8)]


def test_a_deal_without_segment_or_product_line_is_unmatched():
    deals = [
        ClosedDeal(1, True, "", 1, Decimal("10"), True, 5),
        ClosedDeal(2, False, "smb", None, Decimal("10"), True, 5),
        deal(3, False, "10", True, 5),
    ]
    result = compare(deals)
    assert (result.pairs, result.unmatched_partner, result.unmatched_other) == (0, 1, 2)
    assert result.win_rate_difference is None
    assert result.cycle_days_difference is None
    assert result.partner_win_rate is None


def test_wilson_by_hand():
    # 9 of 10: centre (0.9 + 1.92073/10) / 1.384146 = 0.78897; half-width
    # 1.959964 × sqrt(0.009 + 0.0096037) / 1.384146 = 0.19313
    low, high = wilson(9, 10)
    assert (round(low, 4), round(high, 4)) == (0.5958, 0.9821)


def test_newcombe_paired_interval_matches_the_published_example():
    # Newcombe (1998), Statistics in Medicine 17:2635, example (a): 12 pairs both positive,
    # 9 only the first, 2 only the second, 21 neither; method 10 gives 0.1591 (0.0112, 0.2954).
    interval = paired_difference_interval(PairCounts(both=12, partner_only=9, other_only=2, neither=21))
    assert interval is not None
    assert (round(interval.estimate, 4), round(interval.low, 4), round(interval.high, 4)) == (
        0.1591,
        0.0112,
        0.2954,
    )


def test_mean_difference_interval_by_hand():
    # differences 1, 2, 3: mean 2, sd 1, t(0.975, 2) = 4.302653 → 2 ± 4.302653 / sqrt(3)
    interval = mean_difference_interval([1, 2, 3])
    assert interval is not None
    assert interval.estimate == 2
    assert (round(interval.low, 4), round(interval.high, 4)) == (
        round(2 - 2.484138, 4),
        round(2 + 2.484138, 4),
    )
    single = mean_difference_interval([7])
    assert (single.estimate, single.low, single.high) == (7, None, None)
    assert mean_difference_interval([]) is None


def test_compare_by_hand():
    # given: three pairs in two strata
    deals = [
        deal(1, True, "1000", True, 30),
        deal(10, False, "1100", False, 50),
        deal(2, True, "2000", True, 40),
        deal(11, False, "2100", True, 40),
        deal(3, True, "20000", False, 60, line=2),
        deal(12, False, "20000", False, 90, line=2),
    ]
    # when
    result = compare(deals)
    # then: outcomes (won, won)=1, (won, lost)=1, (lost, lost)=1
    assert (result.pairs, result.strata, result.unmatched_partner, result.unmatched_other) == (3, 2, 0, 0)
    assert result.counts == PairCounts(both=1, partner_only=1, other_only=0, neither=1)
    assert (result.partner_win_rate, result.other_win_rate) == (2 / 3, 1 / 3)
    assert math.isclose(result.win_rate_difference.estimate, 1 / 3)
    # cycle days: partner 30, 40, 60 (mean 43.33); others 50, 40, 90 (mean 60); differences −20, 0, −30
    assert math.isclose(result.cycle_days_difference.estimate, -50 / 3)
    assert math.isclose(result.partner_cycle_days, 130 / 3)
    assert math.isclose(result.other_cycle_days, 60)
    assert result.pair_ids == ((1, 10), (2, 11), (3, 12))


closed_deals = st.lists(
    st.builds(
        ClosedDeal,
        deal_id=st.integers(min_value=1, max_value=10_000),
        partnered=st.booleans(),
        segment=st.sampled_from(["smb", "enterprise", ""]),
        product_line_id=st.sampled_from([1, 2, None]),
        amount=st.decimals(min_value=0, max_value=400_000, places=2),
        won=st.booleans(),
        cycle_days=st.integers(min_value=0, max_value=400),
    ),
    max_size=40,
    unique_by=lambda d: d.deal_id,
)


@settings(max_examples=200, deadline=None)
@given(closed_deals)
def test_every_deal_is_paired_once_or_counted_unmatched(deals):
    result = compare(deals)
    partnered = sum(1 for d in deals if d.partnered)
    assert result.pairs + result.unmatched_partner == partnered
    assert result.pairs + result.unmatched_other == len(deals) - partnered
    used = [i for pair in result.pair_ids for i in pair]
    assert len(used) == len(set(used))
    by_id = {d.deal_id: d for d in deals}
    for p, o in result.pair_ids:
        assert by_id[p].partnered and not by_id[o].partnered
        assert (by_id[p].segment, by_id[p].product_line_id, size_band(by_id[p].amount)) == (
            by_id[o].segment,
            by_id[o].product_line_id,
            size_band(by_id[o].amount),
        )


@settings(max_examples=200, deadline=None)
@given(closed_deals)
def test_intervals_contain_the_estimate_and_no_pairs_means_no_estimate(deals):
    result = compare(deals)
    if result.pairs == 0:
        assert result.win_rate_difference is None and result.cycle_days_difference is None
        return
    win = result.win_rate_difference
    assert -1 <= win.low <= win.estimate <= win.high <= 1
    cycle = result.cycle_days_difference
    if result.pairs > 1:
        assert cycle.low <= cycle.estimate + 1e-9 and cycle.estimate - 1e-9 <= cycle.high
    else:
        assert cycle.low is None and cycle.high is None


@settings(max_examples=100, deadline=None)
@given(
    st.integers(min_value=0, max_value=30),
    st.integers(min_value=0, max_value=30),
    st.integers(min_value=0, max_value=30),
    st.integers(min_value=0, max_value=30),
)
def test_paired_interval_contains_the_estimate(a, b, c, d):
    interval = paired_difference_interval(PairCounts(a, b, c, d))
    if a + b + c + d == 0:
        assert interval is None
        return
    assert -1 <= interval.low <= interval.estimate <= interval.high <= 1
    assert math.isclose(interval.estimate, (b - c) / (a + b + c + d))
