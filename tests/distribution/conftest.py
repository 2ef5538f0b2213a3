"""A small sales floor: two reps with profiles, ten unassigned leads, one saved config."""

import datetime as dt

import pytest

from distribution.services.configs import config_create
from tests.distribution.factories import LeadFactory, SalespersonProfileFactory

TODAY = dt.date(2026, 3, 4)  # a Wednesday

ROUND_ROBIN = """\
campaign: {name: Daily}
lead_finding:
  do_not_call: {exclude: true, statuses: [Do Not Call]}
distribution: {strategy: round_robin, seed: 1}
"""


@pytest.fixture
def floor(org, rep, other_rep):
    SalespersonProfileFactory(organization=org, user=rep.user, capacity=20)
    SalespersonProfileFactory(organization=org, user=other_rep.user, capacity=20)
    leads = [LeadFactory(organization=org, name=f"Lead {i}") for i in range(10)]
    return leads


@pytest.fixture
def saved_config(org, admin):
    return config_create(organization=org, name="Daily", document=ROUND_ROBIN, acting_user=admin.user)
