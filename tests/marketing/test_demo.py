"""seed_demo's marketing step: account journeys before the deals, prospects without an account
on contact-level journeys, and a finished run of every model on each journey level."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db.models import Count, Sum

from attribution.marketing.demo import CONTACT_MODELS, PROSPECTS, RUN_MODELS
from attribution.marketing.models import AttributionRun, JourneyLevel, Touchpoint, TouchSource
from revops.models import Organization

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 3, 15)
SCALE = 0.02


@pytest.fixture
def acme():
    call_command("seed_demo", "--org", "acme", "--scale", str(SCALE), "--today", TODAY.isoformat(), "--quiet")
    return Organization.objects.get(slug="acme")


def test_prospects_journeys_and_runs_of_every_model(acme):
    touches = Touchpoint.objects.filter(organization=acme)
    prospects = touches.filter(account=None)
    # prospects: as many as the scale asks, each on their own contact key, never on a deal
    assert prospects.values("contact_key").distinct().count() == round(PROSPECTS * SCALE)
    assert not prospects.exclude(opportunity=None).exists()
    assert not touches.exclude(source=TouchSource.DEMO).exists()
    # the accounts' journeys: touches on deals, and most touches come from prospects
    assert touches.exclude(opportunity=None).exists()
    assert prospects.count() > touches.exclude(account=None).count()
    per_contact = prospects.values("contact_key").annotate(n=Count("id")).values_list("n", flat=True)
    assert min(per_contact) >= 1 and max(per_contact) <= 15
    # one finished run per model and level
    runs = AttributionRun.objects.filter(organization=acme)
    done = sorted((r.config.model, r.config.journey_level) for r in runs if r.status == "done")
    expected = [(m, JourneyLevel.ACCOUNT) for m in RUN_MODELS] + [
        (m, JourneyLevel.CONTACT) for m in CONTACT_MODELS
    ]
    assert done == sorted(expected) and runs.count() == len(expected)
    for run in runs:
        credited = run.channel_results.aggregate(c=Sum("conversions"))["c"]
        assert abs(credited - run.conversions) <= Decimal("0.001")  # 4 decimals per channel
    # contact level reads the prospects: many more journeys than conversions
    contact_run = runs.get(config__model="linear", config__journey_level=JourneyLevel.CONTACT)
    account_run = runs.get(config__model="linear", config__journey_level=JourneyLevel.ACCOUNT)
    assert contact_run.journeys > account_run.journeys
    assert 0 < contact_run.conversions < contact_run.journeys
