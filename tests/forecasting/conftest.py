import datetime as dt

import pytest

from tests.forecasting.factories import deal_book

TODAY = dt.date(2026, 11, 15)


@pytest.fixture
def small_book(org, rep, other_rep):
    """120 deals of two reps on two teams: below the small-data threshold."""
    return deal_book(org, [rep.user, other_rep.user], n=120, seed=1, today=TODAY)


@pytest.fixture
def big_book(org, rep, other_rep):
    """900 deals: enough closed ones for LightGBM."""
    return deal_book(org, [rep.user, other_rep.user], n=900, seed=2, today=TODAY)
