"""seed_demo's distribution: profiles, leads, one config per template, a dry and an applied run."""

import datetime as dt
import io

import pytest
from django.core.management import call_command

from distribution.models import DistributionConfig, DistributionRun, Lead, LeadAssignment, SalespersonProfile
from revops.models import Membership, Organization, Role

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 3, 15)


def test_seed_demo_seeds_distribution():
    # when
    call_command(
        "seed_demo", "--seed", "42", "--scale", "0.05", "--today", TODAY.isoformat(), stdout=io.StringIO()
    )
    # then, per organization
    for org in Organization.objects.all():
        reps = Membership.objects.filter(organization=org, role=Role.REP).count()
        assert SalespersonProfile.objects.filter(organization=org).count() == reps
        assert Lead.objects.filter(organization=org).count() == 100  # 2,000 × 0.05
        names = sorted(DistributionConfig.objects.filter(organization=org).values_list("name", flat=True))
        assert names == ["Daily advanced", "Daily basic", "Daily minimal"]
        runs = DistributionRun.objects.filter(organization=org)
        assert sorted(runs.values_list("config_name", "mode")) == [
            ("Daily advanced", "dry_run"),
            ("Daily basic", "applied"),
        ]
        applied = runs.get(mode="applied")
        assert LeadAssignment.objects.filter(run=applied).count() == applied.counts["assigned"]
        assert LeadAssignment.objects.filter(run=runs.get(mode="dry_run")).count() == 0
    # and running it again adds nothing
    before = (Lead.objects.count(), DistributionRun.objects.count(), LeadAssignment.objects.count())
    call_command(
        "seed_demo", "--seed", "42", "--scale", "0.05", "--today", TODAY.isoformat(), stdout=io.StringIO()
    )
    assert (Lead.objects.count(), DistributionRun.objects.count(), LeadAssignment.objects.count()) == before
