"""Money helpers: rounding and exact splitting."""

from decimal import Decimal

import pytest

from revops.money import quantize_money, split_exact


@pytest.mark.parametrize(
    ("_case", "value", "expected"),
    [
        ("half_up", "0.005", Decimal("0.01")),
        ("below_half", "0.004", Decimal("0.00")),
        ("negative_half", "-0.005", Decimal("-0.01")),
        ("integer", 7, Decimal("7.00")),
    ],
)
def test_quantize_money(_case, value, expected):
    assert quantize_money(value) == expected


def test_split_exact_hands_leftover_cents_to_largest_remainders():
    # given 100.00 split three ways
    # when
    parts = split_exact(Decimal("100.00"), [1, 1, 1])
    # then the first share takes the odd cent and the sum is exact
    assert parts == [Decimal("33.34"), Decimal("33.33"), Decimal("33.33")]
    assert sum(parts) == Decimal("100.00")


def test_split_exact_by_uneven_weights():
    parts = split_exact(Decimal("10.00"), [Decimal("15"), Decimal("10"), Decimal("5")])
    assert parts == [Decimal("5.00"), Decimal("3.33"), Decimal("1.67")]


def test_split_exact_zero_weights_gives_zeros():
    assert split_exact(Decimal("10.00"), [0, 0]) == [Decimal("0.00"), Decimal("0.00")]
