"""The commission book of tests/commissions/factories.py with its fiscal periods, for page and API tests."""

import datetime as dt

import pytest

from revops.services.periods import periods_ensure
from tests.commissions.factories import book

JAN, FEB, MAR = dt.date(2026, 1, 1), dt.date(2026, 2, 1), dt.date(2026, 3, 1)


@pytest.fixture
def commission_book(org, rep, other_rep):
    """Two reps on two product lines, January to March 2026 (lines, plans)."""
    periods_ensure(organization=org, start=JAN, end=dt.date(2026, 12, 31))
    return book(org, rep, other_rep)
